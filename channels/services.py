"""Operations other apps and the admin call: retraction and curated scheduling.

``retract_item`` is what the moderation app runs when a retraction is
approved; ``schedule_curated`` is what the publishers' desk and the WeChat
post composer run to release held rows of a curated destination.
"""

import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cms.signals import audit_event

from . import outbox
from .models import Action, Delivery, DeliveryState, Destination, RetractedPath

logger = logging.getLogger("pufa.channels")


def retract_item(item, *, user, reason, approved_by=None) -> list[Delivery]:
    """Retract ``item`` from every channel in one transaction.

    Pending publishes are cancelled, every destination that received the item
    gets a retraction ahead of other work, and the page or snippet is
    unpublished. Returns the retraction rows.
    """
    with transaction.atomic():
        with outbox.retracting():
            rows = outbox.write_retract_rows(item, user=user, reason=reason)
            remember_retracted_url(item, reason)
            # The caller's instance may be stale; the database says what is live.
            if type(item)._default_manager.filter(pk=item.pk, live=True).exists():
                item.refresh_from_db()
                _unpublish(item, user)
    audit_event.send(
        sender=Delivery,
        action="item.retracted",
        actor=user,
        obj=item,
        data={
            "reason": reason,
            "approved_by": getattr(approved_by, "pk", None),
            "deliveries": [row.pk for row in rows],
        },
    )
    logger.info(
        "item retracted item=%s deliveries=%s", getattr(item, "pk", None), len(rows)
    )
    return rows


def _unpublish(item, user):
    # The retraction was approved upstream; Wagtail's permission check would
    # ask the wrong question (page publish rights of the approver).
    from wagtail.actions.unpublish import UnpublishAction
    from wagtail.actions.unpublish_page import UnpublishPageAction
    from wagtail.models import Page

    action_class = UnpublishPageAction if isinstance(item, Page) else UnpublishAction
    action_class(item, user=user).execute(skip_permission_checks=True)


def remember_retracted_url(item, reason=""):
    """Record the item's public path so the site answers 410 there."""
    from django.contrib.contenttypes.models import ContentType

    url_path = _public_path(item)
    if not url_path:
        return None
    record, _ = RetractedPath.objects.update_or_create(
        path=url_path,
        defaults={
            "content_type": ContentType.objects.get_for_model(item.__class__),
            "object_id": str(item.pk),
            "reason": reason,
            "retracted_at": timezone.now(),
        },
    )
    return record


def _public_path(item):
    if not hasattr(item, "get_url_parts"):
        return ""
    parts = item.get_url_parts()
    if not parts:
        return ""
    return parts[2]


def forget_retracted_url(item):
    path = _public_path(item)
    if path:
        RetractedPath.objects.filter(path=path).delete()


def _as_held_row(destination, entry):
    if isinstance(entry, Delivery):
        row = entry
    elif isinstance(entry, int | str):
        row = Delivery.objects.filter(pk=entry).first()
    else:
        row = (
            Delivery.objects.for_item(entry)
            .filter(destination=destination, state=DeliveryState.PENDING, held=True)
            .order_by("-sequence")
            .first()
        )
    if row is None or row.destination_id != destination.pk:
        raise ValidationError("所选稿件不在该渠道的待编排队列中。")
    row.refresh_from_db()
    if row.state != DeliveryState.PENDING or not row.held:
        raise ValidationError(
            f"“{row.item_title}”已不在待编排队列中（可能已被撤稿或已发送）。"
        )
    return row


def schedule_curated(
    destination: Destination,
    entries,
    *,
    user,
    scheduled_for=None,
    slot: str | None = None,
) -> list[Delivery]:
    """Release held rows of a curated destination in the given order.

    ``entries`` are held ``Delivery`` rows (or their ids, or items). They are
    delivered together as one batch (``slot``) at ``scheduled_for`` (now when
    None), in list order (``position``). Raises ``ValidationError`` when an
    entry is no longer queued (retracted or already sent).
    """
    slot = slot or "{}-{}".format(
        timezone.now().strftime("%Y%m%d%H%M"), uuid.uuid4().hex[:6]
    )
    with transaction.atomic():
        rows = [_as_held_row(destination, entry) for entry in entries]
        if not rows:
            raise ValidationError("请至少选择一篇稿件。")
        for position, row in enumerate(rows):
            Delivery.objects.filter(pk=row.pk).update(
                held=False, slot=slot, position=position, scheduled_for=scheduled_for
            )
            row.refresh_from_db()
            when = (
                timezone.localtime(scheduled_for).strftime("%m-%d %H:%M")
                if scheduled_for
                else "立即"
            )
            outbox.record_event(
                row,
                DeliveryState.PENDING,
                f"已编排：批次 {slot} 第 {position + 1} 条，{when}发送",
                actor=user,
            )
        outbox.kick()
    logger.info(
        "curated batch scheduled destination=%s slot=%s count=%s",
        destination.slug,
        slot,
        len(rows),
    )
    return rows


def unschedule(delivery: Delivery, *, user) -> bool:
    """Put a scheduled, not yet sent row of a curated destination back on hold."""
    updated = (
        Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING, held=False)
        .exclude(action=Action.RETRACT)
        .update(held=True, slot="", scheduled_for=None)
    )
    if updated:
        delivery.refresh_from_db()
        outbox.record_event(delivery, DeliveryState.PENDING, "已撤回编排", actor=user)
    return bool(updated)


def retry_delivery(delivery: Delivery, *, user) -> bool:
    """Queue a failed, rejected or uncertain row again (same idempotency key)."""
    return outbox.transition(
        delivery,
        DeliveryState.PENDING,
        "人工重试",
        actor=user,
        expect=[DeliveryState.FAILED, DeliveryState.UNCERTAIN, DeliveryState.REJECTED],
        next_attempt_at=None,
        held=False,
    ) and (outbox.kick() or True)


def cancel_delivery(delivery: Delivery, *, user) -> bool:
    """Cancel a row that has not been sent yet."""
    return outbox.transition(
        delivery,
        DeliveryState.CANCELLED,
        "人工取消",
        actor=user,
        expect=[DeliveryState.PENDING, DeliveryState.FAILED, DeliveryState.UNCERTAIN],
    )
