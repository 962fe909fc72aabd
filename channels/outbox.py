"""The delivery outbox: rows written with the publish, claimed under a lease.

How a row moves:

- ``write_publish_rows`` / ``write_retract_rows`` run inside the transaction of
  a publish or unpublish (signal receivers) or a retraction (``services``), so
  a row exists exactly when the change it carries was committed. One row per
  (item, revision, destination, action); its ``idempotency_key`` travels with
  every outbound call, so a repeated attempt never duplicates at the peer.
- ``claim`` takes due rows (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL,
  an atomic conditional ``UPDATE`` everywhere) and marks them ``sending`` under
  a lease that a heartbeat extends while the adapter works.
- ``reap_expired_leases`` puts rows whose worker died back to ``pending``.
- An adapter's answer (or error) decides the next state: transient errors
  retry with exponential backoff and jitter, permanent ones fail at once, and
  repeated failures open the destination's circuit breaker, which half-opens
  by itself after a cool-down.
- A half-open destination lets one row through as a probe. Every way the
  probe ends settles the breaker: any answer from the channel closes it, a
  transient failure opens it for another cool-down, and a probe that never
  reached the channel (cancelled, lost its claim, reaped) hands the turn to
  the next row. A half-open destination with nothing in flight past its
  cool-down is probed again, so no ending leaves it half-open for good.
- Rows of one item to one destination run in ``sequence`` order, so a
  retraction never overtakes its own publish; retractions go first otherwise.
"""

import contextvars
import logging
import os
import random
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from cms.signals import audit_event

from .adapters import registered_channels
from .adapters.base import (
    DeliveryResult,
    PermanentError,
    RejectedError,
    TransientError,
    UncertainError,
)
from .models import (
    BLOCKING_STATES,
    Action,
    BreakerState,
    Delivery,
    DeliveryEvent,
    DeliveryState,
    Destination,
)

logger = logging.getLogger("pufa.channels.outbox")

RETRACT_PRIORITY = 100
_retracting = contextvars.ContextVar("pufa_retracting", default=False)


def setting(name, default):
    return getattr(settings, name, default)


def lease_seconds() -> float:
    return float(setting("PUFA_DELIVERY_LEASE_SECONDS", 30))


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


# ---------------------------------------------------------------- recording


def record_event(
    delivery, to_state, message="", *, from_state="", actor=None, data=None
):
    """Append a history event and tell the audit log."""
    DeliveryEvent.objects.create(
        delivery=delivery,
        from_state=from_state,
        to_state=to_state,
        message=message[:2000],
        actor=actor,
        data=data or {},
    )
    audit_event.send(
        sender=Delivery,
        action=f"delivery.{to_state}",
        actor=actor,
        obj=delivery,
        data={
            "destination": delivery.destination_id,
            "channel": delivery.destination.channel,
            "item": f"{delivery.content_type_id}:{delivery.object_id}",
            "revision": delivery.revision_id,
            "action": delivery.action,
            "attempts": delivery.attempts,
            "message": message[:500],
            **(data or {}),
        },
    )


def kick() -> None:
    """Ask a worker to look at the outbox after the current transaction."""
    transaction.on_commit(_enqueue_dispatch)


def _enqueue_dispatch():
    from .tasks import deliver_due

    try:
        deliver_due.enqueue()
    except Exception:
        # The scheduler's dispatch job picks the rows up within seconds.
        logger.exception("could not enqueue delivery task")


# ------------------------------------------------------------- row writing


def _item_key(item):
    return ContentType.objects.get_for_model(item.__class__), str(item.pk)


def _next_sequence(content_type, object_id, destination):
    current = Delivery.objects.filter(
        content_type=content_type, object_id=object_id, destination=destination
    ).aggregate(m=Max("sequence"))["m"]
    return (current or 0) + 1


