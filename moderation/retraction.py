"""Retraction (撤稿): a reasoned request, one 终审 approval, unpublish everywhere."""

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .audit import record
from .models import RetractionRequest, RetractionStatus
from .notify import notify_retraction_requested, tell

logger = logging.getLogger("pufa.moderation")

APPROVER_GROUP = "终审"


def user_can_approve_retraction(user):
    return user.is_active and (
        user.is_superuser or user.groups.filter(name=APPROVER_GROUP).exists()
    )


def request_retraction(item, *, user, reason):
    """Open a retraction request for a live item and tell the 终审 group."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("请填写撤稿原因。")
    if not getattr(item, "live", False):
        raise ValueError("该稿件当前未发布，无需撤稿。")
    content_type = ContentType.objects.get_for_model(item)
    if RetractionRequest.objects.filter(
        content_type=content_type,
        object_id=str(item.pk),
        status=RetractionStatus.PENDING,
    ).exists():
        raise ValueError("该稿件已有待处理的撤稿申请。")
    retraction = RetractionRequest.objects.create(
        content_type=content_type,
        object_id=str(item.pk),
        object_label=str(item)[:255],
        reason=reason,
        requested_by=user,
    )
    record("retraction.request", actor=user, obj=item, data={"reason": reason})
    notify_retraction_requested(retraction)
    return retraction


def _retract_everywhere(item, *, user, reason, approved_by):
    """Hand the retraction to the channel engine (or, until it exists, to Wagtail)."""
    try:
        from channels.services import retract_item
    except ImportError:
        retract_item = None
    if retract_item is not None:
        return retract_item(item, user=user, reason=reason, approved_by=approved_by)
    # Limitation: without channels.services only the Wagtail copy is
    # unpublished; channels react to Wagtail's unpublished signal.
    item.unpublish(user=approved_by, log_action=True)
    return None


def approve_retraction(retraction, approver, note=""):
    """Approve and execute a pending retraction; the requester may not approve."""
    if not user_can_approve_retraction(approver):
        raise PermissionDenied("只有终审人员可以批准撤稿。")
    with transaction.atomic():
        retraction = RetractionRequest.objects.select_for_update().get(pk=retraction.pk)
        if retraction.status != RetractionStatus.PENDING:
            raise ValueError("该撤稿申请已处理。")
        if retraction.requested_by_id == approver.pk and not approver.is_superuser:
            raise PermissionDenied("撤稿申请人不能批准自己的申请。")
        item = retraction.get_item()
        item = getattr(item, "specific", item)
        retraction.decided_by = approver
        retraction.decided_at = timezone.now()
        retraction.decision_note = note
        retraction.status = RetractionStatus.APPROVED
        retraction.save()
        record(
            "retraction.approve",
            actor=approver,
            obj=item,
            data={"reason": retraction.reason, "request": retraction.pk},
        )
        if item is not None and getattr(item, "live", False):
            _retract_everywhere(
                item,
                user=retraction.requested_by,
                reason=retraction.reason,
                approved_by=approver,
            )
    tell(
        [retraction.requested_by],
        f"【撤稿已执行】{retraction.object_label}",
        f"撤稿申请已由 {approver} 批准并执行。",
    )
    logger.info("retraction approved request=%s", retraction.pk)
    return retraction


def reject_retraction(retraction, approver, note):
    if not user_can_approve_retraction(approver):
        raise PermissionDenied("只有终审人员可以处理撤稿申请。")
    if not (note or "").strip():
        raise ValueError("驳回撤稿申请时必须填写原因。")
    with transaction.atomic():
        retraction = RetractionRequest.objects.select_for_update().get(pk=retraction.pk)
        if retraction.status != RetractionStatus.PENDING:
            raise ValueError("该撤稿申请已处理。")
        retraction.status = RetractionStatus.REJECTED
        retraction.decided_by = approver
        retraction.decided_at = timezone.now()
        retraction.decision_note = note
        retraction.save()
        record(
            "retraction.reject",
            actor=approver,
            obj=retraction,
            data={"note": note},
        )
    tell(
        [retraction.requested_by],
        f"【撤稿申请被驳回】{retraction.object_label}",
        f"原因：{note}",
    )
    return retraction
