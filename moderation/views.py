"""The creator portal: apply, verify email, sign in, follow submissions."""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import reverse_lazy
from django.utils import timezone
from wagtail.models import Page, TaskState, WorkflowState

from . import creators
from .forms import ApplyForm, RenewalForm
from .models import (
    CheckReport,
    CreatorProfile,
    CreatorStatus,
    InboxMessage,
    RenewalStatus,
)

logger = logging.getLogger("pufa.moderation")

PORTAL_LOGIN_URL = reverse_lazy("moderation:login")


def apply(request):
    if request.user.is_authenticated and hasattr(request.user, "creator_profile"):
        return redirect("moderation:portal")
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=data["username"],
                email=data["email"],
                password=data["password"],
                is_active=False,
                display_name=data["real_name"][:64],
            )
            profile = CreatorProfile.objects.create(
                user=user,
                real_name=data["real_name"],
                creator_type=data["creator_type"],
                id_number=data["id_number"],
                credential_type=data["credential_type"],
                credential_number=data["credential_number"],
                credential_issuer=data["credential_issuer"],
                credential_valid_from=data["credential_valid_from"],
                credential_valid_until=data["credential_valid_until"],
                domain_label=data["domain_label"],
                manual_review_reasons=creators.manual_review_reasons(data["real_name"]),
            )
            profile.credential_scan = creators.save_scan(
                data["credential_scan"], user.pk
            )
            profile.save(update_fields=["credential_scan"])
            creators.record("creator.apply", actor=user, obj=profile)
        mail_sent = True
        try:
            creators.send_verification(request, user)
        except Exception:
            # The application is kept; a reviewer or a retry can verify later.
            logger.exception("verification email failed profile=%s", profile.pk)
            mail_sent = False
        logger.info("creator applied profile=%s", profile.pk)
        return render(
            request,
            "moderation/apply_done.html",
            {"email": user.email, "mail_sent": mail_sent},
        )
    return render(request, "moderation/apply.html", {"form": form})


def verify(request, token):
    profile = creators.verify_email(token)
    return render(request, "moderation/verify.html", {"profile": profile})


class PortalLoginView(auth_views.LoginView):
    template_name = "moderation/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return str(reverse_lazy("moderation:portal"))


def logout(request):
    from django.contrib.auth import logout as auth_logout

    if request.method == "POST":
        auth_logout(request)
    return redirect("moderation:login")


def _submissions(user):
    """Return the creator's items with their review state and every rejection."""
    pages = (
        Page.objects.filter(owner=user)
        .specific()
        .order_by("-latest_revision_created_at")
    )
    rows = []
    for page in pages:
        if not hasattr(page, "compliance_number"):
            continue
        content_type = ContentType.objects.get_for_model(Page)
        states = WorkflowState.objects.filter(
            base_content_type=content_type, object_id=str(page.pk)
        ).order_by("-created_at")
        current = states.first()
        rejections = []
        for task_state in (
            TaskState.objects.filter(
                workflow_state__in=states, status=TaskState.STATUS_REJECTED
            )
            .select_related("task")
            .order_by("-finished_at")
        ):
            report = CheckReport.objects.filter(task_state=task_state).first()
            rejections.append(
                {
                    "step": task_state.task.name,
                    "at": task_state.finished_at,
                    "comment": task_state.comment,
                    "findings": report.findings if report else [],
                }
            )
        rows.append(
            {
                "page": page,
                "state": _state_label(page, current),
                "rejections": rejections,
            }
        )
    return rows


def _state_label(page, workflow_state):
    if workflow_state is not None and workflow_state.status == "in_progress":
        task = workflow_state.current_task_state
        return ("review", f"审核中：{task.task.name}" if task else "审核中")
    if workflow_state is not None and workflow_state.status == "needs_changes":
        return ("rejected", "已退回，待修改")
    if page.live and page.has_unpublished_changes:
        return ("live", "已发布（有未提交的修改）")
    if page.live:
        return ("live", "已发布")
    if workflow_state is not None and workflow_state.status == "cancelled":
        return ("draft", "审核已撤回，草稿")
    return ("draft", "草稿，未提交审核")


def _upload_widget():
    try:
        return select_template(
            ["media_pipeline/upload_widget.html", "media_pipeline/upload.html"]
        ).template.name
    except TemplateDoesNotExist:
        return ""


def _renewal_urgent(profile, renewal, renewal_form) -> bool:
    """Whether the renewal form belongs at the top of the portal, open.

    It does once the expiry reminder is due, when publishing is suspended, a
    renewal is under review or was rejected, or the creator's form has errors;
    otherwise it waits folded at the foot of the page.
    """
    days_left = (profile.credential_valid_until - timezone.localdate()).days
    return (
        profile.status == CreatorStatus.SUSPENDED
        or days_left <= creators.REMINDER_DAYS
        or (renewal is not None and renewal.status in (RenewalStatus.PENDING, RenewalStatus.REJECTED))
        or (renewal_form is not None and renewal_form.is_bound)
    )


def _portal_context(request, profile, renewal_form=None):
    renewal = profile.renewals.first()
    return {
        "profile": profile,
        "approved": profile.status == CreatorStatus.APPROVED,
        "can_renew": profile.status in creators.RENEWABLE,
        "renewal": renewal,
        "renewal_urgent": _renewal_urgent(profile, renewal, renewal_form),
        "renewal_form": renewal_form or RenewalForm(),
        "submissions": _submissions(request.user) if profile.column_id else [],
        "inbox": InboxMessage.objects.filter(user=request.user)[:10],
        "upload_widget": _upload_widget(),
    }


@login_required(login_url=PORTAL_LOGIN_URL)
def portal(request):
    profile = CreatorProfile.objects.filter(user=request.user).first()
    if profile is None:
        return render(request, "moderation/portal_none.html", status=200)
    return render(request, "moderation/portal.html", _portal_context(request, profile))


@login_required(login_url=PORTAL_LOGIN_URL)
def inbox_read(request):
    if request.method == "POST":
        from django.utils import timezone

        InboxMessage.objects.filter(user=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        messages.success(request, "已全部标为已读。")
    return redirect("moderation:portal")


@login_required(login_url=PORTAL_LOGIN_URL)
def renew(request):
    """Let a creator file a renewed credential; a reviewer decides on it."""
    profile = CreatorProfile.objects.filter(user=request.user).first()
    if profile is None:
        return redirect("moderation:portal")
    form = RenewalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            creators.request_renewal(
                profile,
                data["credential_valid_from"],
                data["credential_valid_until"],
                data["credential_scan"],
            )
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "资质更新已提交，审核通过后生效。")
        return redirect("moderation:portal")
    return render(
        request,
        "moderation/portal.html",
        _portal_context(request, profile, form),
        status=400 if request.method == "POST" else 200,
    )