def _idempotency_key(content_type, object_id, revision_id, destination, action):
    base = f"{content_type.pk}.{object_id}.{revision_id or 0}.{destination.pk}.{action}"
    taken = set(
        Delivery.objects.filter(
            Q(idempotency_key=base) | Q(idempotency_key__startswith=base + ".")
        ).values_list("idempotency_key", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}.{n}" in taken:
        n += 1
    return f"{base}.{n}"


def _last_rows(content_type, object_id, destination):
    return Delivery.objects.filter(
        content_type=content_type, object_id=object_id, destination=destination
    ).order_by("-sequence")


def _has_live_copy(content_type, object_id, destination):
    """Whether the destination has (or is about to have) the item."""
    for row in _last_rows(content_type, object_id, destination):
        if row.action == Action.RETRACT:
            return False
        if row.state not in (
            DeliveryState.CANCELLED,
            DeliveryState.FAILED,
            DeliveryState.REJECTED,
        ):
            return True
    return False


def destinations_for(item):
    channels = item.targeted_channels
    return list(Destination.objects.filter(active=True, channel__in=channels))


def write_publish_rows(item, revision, *, user=None, destinations=None):
    """Write publish (or update) rows of ``revision`` for every destination."""
    content_type, object_id = _item_key(item)
    rows = []
    for destination in destinations or destinations_for(item):
        existing = (
            Delivery.objects.filter(
                content_type=content_type,
                object_id=object_id,
                destination=destination,
                revision=revision,
                action__in=[Action.PUBLISH, Action.UPDATE],
            )
            .order_by("-sequence")
            .first()
        )
        if existing and _has_live_copy(content_type, object_id, destination):
            continue
        action = (
            Action.UPDATE
            if _has_live_copy(content_type, object_id, destination)
            else Action.PUBLISH
        )
        rows.append(
            _create_row(
                item,
                revision,
                destination,
                action,
                user=user,
                held=destination.is_curated,
            )
        )
    if rows:
        kick()
    return rows


def _create_row(
    item, revision, destination, action, *, user=None, held=False, priority=0
):
    content_type, object_id = _item_key(item)
    revision_id = revision.pk if revision else None
    row = Delivery.objects.create(
        content_type=content_type,
        object_id=object_id,
        revision=revision,
        item_title=str(getattr(item, "title", item))[:255],
        destination=destination,
        action=action,
        held=held,
        priority=priority,
        sequence=_next_sequence(content_type, object_id, destination),
        idempotency_key=_idempotency_key(
            content_type, object_id, revision_id, destination, action
        ),
        created_by=user,
    )
    message = "等待渠道编排" if held else "已进入分发队列"
    record_event(row, DeliveryState.PENDING, message, actor=user)
    logger.info(
        "delivery queued id=%s destination=%s action=%s held=%s",
        row.pk,
        destination.slug,
        action,
        held,
    )
    return row


def cancel_pending(item, *, user=None, reason="") -> int:
    """Cancel every pending publish or update of ``item`` (queued or held)."""
    content_type, object_id = _item_key(item)
    cancelled = 0
    for row in Delivery.objects.filter(
        content_type=content_type,
        object_id=object_id,
        state=DeliveryState.PENDING,
        action__in=[Action.PUBLISH, Action.UPDATE],
    ).select_related("destination"):
        if transition(row, DeliveryState.CANCELLED, reason or "稿件已撤稿", actor=user):
            cancelled += 1
    return cancelled


def write_retract_rows(item, *, user=None, reason=""):
    """Cancel pending publishes and queue a retraction wherever the item went."""
    content_type, object_id = _item_key(item)
    cancel_pending(item, user=user, reason=reason)
    rows = []
    destination_ids = (
        Delivery.objects.filter(content_type=content_type, object_id=object_id)
        .values_list("destination_id", flat=True)
        .distinct()
    )
    for destination in Destination.objects.filter(pk__in=list(destination_ids)):
        last = _last_rows(content_type, object_id, destination).first()
        if last is None or last.action == Action.RETRACT:
            continue
        reached = _last_rows(content_type, object_id, destination).filter(
            state__in=[
                DeliveryState.SENDING,
                DeliveryState.AWAITING_CONFIRMATION,
                DeliveryState.DELIVERED,
                DeliveryState.UNCERTAIN,
            ]
        )
        # The live site showed the page whatever its delivery row says.
        if not reached.exists() and destination.channel != "web":
            continue
        revision = getattr(item, "latest_revision", None)
        rows.append(
            _create_row(
                item,
                revision,
                destination,
                Action.RETRACT,
                user=user,
                priority=RETRACT_PRIORITY,
            )
        )
        if reason:
            record_event(rows[-1], DeliveryState.PENDING, f"撤稿原因：{reason}")
    if rows:
        kick()
    return rows


@contextmanager
def retracting():
    """Mark the current context as a retraction (the unpublish is ours)."""
    token = _retracting.set(True)
    try:
        yield
    finally:
        _retracting.reset(token)


def is_retracting() -> bool:
    return _retracting.get()


# ----------------------------------------------------------------- states


def transition(delivery, to_state, message="", *, actor=None, expect=None, **fields):
    """Move ``delivery`` to ``to_state`` if it is still in ``expect`` states."""
    expect = expect or [delivery.state]
    updated = Delivery.objects.filter(pk=delivery.pk, state__in=expect).update(
        state=to_state, updated_at=timezone.now(), **fields
    )
    if not updated:
        return False
    from_state = delivery.state
    delivery.refresh_from_db()
    record_event(delivery, to_state, message, from_state=from_state, actor=actor)
    logger.info("delivery state id=%s from=%s to=%s", delivery.pk, from_state, to_state)
    return True


def _due_queryset(now):
    blocking = Delivery.objects.filter(
        content_type_id=OuterRef("content_type_id"),
        object_id=OuterRef("object_id"),
        destination_id=OuterRef("destination_id"),
        sequence__lt=OuterRef("sequence"),
        state__in=BLOCKING_STATES,
    )
    # A half-open destination waits while its probe is in flight.
    probing = Delivery.objects.filter(
        destination_id=OuterRef("destination_id"), state=DeliveryState.SENDING
    )
    return (
        Delivery.objects.filter(
            state=DeliveryState.PENDING,
            held=False,
            destination__active=True,
            destination__channel__in=registered_channels(),
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now))
        .exclude(destination__paused_until__gt=now)
        .exclude(
            destination__breaker_state=BreakerState.OPEN,
            destination__breaker_retry_at__gt=now,
        )
        .exclude(
            Q(destination__breaker_state=BreakerState.HALF_OPEN)
            & (Q(destination__breaker_retry_at__gt=now) | Exists(probing))
        )
        .exclude(Exists(blocking))
        .order_by("-priority", "scheduled_for", "position", "id")
    )


