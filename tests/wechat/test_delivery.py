"""Two-phase delivery of WeChat posts through the outbox, with the fake platform."""

import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from channels import outbox
from channels.models import Delivery, DeliveryEvent, DeliveryState
from channels.wechat import posts
from channels.wechat.formatter import html_problems
from channels.wechat.models import (
    PostState,
    WeChatCallbackEvent,
    WeChatPost,
)
from tests.subprocess_db import shared_database, subprocess_env

from .conftest import deliver_callbacks, fault, held_rows, inspect


@pytest.fixture
def publisher(make_user):
    return make_user(groups=["渠道发布"])


def compose_and_send(destination, publisher, rows=None):
    rows = rows if rows is not None else held_rows(destination)
    post = posts.compose_post(destination, rows, user=publisher)
    outbox.run_once()
    post.refresh_from_db()
    return post, [Delivery.objects.get(pk=row.pk) for row in rows]


def states(rows):
    return [Delivery.objects.get(pk=row.pk).state for row in rows]


def the_publish(fake):
    (job,) = inspect(fake)["publishes"].values()
    return job


def test_post_of_three_items_is_one_draft_then_delivered_by_callback(
    account, fake, inbox, client, make_wechat_article, publisher
):
    items = [
        make_wechat_article(title=f"第{n}篇 民法典与生活", images=n == 1)
        for n in (1, 2, 3)
    ]

    post, rows = compose_and_send(account, publisher)

    assert post.state == PostState.AWAITING_CONFIRMATION
    assert [r.state for r in rows] == [DeliveryState.AWAITING_CONFIRMATION] * 3
    assert [r.receipt["index"] for r in rows] == [1, 2, 3]
    assert all(r.receipt["draft_media_id"] == post.draft_media_id for r in rows)
    state = inspect(fake)
    assert [c["api"] for c in state["calls"]].count("draft/add") == 1
    assert [c["api"] for c in state["calls"]].count("freepublish/submit") == 1
    job = the_publish(fake)
    assert [a["title"] for a in job["articles"]] == [i.title for i in items]
    assert all(a["dropped"] == [] for a in job["articles"])
    assert len(state["images"]) == 1 and len(state["materials"]) == 2
    assert all(html_problems(a["content"]) == [] for a in job["articles"])

    answers = deliver_callbacks(client, inbox.take(1))

    assert [a.content for a in answers] == [b"success"]
    rows = [Delivery.objects.get(pk=r.pk) for r in rows]
    assert [r.state for r in rows] == [DeliveryState.DELIVERED] * 3
    urls = [r.receipt["article_url"] for r in rows]
    assert [u.rsplit("_", 1)[1] for u in urls] == ["1", "2", "3"]
    assert "居住权人有权" in __import__("requests").get(urls[0], timeout=5).text


def test_token_expiring_in_the_middle_of_a_delivery(
    account, fake, inbox, client, make_wechat_article, publisher
):
    make_wechat_article()
    fault(fake, kind="expire_token_after", api="draft/add")

    post, rows = compose_and_send(account, publisher)

    assert rows[0].state == DeliveryState.AWAITING_CONFIRMATION
    submits = [
        c["errcode"] for c in inspect(fake)["calls"] if c["api"] == "freepublish/submit"
    ]
    assert submits == [42001, 0]
    assert inspect(fake)["stable_token_calls"] == {"normal": 2, "force": 0}
    deliver_callbacks(client, inbox.take(1))
    assert states(rows) == [DeliveryState.DELIVERED]


def test_quota_exhaustion_pauses_the_account_and_keeps_the_draft(
    account, fake, make_wechat_article, publisher
):
    make_wechat_article()
    fault(fake, kind="quota", api="freepublish/submit", limit=0)

    post, rows = compose_and_send(account, publisher)

    account.refresh_from_db()
    assert rows[0].state == DeliveryState.PENDING
    assert "暂停至明日零点" in rows[0].last_error
    assert rows[0].next_attempt_at >= account.paused_until > timezone.now()
    assert post.draft_media_id and not post.publish_id
    assert inspect(fake)["publishes"] == {}
    # The outbox leaves a paused account alone.
    assert outbox.run_once() == 0


