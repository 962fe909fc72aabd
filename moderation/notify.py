"""Tell people what waits for them: an in-admin inbox message and an email."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse

logger = logging.getLogger("pufa.moderation")


def _absolute(url):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url if url else ""


def tell(users, subject, body, url=""):
    """Leave an inbox message for each user and email those with an address."""
    from .models import InboxMessage

    users = [user for user in users if user is not None and user.is_active]
    InboxMessage.objects.bulk_create(
        [InboxMessage(user=user, subject=subject, body=body, url=url) for user in users]
    )
    recipients = sorted({user.email for user in users if user.email})
    if not recipients:
        return
    text = body + ("\n\n" + _absolute(url) if url else "")
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        # The inbox message stands; a mail outage must not undo a decision.
        logger.exception("notification email failed subject=%s", subject)


def _item_of(workflow_state):
    obj = workflow_state.content_object
    return getattr(obj, "specific", obj)


def _edit_url(item):
    from wagtail.admin.admin_url_finder import AdminURLFinder

    return AdminURLFinder().get_edit_url(item) or ""


def notify_reviewers(task_state):
    from .models import authors_of

    task = task_state.task.specific
    authors = authors_of(task_state)
    reviewers = (
        get_user_model()
        .objects.filter(groups__in=task.groups.all(), is_active=True)
        .exclude(pk__in=authors)
        .distinct()
    )
    item = _item_of(task_state.workflow_state)
    tell(
        reviewers,
        f"【待{task.get_step_display()[:2]}】{item}",
        f"稿件“{item}”已进入{task.get_step_display()}，请及时审核。",
        reverse("moderation_admin:queue"),
    )


def notify_rejection(workflow_state):
    task_state = workflow_state.current_task_state
    item = _item_of(workflow_state)
    people = {workflow_state.requested_by, getattr(item, "owner", None)}
    step = task_state.task.name if task_state else "审核"
    reason = (task_state.comment if task_state else "") or "（未填写原因）"
    tell(
        [person for person in people if person],
        f"【退回修改】{item}",
        f"稿件“{item}”在{step}被退回。原因：{reason}",
        _edit_url(item),
    )


def on_workflow_rejected(sender, instance, user=None, **kwargs):
    notify_rejection(instance)


def notify_retraction_requested(request):
    from django.contrib.auth.models import Group

    group = Group.objects.filter(name="终审").first()
    users = group.user_set.filter(is_active=True) if group else []
    tell(
        users,
        f"【撤稿申请】{request.object_label}",
        f"{request.requested_by} 申请撤稿“{request.object_label}”。"
        f"原因：{request.reason}",
        reverse("moderation_admin:retractions"),
    )
