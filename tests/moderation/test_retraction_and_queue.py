"""Retraction approval and execution; the reviewers' queue."""

import pytest

from moderation.models import AuditEntry, RetractionRequest

from .conftest import act, approve_all, creator_article, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_article(make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    approve_all(article, reviewers)
    article.refresh_from_db()
    return creator, article


def request_url(article):
    return f"/admin/moderation/retract/wagtailcore/page/{article.pk}/"


def test_retraction_needs_a_final_reviewer_then_unpublishes(
    client, live_article, reviewers
):
    creator, article = live_article
    client.force_login(creator)
    page = client.post(request_url(article), {"reason": ""}).content.decode()
    assert "请填写撤稿原因" in page
    client.post(request_url(article), {"reason": "案例当事人信息未脱敏"})
    retraction = RetractionRequest.objects.get()
    article.refresh_from_db()
    assert article.live

    for user in (creator, reviewers["first"]):
        client.force_login(user)
        client.post(
            "/admin/moderation/retractions/",
            {"request": retraction.pk, "decision": "approve"},
        )
        article.refresh_from_db()
        assert article.live

    client.force_login(reviewers["final"])
    client.post(
        "/admin/moderation/retractions/",
        {"request": retraction.pk, "decision": "approve", "note": "同意"},
    )
    article.refresh_from_db()
    retraction.refresh_from_db()
    assert not article.live
    assert retraction.status == "approved"
    assert retraction.decided_by == reviewers["final"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"retraction.request", "retraction.approve", "wagtail.unpublish"} <= actions
    assert "item.retracted" in actions  # recorded for the channel engine


def test_requester_cannot_approve_own_retraction(client, live_article, reviewers):
    _, article = live_article
    final = reviewers["final"]
    client.force_login(final)
    client.post(request_url(article), {"reason": "信息有误"})
    retraction = RetractionRequest.objects.get()
    client.post(
        "/admin/moderation/retractions/",
        {"request": retraction.pk, "decision": "approve"},
    )
    article.refresh_from_db()
    assert article.live
    assert "不能批准自己的申请" in " ".join(
        str(m) for m in client.get("/admin/moderation/retractions/").context["messages"]
    )


def test_retraction_reject_needs_note(client, live_article, reviewers):
    creator, article = live_article
    client.force_login(creator)
    client.post(request_url(article), {"reason": "想下线"})
    retraction = RetractionRequest.objects.get()
    client.force_login(reviewers["final"])
    client.post(
        "/admin/moderation/retractions/",
        {"request": retraction.pk, "decision": "reject"},
    )
    retraction.refresh_from_db()
    assert retraction.status == "pending"
    client.post(
        "/admin/moderation/retractions/",
        {"request": retraction.pk, "decision": "reject", "note": "理由不充分"},
    )
    retraction.refresh_from_db()
    assert retraction.status == "rejected"
    article.refresh_from_db()
    assert article.live


def test_queue_lists_waiting_items_with_filters(client, make_creator, reviewers):
    alice, bob = make_creator("甲律师"), make_creator("乙律师")
    a = creator_article(alice, title="甲的稿件", to_app=False)
    b = creator_article(bob, title="乙的稿件")
    submit(a, alice)
    submit(b, bob)
    act(b, reviewers["first"])

    client.force_login(reviewers["first"])
    page = client.get("/admin/moderation/queue/").content.decode()
    assert "甲的稿件" in page and "乙的稿件" in page
    page = client.get("/admin/moderation/queue/?step=first").content.decode()
    assert "甲的稿件" in page and "乙的稿件" not in page
    page = client.get("/admin/moderation/queue/?channel=app").content.decode()
    assert "乙的稿件" in page and "甲的稿件" not in page
    page = client.get(f"/admin/moderation/queue/?creator={alice.pk}").content.decode()
    assert "甲的稿件" in page and "乙的稿件" not in page
    assert "pf-age-fresh" in page


def test_review_page_shows_diff_against_the_live_revision(
    client, live_article, reviewers
):
    creator, article = live_article
    draft = article.get_latest_revision_as_object()
    draft.summary = "居住权是民法典新设的用益物权。"
    draft.correction_note = "补充说明来源。"
    draft.save_revision(user=creator)
    state = submit(article, creator)
    client.force_login(reviewers["first"])
    page = client.get(
        f"/admin/moderation/review/{state.current_task_state.pk}/"
    ).content.decode()
    assert "<ins>" in page and "民法典新设的" in page
    assert "补充说明来源。" in page


def test_creators_see_their_submissions_and_reasons(client, make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator, title="我的第一篇")
    submit(article, creator)
    act(article, reviewers["first"], "reject", comment="请补充法条出处")
    client.force_login(creator)
    page = client.get("/creators/").content.decode()
    assert "我的第一篇" in page and "请补充法条出处" in page and "已退回" in page


def test_portal_has_empty_states(client, make_creator):
    client.force_login(make_creator())
    page = client.get("/creators/").content.decode()
    assert "还没有稿件" in page


def test_demo_is_idempotent(make_article, make_user, admin_user):
    from io import StringIO

    from moderation.demo import load_demo
    from moderation.models import CreatorProfile, Term

    make_user("creator", groups=["自媒体创作者"])
    live = make_article()
    assert live.live and not live.compliance_number

    class Command:
        stdout = StringIO()

    load_demo(Command())
    load_demo(Command())
    live.refresh_from_db()
    assert live.compliance_number.startswith("PF-")
    assert live.live_revision.content["compliance_number"] == live.compliance_number
    assert Term.objects.filter(text="黑鸦帮").count() == 1
    profile = CreatorProfile.objects.get(user__username="creator")
    assert profile.status == "approved" and profile.column is not None


def test_wagtail_dashboard_lists_only_work_the_reviewer_may_do(
    client, make_creator, reviewers
):
    creator = make_creator()
    article = creator_article(creator, title="待初审的稿件")
    submit(article, creator)
    client.force_login(reviewers["first"])
    assert "待初审的稿件" in client.get("/admin/").content.decode()
    client.force_login(reviewers["second"])
    assert "待初审的稿件" not in client.get("/admin/").content.decode()