def test_platform_rejection_marks_every_article_rejected_with_the_reason(
    account, fake, inbox, client, make_wechat_article, publisher
):
    make_wechat_article(title="第一篇")
    make_wechat_article(title="第二篇")
    fault(fake, kind="publish_outcome", status=4, fail_idx=[2])

    post, rows = compose_and_send(account, publisher)
    deliver_callbacks(client, inbox.take(1))

    rows = [Delivery.objects.get(pk=r.pk) for r in rows]
    assert [r.state for r in rows] == [DeliveryState.REJECTED] * 2
    assert "平台审核未通过" in rows[0].events.last().message
    assert "第 2 篇" in rows[0].events.last().message


def test_revoked_after_success(
    account, fake, inbox, client, make_wechat_article, publisher
):
    make_wechat_article()
    post, rows = compose_and_send(account, publisher)
    deliver_callbacks(client, inbox.take(1))
    assert states(rows) == [DeliveryState.DELIVERED]

    fault(fake, kind="after_success", publish_id=post.publish_id, status=6)
    deliver_callbacks(client, inbox.take(1))

    post.refresh_from_db()
    assert states(rows) == [DeliveryState.REVOKED]
    assert post.state == PostState.REVOKED
    assert "被系统封禁" in Delivery.objects.get(pk=rows[0].pk).events.last().message


def test_duplicate_callbacks_under_both_event_names_change_state_once(
    account, fake, inbox, client, make_wechat_article, publisher
):
    make_wechat_article()
    fault(fake, kind="callback", mode="both_names")

    post, rows = compose_and_send(account, publisher)
    received = inbox.take(2)
    answers = deliver_callbacks(client, received + received)

    assert [a.content for a in answers] == [b"success"] * 4
    assert "PUBLISHJOBFINISH" in received[0]["body"].decode()
    assert "FREEPUBLISHJOBFINISH" in received[1]["body"].decode()
    assert states(rows) == [DeliveryState.DELIVERED]
    delivered_events = DeliveryEvent.objects.filter(
        delivery_id=rows[0].pk, to_state=DeliveryState.DELIVERED
    )
    assert delivered_events.count() == 1
    assert WeChatCallbackEvent.objects.get(publish_id=post.publish_id).repeats == 3


def test_out_of_order_callbacks_never_undo_a_later_state(
    account, fake, inbox, client, make_wechat_article, publisher
):
    make_wechat_article()
    post, rows = compose_and_send(account, publisher)
    success = inbox.take(1)
    fault(fake, kind="after_success", publish_id=post.publish_id, status=5)
    deleted = inbox.take(1)

    deliver_callbacks(client, deleted + success)

    post.refresh_from_db()
    assert post.state == PostState.REVOKED
    assert post.article_id
    assert states(rows) == [DeliveryState.REVOKED]


# Far longer than it takes to see the worker inside the hanging call and kill
# it. The fake serves each request in a daemon thread that its teardown does
# not wait for, so the dead worker's call, still hanging, costs no time.
HANG_SECONDS = 20