def due_count(now=None) -> int:
    return _due_queryset(now or timezone.now()).count()


def claim(owner=None, limit=10, now=None):
    """Claim up to ``limit`` due rows for ``owner``; return them as ``sending``."""
    owner = owner or default_owner()
    now = now or timezone.now()
    claimed = []
    with transaction.atomic():
        queryset = _due_queryset(now)
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        candidates = list(
            queryset.values_list("pk", "destination_id", "destination__breaker_state")[
                :limit
            ]
        )
        probing = set()
        for pk, destination_id, breaker in candidates:
            is_probe = breaker != BreakerState.CLOSED
            if destination_id in probing:
                continue
            if is_probe and not _half_open(destination_id, now):
                continue
            updated = Delivery.objects.filter(
                pk=pk, state=DeliveryState.PENDING
            ).update(
                state=DeliveryState.SENDING,
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_seconds()),
                heartbeat_at=now,
                attempts=F("attempts") + 1,
                sent_at=now,
                updated_at=now,
            )
            if updated:
                claimed.append(pk)
                if is_probe:
                    probing.add(destination_id)
            elif is_probe:
                # Another worker or a person took the row: no probe is out.
                release_probe(destination_id, now)
    rows = list(
        Delivery.objects.filter(pk__in=claimed)
        .select_related("destination", "content_type", "revision")
        .order_by("-priority", "id")
    )
    for row in rows:
        record_event(
            row,
            DeliveryState.SENDING,
            f"第 {row.attempts} 次尝试",
            from_state=DeliveryState.PENDING,
            data={"owner": owner},
        )
    return rows


