"""The 三审三校 workflow: order, distinct reviewers, authors, restarts, sign-off."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from wagtail.models import TaskState

from .conftest import act, approve_all, creator_article, submit

pytestmark = pytest.mark.django_db


def step_name(item):
    item.refresh_from_db()
    task = item.current_workflow_task
    return task.name if task else None


def test_three_people_approve_in_order_and_sign_off_publishes_with_number(
    make_creator, reviewers, terms
):
    from moderation.models import ReviewSignature

    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    assert step_name(article) == "初审"

    act(article, reviewers["first"])
    assert step_name(article) == "复审"
    act(article, reviewers["second"])
    assert step_name(article) == "终审"
    assert not article.live
    act(article, reviewers["final"])

    article.refresh_from_db()
    assert article.live
    assert re.fullmatch(r"PF-\d{4}-\d{6}", article.compliance_number)
    # The number is part of the published revision's content itself.
    assert (
        article.live_revision.content["compliance_number"] == article.compliance_number
    )
    signatures = ReviewSignature.objects.filter(object_id=str(article.pk))
    assert [s.step for s in signatures] == ["first", "second", "final"]
    assert {s.user_id for s in signatures} == {
        r.pk for k, r in reviewers.items() if k != "second_b"
    }
    assert len({s.content_hash for s in signatures}) == 1
    assert all(s.revision_id_signed == article.live_revision_id for s in signatures)


def test_compliance_numbers_are_sequential_and_never_reused(make_creator, reviewers):
    creator = make_creator()
    numbers = []
    for title in ("第一篇", "第二篇"):
        article = creator_article(creator, title=title)
        submit(article, creator)
        approve_all(article, reviewers)
        article.refresh_from_db()
        numbers.append(int(article.compliance_number[-6:]))
    assert numbers[1] == numbers[0] + 1


def test_one_person_cannot_approve_two_steps_of_the_same_revision(
    make_creator, make_user
):
    creator = make_creator()
    both = make_user("both", groups=["初审", "复审"])
    article = creator_article(creator)
    submit(article, creator)
    act(article, both)
    assert step_name(article) == "复审"
    assert article.current_workflow_task.get_actions(article, both) == []
    with pytest.raises(PermissionDenied):
        act(article, both)
    assert step_name(article) == "复审"


def test_author_can_never_approve_even_as_group_member(make_creator, make_user):
    creator = make_creator()
    from django.contrib.auth.models import Group

    creator.groups.add(Group.objects.get(name="初审"))
    article = creator_article(creator)
    submit(article, creator)
    assert article.current_workflow_task.get_actions(article, creator) == []
    with pytest.raises(PermissionDenied):
        act(article, creator)
    assert step_name(article) == "初审"


def test_wrong_group_cannot_approve(make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    with pytest.raises(PermissionDenied):
        act(article, reviewers["final"])


def test_edit_after_approval_restarts_from_the_first_step(make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    act(article, reviewers["first"])
    act(article, reviewers["second"])
    assert step_name(article) == "终审"

    # A 终审 member edits the text during review: a new revision.
    editable = article.get_latest_revision_as_object()
    editable.summary = "居住权是民法典新设的用益物权。"
    editable.save_revision(user=reviewers["final"])

    assert step_name(article) == "初审"
    act(article, reviewers["first"])
    act(article, reviewers["second"])
    # The editor of this revision counts as an author and cannot sign it off.
    with pytest.raises(PermissionDenied):
        act(article, reviewers["final"])
    article.refresh_from_db()
    assert not article.live


def test_rejection_then_resubmission_passes_every_step_again(make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    act(article, reviewers["first"])
    act(article, reviewers["second"], "reject", comment="标题表述不准确")
    state = article.current_workflow_state
    assert state.status == "needs_changes"

    editable = article.get_latest_revision_as_object()
    editable.title = "居住权如何设立"
    editable.save_revision(user=creator)
    submit(article, creator)
    assert step_name(article) == "初审"
    assert (
        TaskState.objects.filter(workflow_state=state, status="rejected").get().comment
        == "标题表述不准确"
    )


def test_rejection_needs_a_reason(make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    with pytest.raises(PermissionDenied):
        act(article, reviewers["first"], "reject", comment="  ")
    assert step_name(article) == "初审"


def test_rejection_tells_the_author_in_inbox_and_by_email(
    make_creator, reviewers, mailoutbox
):
    from moderation.models import InboxMessage

    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    assert InboxMessage.objects.filter(user=reviewers["first"]).exists()
    assert not InboxMessage.objects.filter(user=reviewers["second"]).exists()
    mailoutbox.clear()
    act(article, reviewers["first"], "reject", comment="引用的法条已失效")
    message = InboxMessage.objects.filter(user=creator).first()
    assert "引用的法条已失效" in message.body
    assert any("引用的法条已失效" in mail.body for mail in mailoutbox)
    assert creator.email in {r for mail in mailoutbox for r in mail.to}


def test_correction_of_a_live_item_needs_a_new_correction_note(make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    approve_all(article, reviewers)
    first_number = article.compliance_number

    editable = article.get_latest_revision_as_object()
    editable.summary = "更正后的摘要"
    editable.save_revision(user=creator)
    submit(article, creator)
    state = article.current_workflow_state
    assert state.status == "needs_changes"
    report = TaskState.objects.filter(workflow_state=state).latest("pk").check_report
    assert any(f["kind"] == "correction" for f in report.findings)

    editable = article.get_latest_revision_as_object()
    editable.correction_note = "原摘要表述有误，已更正。"
    editable.save_revision(user=creator)
    submit(article, creator)
    approve_all(article, reviewers)
    article.refresh_from_db()
    assert article.summary == "更正后的摘要"
    assert article.correction_note == "原摘要表述有误，已更正。"
    assert article.compliance_number != first_number


def test_ads_go_through_the_same_workflow(make_user, reviewers):
    from cms.models import PublicServiceAd

    editor = make_user("ad-editor", groups=["编辑"])
    ad = PublicServiceAd(title="宪法宣传周", issuing_unit="某市普法办")
    ad.save()
    ad.save_revision(user=editor)
    submit(ad, editor)
    assert ad.current_workflow_task.name == "初审"
    approve_all(ad, reviewers)
    ad.refresh_from_db()
    assert ad.live
    assert ad.compliance_number.startswith("PF-")


def test_columns_are_reviewed_but_take_no_compliance_number(make_user, reviewers):
    from cms.models import ColumnIndexPage, ColumnPage
    from moderation.models import ComplianceCounter

    editor = make_user("column-editor", groups=["编辑"])
    column = ColumnPage(title="以案说法", slug="yianshuofa", live=False, owner=editor)
    ColumnIndexPage.objects.get().add_child(instance=column)
    column.save_revision(user=editor)
    submit(column, editor)
    approve_all(column, reviewers)
    column.refresh_from_db()
    assert column.live
    assert not ComplianceCounter.objects.filter(last__gt=0).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_compliance_numbers_stay_unique_under_concurrency():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    from moderation.workflow import next_compliance_number

    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need a server database")

    def take(_):
        try:
            return [next_compliance_number() for _ in range(10)]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = [n for batch in pool.map(take, range(4)) for n in batch]
    assert len(set(numbers)) == 40
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 41))