def start_delivery_worker(database_url, log_path):
    """Start ``pufa_deliver --once`` in a process of its own, on the test's data."""
    env = subprocess_env(
        database_url,
        PUFA_DELIVERY_LEASE_SECONDS=str(django_settings.PUFA_DELIVERY_LEASE_SECONDS),
    )
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "manage.py", "pufa_deliver", "--once"],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_until_hanging(fake, worker, timeout=90):
    """Return True once the worker's call has taken the fake's ``hang`` fault."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.poll() is None:
        if not any(f["kind"] == "hang" for f in inspect(fake)["faults"]):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    "hanging_api, drafts_made, post_state_left",
    [
        ("draft/add", 0, PostState.DRAFTING),
        ("freepublish/submit", 1, PostState.SUBMITTING),
    ],
)
def test_worker_killed_inside_a_call_publishes_once_after_the_reaper(
    hanging_api,
    drafts_made,
    post_state_left,
    account,
    fake,
    inbox,
    client,
    make_wechat_article,
    publisher,
    tmp_path,
):
    """A worker killed inside draft/add or submit costs a retry, never a duplicate.

    The dead worker's delivery keeps its lease until the reaper returns it to
    the queue; the next attempt reuses the draft the dead worker recorded (or
    makes the one it never got), and the post is published once.
    """
    make_wechat_article()
    rows = held_rows(account)
    post = posts.compose_post(account, rows, user=publisher)
    fault(fake, kind="hang", api=hanging_api, seconds=HANG_SECONDS)
    log_path = tmp_path / "worker.log"

    with shared_database(tmp_path) as database_url:
        worker = start_delivery_worker(database_url, log_path)
        try:
            hanging = wait_until_hanging(fake, worker)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        assert hanging, log_path.read_text()
        assert worker.returncode == -signal.SIGKILL

    calls = [c["api"] for c in inspect(fake)["calls"]]
    assert calls.count("draft/add") == drafts_made
    assert "freepublish/submit" not in calls
    post.refresh_from_db()
    left_draft = post.draft_media_id
    assert post.state == post_state_left and not post.publish_id
    assert bool(left_draft) == bool(drafts_made)
    row = Delivery.objects.get(pk=rows[0].pk)
    assert row.state == DeliveryState.SENDING
    assert f":{worker.pid}:" in row.lease_owner
    assert outbox.reap_expired_leases() == 0  # the dead worker's lease still holds

    later = timezone.now() + timedelta(
        seconds=django_settings.PUFA_DELIVERY_LEASE_SECONDS + 1
    )
    assert outbox.reap_expired_leases(now=later) == 1
    assert states(rows) == [DeliveryState.PENDING]
    # Due from the reaper's "now", which this test set in the future.
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox.run_once() == 1

    state = inspect(fake)
    draft_adds = [c for c in state["calls"] if c["api"] == "draft/add"]
    assert draft_adds == [{"api": "draft/add", "errcode": 0}]
    assert state["drafts"] == {}  # no unpublished draft left in the draft box
    post.refresh_from_db()
    assert the_publish(fake)["draft_media_id"] == post.draft_media_id
    if left_draft:
        assert post.draft_media_id == left_draft
    deliver_callbacks(client, inbox.take(1))
    assert states(rows) == [DeliveryState.DELIVERED]
    assert Delivery.objects.get(pk=row.pk).attempts == 2


def test_lost_submit_answer_is_resubmitted_once_and_never_duplicated(
    account, fake, make_wechat_article, publisher
):
    make_wechat_article()
    fault(fake, kind="hang", api="freepublish/submit", seconds=0.1)

    post, rows = compose_and_send(account, publisher)

    assert rows[0].state == DeliveryState.PENDING
    Delivery.objects.filter(pk=rows[0].pk).update(next_attempt_at=None)
    outbox.run_once()
    assert states(rows) == [DeliveryState.AWAITING_CONFIRMATION]
    assert len(inspect(fake)["publishes"]) == 1


def test_polling_confirms_when_no_callback_comes_and_spares_the_quota(
    account, fake, make_wechat_article, publisher, settings
):
    settings.PUFA_WECHAT_POLL_SECONDS = 3600
    make_wechat_article()
    fault(fake, kind="callback", mode="drop")
    post, rows = compose_and_send(account, publisher)
    import time

    deadline = time.monotonic() + 5
    while the_publish(fake)["status"] == 1 and time.monotonic() < deadline:
        time.sleep(0.02)

    outbox.check_confirmations()
    outbox.check_confirmations()

    assert states(rows) == [DeliveryState.DELIVERED]
    gets = [c for c in inspect(fake)["calls"] if c["api"] == "freepublish/get"]
    assert len(gets) == 1


def test_retracting_one_article_deletes_only_its_index(
    account, fake, inbox, client, make_wechat_article, publisher, make_user
):
    from channels.services import retract_item

    items = [make_wechat_article(title=f"第{n}篇") for n in (1, 2, 3)]
    post, rows = compose_and_send(account, publisher)
    deliver_callbacks(client, inbox.take(1))

    retract_item(items[1], user=make_user(), reason="事实有误")
    outbox.run_once()

    job = the_publish(fake)
    assert job["deleted_idx"] == [2]
    assert job["status"] == 0
    assert states(rows) == [
        DeliveryState.DELIVERED,
        DeliveryState.REVOKED,
        DeliveryState.DELIVERED,
    ]
    retraction = Delivery.objects.get(action="retract", object_id=str(items[1].pk))
    assert retraction.state == DeliveryState.DELIVERED
    assert retraction.receipt["deleted_index"] == 2


@pytest.mark.parametrize("mode", ["republish", "notice"])
def test_correction_follows_the_destination_correction_mode(
    make_account, fake, inbox, client, make_wechat_article, publisher, mode
):
    destination = make_account(config={"correction_mode": mode})
    item = make_wechat_article(title="居住权怎么登记")
    first_post, _ = compose_and_send(destination, publisher)
    deliver_callbacks(client, inbox.take(1))

    item.correction_note = "第二段的登记机关表述有误，已更正。"
    item.save_revision().publish()
    update_rows = held_rows(destination)
    second_post, rows = compose_and_send(destination, publisher, update_rows)
    deliver_callbacks(client, inbox.take(1))

    assert [r.action for r in rows] == ["update"]
    assert states(rows) == [DeliveryState.DELIVERED]
    jobs = inspect(fake)["publishes"]
    first, second = (jobs[first_post.publish_id], jobs[second_post.publish_id])
    assert "更正说明：第二段的登记机关表述有误" in second["articles"][0]["content"]
    if mode == "republish":
        assert first["status"] == 5
        assert second["articles"][0]["title"] == "居住权怎么登记"
    else:
        assert first["status"] == 0
        assert second["articles"][0]["title"] == "更正：居住权怎么登记"


def test_more_than_eight_items_cannot_be_one_post(
    account, make_wechat_article, publisher
):
    from django.core.exceptions import ValidationError

    make_wechat_article(title="第一篇", body=[])
    rows = held_rows(account) * 9

    with pytest.raises(ValidationError) as caught:
        posts.compose_post(account, rows, user=publisher)

    assert "最多 8 篇" in caught.value.messages[0]
    assert WeChatPost.objects.count() == 0


def test_batch_scheduled_on_the_channel_desk_becomes_one_post(
    account, fake, inbox, client, make_wechat_article, publisher
):
    from channels.services import schedule_curated

    for n in (1, 2):
        make_wechat_article(title=f"编排台第{n}篇")
    rows = held_rows(account)
    schedule_curated(account, list(reversed(rows)), user=publisher)

    outbox.run_once()
    deliver_callbacks(client, inbox.take(1))

    job = the_publish(fake)
    assert [a["title"] for a in job["articles"]] == ["编排台第2篇", "编排台第1篇"]
    assert states(rows) == [DeliveryState.DELIVERED] * 2
    assert [Delivery.objects.get(pk=r.pk).receipt["index"] for r in rows] == [2, 1]


def test_item_retracted_before_its_post_is_sent_is_left_out(
    account, fake, inbox, client, make_wechat_article, publisher, make_user
):
    from channels.services import retract_item

    items = [make_wechat_article(title=f"第{n}篇") for n in (1, 2, 3)]
    rows = held_rows(account)
    posts.compose_post(account, rows, user=publisher)

    retract_item(items[0], user=make_user(), reason="来源存疑")
    outbox.run_once()
    deliver_callbacks(client, inbox.take(1))

    job = the_publish(fake)
    assert [a["title"] for a in job["articles"]] == ["第2篇", "第3篇"]
    assert states(rows) == [
        DeliveryState.CANCELLED,
        DeliveryState.DELIVERED,
        DeliveryState.DELIVERED,
    ]
    assert [Delivery.objects.get(pk=r.pk).receipt["index"] for r in rows[1:]] == [1, 2]


def test_waiting_articles_fail_when_their_post_can_no_longer_be_submitted(
    account, fake, make_wechat_article, publisher
):
    for n in (1, 2):
        make_wechat_article(title=f"第{n}篇")
    rows = held_rows(account)
    posts.compose_post(account, rows, user=publisher)
    # The second row went to wait while the first was sending the post; then
    # the first failed for good.
    outbox.transition(rows[1], DeliveryState.AWAITING_CONFIRMATION, "test")
    outbox.transition(rows[0], DeliveryState.FAILED, "重试 8 次后仍失败")

    outbox.check_confirmations()

    assert states(rows) == [DeliveryState.FAILED, DeliveryState.FAILED]
    assert "推送未能提交" in Delivery.objects.get(pk=rows[1].pk).events.last().message
    assert inspect(fake)["calls"] == []
