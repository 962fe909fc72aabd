"""Creator onboarding: apply, verify, review, encryption at rest, expiry."""

import datetime
import re

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from moderation import creators
from moderation.models import CreatorProfile, CreatorStatus, InboxMessage

pytestmark = pytest.mark.django_db


def apply_data(scan_file, **changes):
    today = timezone.localdate()
    data = {
        "username": "lawyer_wang",
        "email": "wang@example.cn",
        "password": "Pufa-test-2026!x",
        "password_again": "Pufa-test-2026!x",
        "real_name": "王明",
        "creator_type": "individual",
        "id_number": "11010519900101123X",
        "credential_type": "lawyer",
        "credential_number": "11101202010123456",
        "credential_issuer": "某市司法行政机关",
        "credential_valid_from": (today - datetime.timedelta(days=500)).isoformat(),
        "credential_valid_until": (today + datetime.timedelta(days=700)).isoformat(),
        "credential_scan": scan_file,
        "domain_label": "劳动争议",
        "agree": "on",
    }
    data.update(changes)
    return data


def verification_link(mailoutbox):
    body = mailoutbox[-1].body
    return re.search(r"http://testserver(/creators/verify/\S+)", body).group(1)


def test_apply_verify_and_approve(client, scan_file, mailoutbox, make_user):
    response = client.post("/creators/apply", apply_data(scan_file))
    assert (
        response.status_code == 200 and "wang@example.cn" in response.content.decode()
    )
    profile = CreatorProfile.objects.get(user__username="lawyer_wang")
    assert profile.status == CreatorStatus.UNVERIFIED
    assert not profile.user.is_active
    assert storages["private"].exists(profile.credential_scan)

    client.get(verification_link(mailoutbox))
    profile.refresh_from_db()
    assert profile.status == CreatorStatus.PENDING and profile.user.is_active

    reviewer = make_user("shenhe", groups=["复审"])
    client.force_login(reviewer)
    response = client.post(
        f"/admin/moderation/creators/{profile.pk}/",
        {"decision": "approve", "reason": "资质核实无误"},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == CreatorStatus.APPROVED
    assert profile.user.groups.filter(name="自媒体创作者").exists()
    assert profile.column.get_parent().slug == "columns"
    assert profile.collection is not None

    client.force_login(profile.user)
    portal = client.get("/creators/").content.decode()
    assert "律师执业证（某市司法行政机关）" in portal
    assert "11101202010123456" not in portal and "123456" not in portal


def test_numbers_are_encrypted_at_rest(scan_file, client, mailoutbox):
    client.post("/creators/apply", apply_data(scan_file))
    profile = CreatorProfile.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id_number, credential_number FROM {CreatorProfile._meta.db_table}"
        )
        stored = cursor.fetchone()
    assert all(value.startswith("enc1:") for value in stored)
    assert "11010519900101123X" not in "".join(stored)
    assert profile.credential_number == "11101202010123456"
    assert profile.masked_credential_number.endswith("3456")


def test_bad_application_gets_chinese_errors_and_leaves_nothing(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        "/creators/apply",
        apply_data(fake, password_again="different", credential_valid_until=yesterday),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "两次输入的密码不一致" in page
    assert "文件内容与格式不符" in page
    assert "资质证书已过期" in page
    assert not CreatorProfile.objects.exists()
    assert not storages["private"].exists("credentials")


@pytest.mark.parametrize(
    "name,flagged",
    [
        ("某区人民法院普法工作室", True),
        ("晨报法律频道", True),
        ("城市电视台", True),
        ("江苏某律师事务所", True),
        ("长宁区普法协会", True),
        ("张三", False),
        ("明理律师事务所", False),
    ],
)
def test_sensitive_names_always_need_manual_review(name, flagged):
    assert bool(creators.manual_review_reasons(name)) is flagged


def test_flagged_application_needs_explicit_name_check(client, make_creator, make_user):
    user = make_creator("某市公安普法号", approve=False)
    profile = user.creator_profile
    reviewer = make_user("shenhe", groups=["终审"])
    client.force_login(reviewer)
    page = client.post(
        f"/admin/moderation/creators/{profile.pk}/", {"decision": "approve"}
    ).content.decode()
    assert "已人工核实名称" in page
    profile.refresh_from_db()
    assert profile.status == CreatorStatus.PENDING
    client.post(
        f"/admin/moderation/creators/{profile.pk}/",
        {"decision": "approve", "names_checked": "on"},
    )
    profile.refresh_from_db()
    assert profile.status == CreatorStatus.APPROVED


def test_rejection_needs_reason_and_shows_in_portal(client, make_creator, make_user):
    user = make_creator("李四", approve=False)
    profile = user.creator_profile
    client.force_login(make_user("shenhe", groups=["初审"]))
    client.post(f"/admin/moderation/creators/{profile.pk}/", {"decision": "reject"})
    profile.refresh_from_db()
    assert profile.status == CreatorStatus.PENDING
    client.post(
        f"/admin/moderation/creators/{profile.pk}/",
        {"decision": "reject", "reason": "扫描件模糊，无法核实"},
    )
    profile.refresh_from_db()
    assert profile.status == CreatorStatus.REJECTED
    client.force_login(user)
    assert "扫描件模糊，无法核实" in client.get("/creators/").content.decode()


def test_creators_cannot_vet_creators_or_see_scans(client, make_creator):
    pending = make_creator("王五", approve=False).creator_profile
    client.force_login(make_creator("赵六"))
    assert client.get("/admin/moderation/creators/").status_code in (302, 403)
    assert client.get(f"/admin/moderation/creators/{pending.pk}/scan").status_code in (
        302,
        403,
    )


def test_expiry_suspends_and_reminds(make_creator, reviewers, mailoutbox):

    soon = make_creator("快到期", valid_days=20)
    expired = make_creator("已到期", valid_days=3)
    today = timezone.localdate()

    creators.check_credentials(today)
    assert InboxMessage.objects.filter(user=soon, subject__contains="即将到期").exists()
    creators.check_credentials(today)
    assert (
        InboxMessage.objects.filter(user=soon, subject__contains="即将到期").count()
        == 1
    )

    creators.check_credentials(today + datetime.timedelta(days=5))
    expired.creator_profile.refresh_from_db()
    assert expired.creator_profile.status == CreatorStatus.SUSPENDED
    assert not expired.groups.filter(name="自媒体创作者").exists()
    soon.creator_profile.refresh_from_db()
    assert soon.creator_profile.status == CreatorStatus.APPROVED


def test_suspended_creator_cannot_get_items_through(make_creator):
    from .conftest import creator_article, submit

    user = make_creator()
    article = creator_article(user)
    creators.suspend(user.creator_profile, "资质证书已到期")
    state = submit(article, user)
    assert state.status == "needs_changes"
    report = state.current_task_state.check_report
    assert any(f["kind"] == "creator" for f in report.findings)


def test_scheduler_job_is_registered():
    from cms.scheduler import registered_jobs

    assert "moderation.credentials" in registered_jobs()
