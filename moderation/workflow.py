"""Signatures, compliance numbers, sign-off and restart-on-edit.

Wagtail calls :func:`finish_workflow` (``WAGTAIL_FINISH_WORKFLOW_ACTION``)
when the last step approves. It writes the compliance number and the masked
terms into the *approved* revision, then publishes that revision; Wagtail's
``published`` signal lets the channel engine take it from there.
"""

import hashlib
import json
import logging

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("pufa.moderation")

# Fields that change without an editor changing the content.
VOLATILE_KEYS = {
    "compliance_number",
    "live",
    "has_unpublished_changes",
    "latest_revision",
    "latest_revision_created_at",
    "live_revision",
    "first_published_at",
    "last_published_at",
    "locked",
    "locked_at",
    "locked_by",
    "draft_title",
    "url_path",
    "path",
    "depth",
    "numchild",
    "expired",
    "wagtail_admin_comments",
}


def content_hash(revision):
    """Return the SHA-256 of a revision's editorial content."""
    content = {k: v for k, v in revision.content.items() if k not in VOLATILE_KEYS}
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _object_of(task_state):
    obj = task_state.workflow_state.content_object
    return getattr(obj, "specific", obj)


def record_signature(task_state, user):
    """Record who approves which revision at which step, before it is approved."""
    from django.contrib.contenttypes.models import ContentType

    from .audit import record
    from .models import ReviewSignature

    obj = _object_of(task_state)
    task = task_state.task.specific
    signature = ReviewSignature.objects.create(
        task_state=task_state,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        step=task.step,
        user=user,
        revision_id_signed=task_state.revision_id,
        content_hash=content_hash(task_state.revision),
    )
    record(
        "moderation.approve",
        actor=user,
        obj=obj,
        data={
            "step": task.step,
            "revision": task_state.revision_id,
            "content_hash": signature.content_hash,
        },
    )
    return signature


def next_compliance_number(now=None):
    """Return the next ``PF-<year>-<6 digits>``; numbers are never reused."""
    from .models import ComplianceCounter

    year = (now or timezone.localtime()).year
    with transaction.atomic():
        ComplianceCounter.objects.get_or_create(year=year)
        counter = ComplianceCounter.objects.select_for_update().get(year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"PF-{year}-{counter.last:06d}"


def _mask_content(value, matcher):
    if isinstance(value, str):
        return matcher.mask(value)
    if isinstance(value, dict):
        return {
            key: inner if key in {"id", "type"} else _mask_content(inner, matcher)
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [_mask_content(inner, matcher) for inner in value]
    return value


def mask_revision_content(content):
    """Return revision content with "mask" terms starred in reader-facing text."""
    from .checks import RICH_FIELDS, TEXT_FIELDS
    from .terms import current_matcher

    matcher = current_matcher()
    content = dict(content)
    for field in TEXT_FIELDS:
        if isinstance(content.get(field), str):
            content[field] = matcher.mask(content[field])
    for field in RICH_FIELDS:
        value = content.get(field)
        if isinstance(value, str) and value.startswith("["):
            try:
                content[field] = json.dumps(
                    _mask_content(json.loads(value), matcher), ensure_ascii=False
                )
            except ValueError:
                content[field] = matcher.mask(value)
        elif isinstance(value, str):
            content[field] = matcher.mask(value)
    return content


def finish_workflow(workflow_state, user=None):
    """Sign off: number the approved revision, mask terms, publish it."""
    from .audit import record
    from .models import ReviewSignature, refuse_if_creator_cannot_publish

    task_state = workflow_state.current_task_state
    refuse_if_creator_cannot_publish(task_state)
    revision = task_state.revision
    obj = _object_of(task_state)
    content = mask_revision_content(revision.content)
    # Columns and the home page go through review too, but only items (稿件)
    # carry a compliance number to the channels.
    number = ""
    if hasattr(obj, "compliance_number"):
        number = next_compliance_number()
        content["compliance_number"] = number
    revision.content = content
    revision.save(update_fields=["content"])
    ReviewSignature.objects.filter(task_state=task_state).update(
        compliance_number=number
    )

    revision.publish(user=user, skip_permission_checks=True)
    record(
        "moderation.sign_off",
        actor=user,
        obj=obj,
        data={"revision": revision.pk, "compliance_number": number},
    )
    logger.info("signed off item=%s revision=%s number=%s", obj.pk, revision.pk, number)


def restart_on_edit(sender, instance, created, **kwargs):
    """Send an item back to the first step when a new revision is saved mid-review.

    Approvals belong to a revision; an edit after any step has started makes
    them stale, so the review starts over from the automated check.
    """
    if not created:
        return
    from wagtail.models import TaskState, WorkflowState

    state = (
        WorkflowState.objects.active()
        .filter(
            base_content_type_id=instance.base_content_type_id,
            object_id=instance.object_id,
            status=WorkflowState.STATUS_IN_PROGRESS,
        )
        .select_related("current_task_state")
        .first()
    )
    if state is None or state.current_task_state is None:
        return
    current = state.current_task_state
    if current.revision_id == instance.pk:
        return
    # save_revision() points the object at its new revision only after this
    # signal; the workflow decides what is approved from that pointer.
    model = instance.base_content_type.model_class()
    model._default_manager.filter(pk=instance.object_id).update(
        latest_revision=instance
    )
    first_task = state.workflow.tasks.filter(active=True).first()
    current.status = TaskState.STATUS_CANCELLED
    current.finished_at = timezone.now()
    current.finished_by = instance.user
    current.comment = "稿件在审核中被修改，审核从头开始。"
    current.save()
    state.current_task_state = None
    state.save()
    state.update(user=instance.user, next_task=first_task)
    from .audit import record

    record(
        "moderation.restart",
        actor=instance.user,
        obj=instance.content_object,
        data={"revision": instance.pk, "cancelled_task_state": current.pk},
    )
    logger.info(
        "review restarted on edit object=%s revision=%s",
        instance.object_id,
        instance.pk,
    )