def breaker_cooldown() -> timedelta:
    return timedelta(seconds=float(setting("PUFA_BREAKER_COOLDOWN_SECONDS", 30)))


def _half_open(destination_id, now):
    """Let one probe through an open breaker whose cool-down has passed.

    ``breaker_retry_at`` moves on by a cool-down: a half-open breaker whose
    probe ended without settling it is probed again after that.
    """
    updated = (
        Destination.objects.filter(
            pk=destination_id,
            breaker_state__in=[BreakerState.OPEN, BreakerState.HALF_OPEN],
        )
        .filter(Q(breaker_retry_at__lte=now) | Q(breaker_retry_at__isnull=True))
        .update(
            breaker_state=BreakerState.HALF_OPEN,
            breaker_retry_at=now + breaker_cooldown(),
        )
    )
    if updated:
        logger.info("breaker half-open destination=%s", destination_id)
    return bool(updated)


def reap_expired_leases(now=None) -> int:
    """Put rows whose worker stopped heart-beating back in the queue."""
    now = now or timezone.now()
    max_attempts = int(setting("PUFA_DELIVERY_MAX_ATTEMPTS", 8))
    reaped = 0
    for row in Delivery.objects.filter(
        state=DeliveryState.SENDING, lease_expires_at__lt=now
    ).select_related("destination"):
        if row.attempts >= max_attempts:
            target, message = (
                DeliveryState.UNCERTAIN,
                "工作进程中断且已达最大尝试次数，结果未知",
            )
        else:
            target, message = (
                DeliveryState.PENDING,
                "工作进程中断（租约过期），重新排队",
            )
        if transition(
            row,
            target,
            message,
            expect=[DeliveryState.SENDING],
            lease_owner="",
            lease_expires_at=None,
            next_attempt_at=now,
        ):
            reaped += 1
            release_probe(row.destination_id)
    if reaped:
        logger.info("leases reaped count=%s", reaped)
    return reaped


def release_probe(destination_id, now=None):
    """Hand a half-open breaker's probe turn to the next row at once.

    For a probe that ended without reaching the channel (its worker died, it
    was cancelled, it lost its claim): it proved nothing either way.
    """
    Destination.objects.filter(
        pk=destination_id, breaker_state=BreakerState.HALF_OPEN
    ).update(breaker_state=BreakerState.OPEN, breaker_retry_at=now or timezone.now())


# --------------------------------------------------------------- running


