"""Receivers wiring moderation to Wagtail's and Pufa's signals."""

from django.db.models.signals import post_save
from wagtail.models import Revision, WorkflowState
from wagtail.signals import (
    published,
    task_rejected,
    unpublished,
    workflow_cancelled,
    workflow_rejected,
    workflow_submitted,
)

from cms.signals import audit_event

from .audit import on_audit_event, record
from .notify import on_workflow_rejected
from .workflow import restart_on_edit


def _item(instance):
    obj = instance.content_object
    return getattr(obj, "specific", obj)


def audit_published(sender, instance, revision=None, **kwargs):
    record(
        "wagtail.publish",
        obj=instance,
        data={
            "revision": getattr(revision, "pk", None),
            "compliance_number": getattr(instance, "compliance_number", ""),
        },
    )


def audit_unpublished(sender, instance, **kwargs):
    record("wagtail.unpublish", obj=instance)


def audit_submitted(sender, instance, user=None, **kwargs):
    record(
        "moderation.submit",
        actor=user,
        obj=_item(instance),
        data={"workflow_state": instance.pk},
    )


def audit_task_rejected(sender, instance, user=None, **kwargs):
    record(
        "moderation.reject",
        actor=user,
        obj=_item(instance.workflow_state),
        data={
            "task": instance.task.name,
            "revision": instance.revision_id,
            "comment": instance.comment,
        },
    )


def audit_cancelled(sender, instance, user=None, **kwargs):
    record("moderation.cancel", actor=user, obj=_item(instance))


def _no_wagtail_step_email(sender, **kwargs):
    """Stand in for Wagtail's step email: ReviewTask.start notifies instead."""


def connect():
    from wagtail.models import TaskState
    from wagtail.signals import task_submitted

    audit_event.connect(on_audit_event, dispatch_uid="pufa_audit_event")
    post_save.connect(restart_on_edit, sender=Revision, dispatch_uid="pufa_restart")
    published.connect(audit_published, dispatch_uid="pufa_audit_published")
    unpublished.connect(audit_unpublished, dispatch_uid="pufa_audit_unpublished")
    workflow_submitted.connect(
        audit_submitted, sender=WorkflowState, dispatch_uid="pufa_audit_submitted"
    )
    workflow_cancelled.connect(
        audit_cancelled, sender=WorkflowState, dispatch_uid="pufa_audit_cancelled"
    )
    task_rejected.connect(audit_task_rejected, dispatch_uid="pufa_audit_rejected")
    # Our Chinese notifications (inbox + email) replace Wagtail's emails for
    # "a step is waiting" and "changes requested". This app is ready before
    # wagtail.admin, and a signal keeps the first receiver of a dispatch_uid,
    # so taking Wagtail's uids here makes its own connects no-ops.
    task_submitted.connect(
        _no_wagtail_step_email,
        sender=TaskState,
        dispatch_uid="group_approval_task_submitted_email_notification",
    )
    workflow_rejected.connect(
        on_workflow_rejected,
        sender=WorkflowState,
        dispatch_uid="workflow_state_rejected_email_notification",
    )
