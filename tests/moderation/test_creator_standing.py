"""Creator standing at every approval, and renewing an expired credential."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.utils import timezone

from moderation import creators
from moderation.models import CreatorStatus

from .conftest import act, creator_article, submit

pytestmark = pytest.mark.django_db


def expire(user, days_ago=1):
    profile = user.creator_profile
    profile.credential_valid_until = timezone.localdate() - datetime.timedelta(
        days=days_ago
    )
    profile.save(update_fields=["credential_valid_until"])
    return profile


def in_review_until_final(make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    act(article, reviewers["first"])
    act(article, reviewers["second"])
    assert article.current_workflow_task.name == "终审"
    return creator, article


def test_sign_off_is_refused_when_the_creator_was_suspended_in_review(
    client, make_creator, reviewers
):
    creator, article = in_review_until_final(make_creator, reviewers)
    creators.check_credentials(timezone.localdate() + datetime.timedelta(days=400))
    creator.creator_profile.refresh_from_db()
    assert creator.creator_profile.status == CreatorStatus.SUSPENDED
    state = article.current_workflow_task_state

    client.force_login(reviewers["final"])
    response = client.post(
        f"/admin/moderation/review/{state.pk}/", {"action": "approve"}, follow=True
    )

    page = response.content.decode()
    assert "不能通过" in page and "已暂停发布" in page
    article.refresh_from_db()
    assert not article.live and not article.compliance_number
    assert article.current_workflow_task.name == "终审"


def test_expired_credential_refuses_a_human_step_before_the_scheduler_runs(
    make_creator, reviewers
):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    expire(creator)
    assert creator.creator_profile.status == CreatorStatus.APPROVED

    with pytest.raises(PermissionDenied, match="资质证书已于"):
        act(article, reviewers["first"])
    assert article.current_workflow_task.name == "初审"


def test_wagtail_approve_screen_refuses_too(client, make_creator, reviewers):
    creator, article = in_review_until_final(make_creator, reviewers)
    expire(creator)
    state = article.current_workflow_task_state
    client.force_login(reviewers["final"])
    client.post(
        f"/admin/pages/workflow/action/{article.pk}/approve/{state.pk}/",
        {"comment": ""},
    )
    article.refresh_from_db()
    assert not article.live


def test_sign_off_itself_refuses_a_suspended_creator(make_creator, reviewers):
    """The finish action checks again, whoever calls it."""
    from moderation.workflow import finish_workflow

    creator, article = in_review_until_final(make_creator, reviewers)
    creators.suspend(creator.creator_profile, "资质证书已到期")
    with pytest.raises(PermissionDenied):
        finish_workflow(article.current_workflow_state, reviewers["final"])
    article.refresh_from_db()
    assert not article.live


def renewal_data(scan_file, valid_days=730):
    today = timezone.localdate()
    return {
        "credential_valid_from": today.isoformat(),
        "credential_valid_until": (
            today + datetime.timedelta(days=valid_days)
        ).isoformat(),
        "credential_scan": scan_file,
    }


def test_suspended_creator_renews_and_publishing_resumes(
    client, make_creator, reviewers, scan_file
):
    creator, article = in_review_until_final(make_creator, reviewers)
    profile = expire(creator, days_ago=2)
    profile.expiry_reminded_at = timezone.now() - datetime.timedelta(days=40)
    profile.save(update_fields=["expiry_reminded_at"])
    creators.check_credentials()
    profile.refresh_from_db()
    assert profile.status == CreatorStatus.SUSPENDED
    old_scan = profile.credential_scan

    client.force_login(creator)
    portal = client.get("/creators/").content.decode()
    assert "更新资质" in portal
    response = client.post("/creators/renew", renewal_data(scan_file))
    assert response.status_code == 302
    assert "正在审核" in client.get("/creators/").content.decode()
    profile.refresh_from_db()
    assert profile.status == CreatorStatus.SUSPENDED  # not before a reviewer agrees

    reviewer = reviewers["first"]
    client.force_login(reviewer)
    detail = client.get(f"/admin/moderation/creators/{profile.pk}/").content.decode()
    assert "资质更新（待审核）" in detail
    listing = client.get("/admin/moderation/creators/?status=renewal").content.decode()
    assert profile.real_name in listing
    renewal = profile.renewals.get()
    assert (
        client.get(f"/admin/moderation/renewals/{renewal.pk}/scan").status_code == 200
    )
    client.post(f"/admin/moderation/renewals/{renewal.pk}/", {"decision": "approve"})

    profile.refresh_from_db()
    assert profile.status == CreatorStatus.APPROVED
    assert profile.credential_valid_until == timezone.localdate() + datetime.timedelta(
        days=730
    )
    assert profile.expiry_reminded_at is None
    assert profile.credential_scan != old_scan
    assert storages["private"].exists(profile.credential_scan)
    assert creator.groups.filter(name="自媒体创作者").exists()

    act(article, reviewers["final"])
    article.refresh_from_db()
    assert article.live and article.compliance_number


def test_renewal_needs_a_valid_date_and_a_real_scan(client, make_creator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    creator = make_creator()
    client.force_login(creator)
    fake = SimpleUploadedFile("scan.pdf", b"MZ not a pdf", "application/pdf")
    response = client.post("/creators/renew", renewal_data(fake, valid_days=-3))
    page = response.content.decode()
    assert response.status_code == 400
    assert "文件内容与格式不符" in page and "已过期" in page
    assert not creator.creator_profile.renewals.exists()


def test_rejected_renewal_keeps_the_suspension_and_shows_the_reason(
    client, make_creator, reviewers, scan_file
):
    creator = make_creator()
    creators.suspend(expire(creator), "资质证书已到期")
    client.force_login(creator)
    client.post("/creators/renew", renewal_data(scan_file))
    renewal = creator.creator_profile.renewals.get()

    client.force_login(reviewers["second"])
    client.post(f"/admin/moderation/renewals/{renewal.pk}/", {"decision": "reject"})
    renewal.refresh_from_db()
    assert renewal.status == "pending"  # a reason is required
    client.post(
        f"/admin/moderation/renewals/{renewal.pk}/",
        {"decision": "reject", "reason": "扫描件与证书编号不符"},
    )

    client.force_login(creator)
    assert "扫描件与证书编号不符" in client.get("/creators/").content.decode()
    creator.creator_profile.refresh_from_db()
    assert creator.creator_profile.status == CreatorStatus.SUSPENDED


def test_creators_cannot_decide_renewals(client, make_creator, scan_file):
    creator = make_creator()
    client.force_login(creator)
    client.post("/creators/renew", renewal_data(scan_file))
    renewal = creator.creator_profile.renewals.get()
    response = client.post(
        f"/admin/moderation/renewals/{renewal.pk}/", {"decision": "approve"}
    )
    assert response.status_code in (302, 403)
    renewal.refresh_from_db()
    assert renewal.status == "pending"


@pytest.mark.parametrize("valid_days, urgent", [(365, False), (20, True), (-2, True)])
def test_the_renewal_form_opens_at_the_top_only_when_it_is_needed(
    client, make_creator, valid_days, urgent
):
    creator = make_creator()
    if valid_days < 0:
        creators.suspend(expire(creator, -valid_days), "资质证书已过期")
    else:
        profile = creator.creator_profile
        profile.credential_valid_until = timezone.localdate() + datetime.timedelta(
            days=valid_days
        )
        profile.save(update_fields=["credential_valid_until"])
    client.force_login(creator)

    html = client.get("/creators/").content.decode()

    renewal = html.index('data-testid="renewal"')
    writing = html.find("<h2>写稿</h2>")
    tag = html[html.rindex("<details", 0, renewal) : html.index(">", renewal)]
    assert (" open" in tag) is urgent
    if writing != -1:
        # Open above the writing tools when due, folded below everything else.
        assert (renewal < writing) is urgent