class Heartbeat:
    """Extend a claimed row's lease from a thread while the adapter works."""

    def __init__(self, delivery, owner):
        self.delivery_id = delivery.pk
        self.owner = owner
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        interval = max(0.2, lease_seconds() / 3)
        try:
            while not self.stop_event.wait(interval):
                now = timezone.now()
                Delivery.objects.filter(
                    pk=self.delivery_id,
                    state=DeliveryState.SENDING,
                    lease_owner=self.owner,
                ).update(
                    heartbeat_at=now,
                    lease_expires_at=now + timedelta(seconds=lease_seconds()),
                )
        except Exception:
            logger.exception("heartbeat failed delivery=%s", self.delivery_id)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=5)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: half fixed, half random."""
    base = float(setting("PUFA_DELIVERY_BACKOFF_BASE", 2.0))
    cap = float(setting("PUFA_DELIVERY_BACKOFF_MAX", 600.0))
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def call_adapter(delivery) -> DeliveryResult:
    from .corrections import plan_for_delivery

    adapter = delivery.destination.adapter()
    if delivery.action == Action.PUBLISH:
        return adapter.publish(delivery)
    if delivery.action == Action.RETRACT:
        return adapter.retract(delivery)
    plan = plan_for_delivery(delivery)
    if plan.method == "update_in_place":
        return adapter.update(delivery)
    if plan.method == "delete_and_republish":
        if delivery.previous_receipt():
            adapter.retract(delivery)
        return adapter.publish(delivery)
    if plan.method == "append_notice":
        return adapter.publish(delivery)
    raise PermanentError(plan.explanation)


def _superseded_by_retraction(delivery) -> bool:
    if delivery.action == Action.RETRACT:
        return False
    return (
        delivery.item_rows()
        .filter(action=Action.RETRACT, sequence__gt=delivery.sequence)
        .exists()
    )


def process(delivery, owner) -> str:
    """Run the adapter for one claimed row and record the outcome."""
    if _superseded_by_retraction(delivery):
        state = _finish(
            delivery, owner, DeliveryState.CANCELLED, "稿件已撤稿，本次发布不再发送"
        )
        release_probe(delivery.destination_id)
        return state
    # The breaker guards against a channel that is down: any answer other
    # than a transient failure shows that it is up.
    with Heartbeat(delivery, owner):
        try:
            result = call_adapter(delivery)
        except TransientError as error:
            return _retry_later(delivery, owner, error)
        except RejectedError as error:
            _breaker_success(delivery.destination_id)
            return _finish(
                delivery, owner, DeliveryState.REJECTED, error.message, error.detail
            )
        except UncertainError as error:
            _breaker_success(delivery.destination_id)
            return _finish(
                delivery, owner, DeliveryState.UNCERTAIN, error.message, error.detail
            )
        except PermanentError as error:
            _breaker_success(delivery.destination_id)
            return _finish(
                delivery, owner, DeliveryState.FAILED, error.message, error.detail
            )
        except Exception as error:
            logger.exception("adapter crashed delivery=%s", delivery.pk)
            return _retry_later(
                delivery,
                owner,
                TransientError(f"适配器内部错误：{type(error).__name__}"),
            )
    return record_result(delivery, result, owner=owner)


def record_result(delivery, result: DeliveryResult, *, owner=None, actor=None) -> str:
    """Record an adapter's (or a confirmation's) result for ``delivery``."""
    state = result.state
    now = timezone.now()
    fields = {"receipt": {**(delivery.receipt or {}), **(result.receipt or {})}}
    if state in (DeliveryState.DELIVERED, DeliveryState.REVOKED):
        fields["delivered_at"] = now
        fields["last_error"] = ""
    expect = (
        [DeliveryState.SENDING]
        if owner
        else [
            DeliveryState.AWAITING_CONFIRMATION,
            DeliveryState.UNCERTAIN,
            DeliveryState.SENDING,
        ]
    )
    filters_ok = _owner_matches(delivery, owner)
    if not filters_ok:
        logger.info("lost lease delivery=%s owner=%s", delivery.pk, owner)
        return delivery.state
    if delivery.action == Action.RETRACT and state == DeliveryState.REVOKED:
        state = DeliveryState.DELIVERED
    if not transition(
        delivery,
        state,
        result.message or _default_message(state),
        actor=actor,
        expect=expect,
        lease_owner="",
        lease_expires_at=None,
        **fields,
    ):
        return delivery.state
    _breaker_success(delivery.destination_id)
    if delivery.action == Action.RETRACT and state == DeliveryState.DELIVERED:
        _mark_revoked(delivery)
    return state


def _default_message(state):
    return {
        DeliveryState.DELIVERED: "已送达",
        DeliveryState.AWAITING_CONFIRMATION: "已提交，等待渠道确认",
    }.get(state, "")


def _owner_matches(delivery, owner):
    if owner is None:
        return True
    return Delivery.objects.filter(
        pk=delivery.pk, lease_owner=owner, state=DeliveryState.SENDING
    ).exists()


def _mark_revoked(retraction):
    for row in retraction.item_rows().filter(
        sequence__lt=retraction.sequence,
        action__in=[Action.PUBLISH, Action.UPDATE],
        state__in=[
            DeliveryState.DELIVERED,
            DeliveryState.AWAITING_CONFIRMATION,
            DeliveryState.UNCERTAIN,
        ],
    ):
        transition(row, DeliveryState.REVOKED, "渠道已撤下该稿件")


def mark_revoked_by_channel(delivery, message="渠道已删除该稿件", *, data=None):
    """Record that a channel removed a delivered item on its own (e.g. banned)."""
    return transition(
        delivery,
        DeliveryState.REVOKED,
        message,
        expect=[DeliveryState.DELIVERED, DeliveryState.AWAITING_CONFIRMATION],
    )


def _finish(delivery, owner, state, message, detail=None):
    if not _owner_matches(delivery, owner):
        return delivery.state
    transition(
        delivery,
        state,
        message,
        expect=[DeliveryState.SENDING],
        lease_owner="",
        lease_expires_at=None,
        last_error=message,
        receipt={**(delivery.receipt or {}), **({"detail": detail} if detail else {})},
    )
    logger.info("delivery ended id=%s state=%s", delivery.pk, state)
    return state


def _retry_later(delivery, owner, error):
    max_attempts = int(setting("PUFA_DELIVERY_MAX_ATTEMPTS", 8))
    _breaker_failure(delivery.destination_id)
    if delivery.attempts >= max_attempts:
        return _finish(
            delivery,
            owner,
            DeliveryState.FAILED,
            f"重试 {delivery.attempts} 次后仍失败：{error.message}",
        )
    if not _owner_matches(delivery, owner):
        return delivery.state
    delay = (
        error.retry_after if error.retry_after else backoff_seconds(delivery.attempts)
    )
    transition(
        delivery,
        DeliveryState.PENDING,
        f"{error.message}（{delay:.0f} 秒后重试）",
        expect=[DeliveryState.SENDING],
        lease_owner="",
        lease_expires_at=None,
        last_error=error.message,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    return DeliveryState.PENDING


def _breaker_failure(destination_id):
    threshold = int(setting("PUFA_BREAKER_THRESHOLD", 5))
    now = timezone.now()
    Destination.objects.filter(pk=destination_id).update(
        breaker_failures=F("breaker_failures") + 1
    )
    destination = Destination.objects.get(pk=destination_id)
    if (
        destination.breaker_state == BreakerState.HALF_OPEN
        or destination.breaker_failures >= threshold
    ):
        Destination.objects.filter(pk=destination_id).update(
            breaker_state=BreakerState.OPEN,
            breaker_opened_at=now,
            breaker_retry_at=now + breaker_cooldown(),
        )
        if destination.breaker_state != BreakerState.OPEN:
            logger.info(
                "breaker opened destination=%s failures=%s",
                destination.slug,
                destination.breaker_failures,
            )
            audit_event.send(
                sender=Destination,
                action="destination.breaker_opened",
                actor=None,
                obj=destination,
                data={"failures": destination.breaker_failures},
            )


def _breaker_success(destination_id):
    updated = (
        Destination.objects.filter(pk=destination_id)
        .exclude(breaker_state=BreakerState.CLOSED, breaker_failures=0)
        .update(
            breaker_state=BreakerState.CLOSED,
            breaker_failures=0,
            breaker_opened_at=None,
            breaker_retry_at=None,
        )
    )
    if updated:
        logger.info("breaker closed destination=%s", destination_id)


def run_once(owner=None, limit=1, max_rounds=10_000) -> int:
    """Claim and process due rows until none is left; return how many ran.

    Rows are claimed one at a time by default: a claimed row waiting behind
    another in this worker would have no heartbeat and could be reaped.
    """
    owner = owner or default_owner()
    done = 0
    for _ in range(max_rounds):
        rows = claim(owner, limit=limit)
        if not rows:
            break
        for row in rows:
            process(row, owner)
            done += 1
    return done


def check_confirmations(limit=50) -> int:
    """Ask adapters about rows whose outcome the channel confirms later."""
    changed = 0
    for row in Delivery.objects.filter(
        state__in=[DeliveryState.AWAITING_CONFIRMATION, DeliveryState.UNCERTAIN],
        destination__channel__in=registered_channels(),
    ).select_related("destination")[:limit]:
        try:
            result = row.destination.adapter().check_confirmation(row)
        except Exception:
            logger.exception("confirmation check failed delivery=%s", row.pk)
            continue
        if result is not None:
            record_result(row, result)
            changed += 1
    return changed


def dispatch_due():
    """Scheduler job: reclaim dead leases and wake a worker when rows are due."""
    close_old_connections()
    reap_expired_leases()
    if due_count():
        _enqueue_dispatch()
