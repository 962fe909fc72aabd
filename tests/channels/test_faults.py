"""Faults: a killed worker, a receiver that is down, a racing retraction, the breaker.

A loopback receiver applies each webhook ``webhook-id`` (the delivery's
idempotency key) once and counts every request, so "exactly once" is what the
receiver saw, not what the database claims.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from channels import outbox
from channels.adapters.app import new_webhook_secret
from channels.models import AppDocument, Delivery, Destination, FeedEntry
from channels.services import retract_item

MANAGE = Path(django_settings.BASE_DIR) / "manage.py"
FAST = {
    "PUFA_DELIVERY_LEASE_SECONDS": 1,
    "PUFA_DELIVERY_BACKOFF_BASE": 0.05,
    "PUFA_DELIVERY_BACKOFF_MAX": 0.2,
}


def database_url():
    info = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{info['NAME']}"
    user = info.get("USER") or "postgres"
    password = f":{info['PASSWORD']}" if info.get("PASSWORD") else ""
    host = info.get("HOST") or "127.0.0.1"
    port = info.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{info['NAME']}"


def start_worker(lease=1):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PUFA_DELIVERY_LEASE_SECONDS": str(lease),
        "PUFA_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, str(MANAGE), "pufa_deliver", "--interval", "0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop_worker(worker):
    worker.terminate()
    try:
        worker.wait(60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(10)


def wait_for(predicate, timeout=120, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


def app_destination(make_destination, url):
    return make_destination(
        "app",
        config={"webhook_url": url},
        credentials={"webhook_secret": new_webhook_secret()},
    )


@pytest.fixture
def fast(settings):
    for name, value in FAST.items():
        setattr(settings, name, value)
    return settings


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_delivery_delivers_exactly_once_after_the_reaper(
    fast, make_destination, make_article, receiver
):
    app_destination(make_destination, receiver.url)
    article = make_article()
    row = Delivery.objects.for_item(article).get()
    receiver.hold.clear()

    worker = start_worker(lease=1)
    try:
        assert receiver.arrived.wait(180), "the worker never called the receiver"
        row.refresh_from_db()
        assert row.state == "sending"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    receiver.hold.set()  # the request the dead worker sent now completes
    wait_for(lambda: len(receiver.applied) == 1, message="receiver applied")

    time.sleep(1.2)  # let the lease expire without a heartbeat
    assert outbox.reap_expired_leases() == 1
    outbox.run_once()

    row.refresh_from_db()
    assert row.state == "delivered"
    assert row.attempts == 2
    assert receiver.keys() == [row.idempotency_key, row.idempotency_key]
    assert list(receiver.applied) == [row.idempotency_key]
    states = list(row.events.values_list("to_state", flat=True))
    assert states == ["pending", "sending", "pending", "sending", "delivered"]


@pytest.mark.django_db
def test_receiver_down_is_retried_with_backoff_then_delivered(
    fast, make_destination, make_article, receiver
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    destination = app_destination(
        make_destination, f"http://127.0.0.1:{dead_port}/hook"
    )
    article = make_article()
    row = Delivery.objects.for_item(article).get()

    outbox.run_once()
    row.refresh_from_db()
    assert row.state == "pending"
    failed_attempts = row.attempts
    assert "推送到客户端后端失败" in row.last_error
    assert row.next_attempt_at is not None

    destination.config = {"webhook_url": receiver.url}
    destination.save()
    receiver.fail_next = 2
    wait_for(
        lambda: (
            outbox.run_once() >= 0
            and Delivery.objects.get(pk=row.pk).state == "delivered"
        ),
        timeout=30,
        message="delivery after retries",
    )

    row.refresh_from_db()
    assert row.attempts == failed_attempts + 3
    assert receiver.keys() == [row.idempotency_key] * 3
    assert len(receiver.applied) == 1


@pytest.mark.django_db
def test_permanent_error_fails_at_once(make_destination, make_article, receiver):
    receiver.status = 422
    app_destination(make_destination, receiver.url)
    article = make_article()
    outbox.run_once()
    row = Delivery.objects.for_item(article).get()
    assert (row.state, row.attempts) == ("failed", 1)
    assert "HTTP 422" in row.last_error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_retraction_racing_a_publish_ends_retracted_everywhere(
    fast, client, make_destination, make_article, receiver
):
    app_destination(make_destination, receiver.url)
    make_destination("feeds")
    make_destination("web")
    article = make_article()
    url = article.url
    receiver.hold.clear()

    worker = start_worker(lease=5)
    try:
        assert receiver.arrived.wait(180)
        retract_item(article, user=None, reason="与事实不符")
        receiver.hold.set()
        wait_for(
            lambda: not Delivery.objects.for_item(article).open().exists(),
            message="all rows final",
        )
    finally:
        stop_worker(worker)

    rows = Delivery.objects.for_item(article)
    assert set(rows.filter(action="retract").values_list("state", flat=True)) == {
        "delivered"
    }
    assert set(rows.filter(action="publish").values_list("state", flat=True)) <= {
        "revoked",
        "cancelled",
    }
    events = [r["body"] for r in receiver.requests]
    assert b"item.published" in events[0] and b"item.canceled" in events[-1]
    assert AppDocument.objects.get().pub_status == "canceled"
    assert not FeedEntry.objects.filter(removed=False).exists()
    assert client.get(url).status_code == 410


@pytest.mark.django_db
def test_breaker_opens_on_repeated_failures_and_recovers_by_itself(
    fast, settings, make_destination, make_article, receiver
):
    settings.PUFA_BREAKER_THRESHOLD = 2
    settings.PUFA_BREAKER_COOLDOWN_SECONDS = 300
    destination = app_destination(make_destination, receiver.url)
    receiver.fail_next = 100
    articles = [make_article(title=f"稿件{n}") for n in range(3)]

    for _ in range(2):
        outbox.run_once()
        Delivery.objects.update(next_attempt_at=None)
    destination.refresh_from_db()
    assert destination.breaker_state == "open"
    seen = len(receiver.requests)
    assert outbox.run_once() == 0  # nothing goes to an open breaker
    assert len(receiver.requests) == seen

    receiver.fail_next = 0
    # The cool-down passes (moved back rather than waited for).
    Destination.objects.filter(pk=destination.pk).update(
        breaker_retry_at=timezone.now() - timedelta(seconds=1)
    )
    probe = outbox.claim("probe")
    assert len(probe) == 1  # half-open: one probe only
    assert Destination.objects.get(pk=destination.pk).breaker_state == "half_open"
    outbox.process(probe[0], "probe")
    assert Destination.objects.get(pk=destination.pk).breaker_state == "closed"
    outbox.run_once()
    for article in articles:
        assert Delivery.objects.for_item(article).get().state == "delivered"


# A half-open breaker lets one probe through; every way the probe ends must
# settle the breaker, or the destination would wait for ever.


def open_breaker(destination, retry_in=-1):
    Destination.objects.filter(pk=destination.pk).update(
        breaker_state="open",
        breaker_failures=5,
        breaker_opened_at=timezone.now() - timedelta(minutes=5),
        breaker_retry_at=timezone.now() + timedelta(seconds=retry_in),
    )


def breaker(destination):
    return Destination.objects.get(pk=destination.pk)


@pytest.fixture
def breaker_settings(settings):
    settings.PUFA_BREAKER_THRESHOLD = 2
    settings.PUFA_BREAKER_COOLDOWN_SECONDS = 300
    return settings


def probe_for(destination, owner="probe"):
    rows = outbox.claim(owner, limit=1)
    assert len(rows) == 1
    assert breaker(destination).breaker_state == "half_open"
    return rows[0]


@pytest.mark.django_db
def test_a_probe_the_channel_refuses_closes_the_breaker(
    breaker_settings, make_destination, make_article, receiver
):
    receiver.status = 422
    destination = app_destination(make_destination, receiver.url)
    make_article(title="甲")
    make_article(title="乙")
    open_breaker(destination)

    probe = probe_for(destination)
    assert outbox.process(probe, "probe") == "failed"

    assert breaker(destination).breaker_state == "closed"
    assert len(outbox.claim("next")) == 1


@pytest.mark.django_db
def test_a_probe_ending_uncertain_closes_the_breaker(
    breaker_settings, monkeypatch, make_destination, make_article, receiver
):
    from channels.adapters import get_adapter_class
    from channels.adapters.base import UncertainError

    def unknown_outcome(adapter, delivery):
        raise UncertainError("渠道没有答复是否已发布。")

    monkeypatch.setattr(get_adapter_class("app"), "publish", unknown_outcome)
    destination = app_destination(make_destination, receiver.url)
    make_article(title="甲")
    make_article(title="乙")
    open_breaker(destination)

    probe = probe_for(destination)
    assert outbox.process(probe, "probe") == "uncertain"

    assert breaker(destination).breaker_state == "closed"
    assert len(outbox.claim("next")) == 1


@pytest.mark.django_db
def test_a_probe_failing_again_reopens_the_breaker_for_a_new_cooldown(
    breaker_settings, make_destination, make_article, receiver
):
    receiver.fail_next = 1
    destination = app_destination(make_destination, receiver.url)
    make_article(title="甲")
    make_article(title="乙")
    open_breaker(destination)

    probe = probe_for(destination)
    assert outbox.process(probe, "probe") == "pending"

    reopened = breaker(destination)
    assert reopened.breaker_state == "open"
    assert reopened.breaker_retry_at > timezone.now() + timedelta(seconds=290)
    Delivery.objects.update(next_attempt_at=None)
    assert outbox.claim("next") == []


@pytest.mark.django_db
def test_a_probe_cancelled_by_a_retraction_hands_the_turn_to_the_next_row(
    breaker_settings, make_destination, make_article, receiver
):
    destination = app_destination(make_destination, receiver.url)
    first = make_article(title="甲")
    make_article(title="乙")
    open_breaker(destination)
    probe = probe_for(destination)
    assert probe.object_id == str(first.pk)

    retract_item(first, user=None, reason="与事实不符")
    assert outbox.process(probe, "probe") == "cancelled"

    assert breaker(destination).breaker_state == "open"
    following = probe_for(destination, owner="next")
    assert following.action == "retract"
    outbox.process(following, "next")
    assert breaker(destination).breaker_state == "closed"
    outbox.run_once()
    assert not Delivery.objects.filter(state__in=["pending", "sending"]).exists()


@pytest.mark.django_db
def test_a_probe_that_loses_its_claim_leaves_the_breaker_open_for_the_next(
    breaker_settings, monkeypatch, make_destination, make_article, receiver
):
    destination = app_destination(make_destination, receiver.url)
    first = make_article(title="甲")
    second = make_article(title="乙")
    open_breaker(destination)
    real_half_open = outbox._half_open

    def cancelled_meanwhile(destination_id, now):
        # A publisher cancels the candidate between its selection and its claim.
        opened = real_half_open(destination_id, now)
        Delivery.objects.for_item(first).update(state="cancelled")
        return opened

    monkeypatch.setattr(outbox, "_half_open", cancelled_meanwhile)
    assert outbox.claim("probe", limit=1) == []
    monkeypatch.undo()

    assert breaker(destination).breaker_state == "open"
    probe = probe_for(destination)
    assert probe.object_id == str(second.pk)


@pytest.mark.django_db
def test_a_reaped_probe_hands_the_turn_to_the_next_row(
    breaker_settings, make_destination, make_article, receiver
):
    destination = app_destination(make_destination, receiver.url)
    make_article(title="甲")
    second = make_article(title="乙")
    open_breaker(destination)
    probe_for(destination, owner="dead-worker")

    later = timezone.now() + timedelta(minutes=2)
    assert outbox.reap_expired_leases(now=later) == 1

    assert breaker(destination).breaker_state == "open"
    rows = outbox.claim("next", limit=1)
    assert [r.object_id for r in rows] == [str(second.pk)]


@pytest.mark.django_db
def test_a_half_open_breaker_without_a_probe_in_flight_recovers_after_the_cooldown(
    breaker_settings, make_destination, make_article, receiver
):
    destination = app_destination(make_destination, receiver.url)
    make_article(title="甲")
    make_article(title="乙")
    in_flight = outbox.claim("slow-worker", limit=1)[0]
    # Half-open from an ending that did not settle it, cool-down not yet over.
    Destination.objects.filter(pk=destination.pk).update(
        breaker_state="half_open",
        breaker_retry_at=timezone.now() + timedelta(seconds=60),
    )
    assert outbox.claim("next") == []

    Destination.objects.filter(pk=destination.pk).update(
        breaker_retry_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.claim("next") == []  # a row still in flight is the probe
    Delivery.objects.filter(pk=in_flight.pk).update(state="failed")

    probe = probe_for(destination, owner="next")
    outbox.process(probe, "next")
    assert breaker(destination).breaker_state == "closed"


# The scheduler runs the reaper and the dispatch job; two leaders would run
# them twice. Leadership is an advisory lock of a PostgreSQL session, tested
# on the server every setup has (also under a SQLite run of the suite).
SCHEDULER_TEST_LOCK = 0x50554654  # apart from the real scheduler's lock


def scheduler_database():
    from django.db.utils import ConnectionHandler

    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "test",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": "5432",
            }
        }
    )
    return handler.create_connection("default")


def backend_pid(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_scheduler_that_lost_its_connection_steps_down_for_the_other(
    django_db_blocker,
):
    from django.db import close_old_connections

    from cms.scheduler import Leadership

    with django_db_blocker.unblock():
        first = Leadership(scheduler_database, lock_id=SCHEDULER_TEST_LOCK)
        second = Leadership(scheduler_database, lock_id=SCHEDULER_TEST_LOCK)
        admin = scheduler_database()
        try:
            assert first.check() is True
            assert second.check() is False
            close_old_connections()  # what every job round does
            assert (first.check(), second.check()) == (True, False)

            # The first's session is cut (a restart, a network cut, a timeout).
            cut = backend_pid(first.connection)
            with admin.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [cut])
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [cut]
                    )
                    if not cursor.fetchone()[0]:
                        break
                    time.sleep(0.05)

            assert second.check() is True
            assert first.check() is False  # it stepped down instead of running on
            assert first.check() is False  # and waits while the second leads
            second.close()  # the server ends the session, and the lock, shortly after
            wait_for(first.check, timeout=10, message="the first to lead again")
            assert second.check() is False
        finally:
            first.close()
            second.close()
            admin.close()
