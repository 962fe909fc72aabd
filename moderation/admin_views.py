"""Moderation screens inside the Wagtail admin (``/admin/moderation/``)."""

import csv
import difflib
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from wagtail.models import Page, TaskState

from . import creators, retraction
from .audit import verify_chain
from .checks import RICH_FIELDS, TEXT_FIELDS
from .forms import (
    DecisionForm,
    RenewalDecisionForm,
    RetractionDecisionForm,
    RetractionForm,
    ReviewActionForm,
    TermImportForm,
)
from .models import (
    AuditEntry,
    CheckReport,
    CreatorProfile,
    CreatorStatus,
    CredentialRenewal,
    InboxMessage,
    RenewalStatus,
    RetractionRequest,
    RetractionStatus,
    ReviewSignature,
    ReviewStep,
    ReviewTask,
    Term,
    TermCategory,
)

logger = logging.getLogger("pufa.moderation")

REVIEW_GROUPS = ["初审", "复审", "终审"]
KINDS = {"article": "图文", "video": "短视频", "ad": "公益广告"}


def is_reviewer(user):
    return user.is_active and (
        user.is_superuser or user.groups.filter(name__in=REVIEW_GROUPS).exists()
    )


def is_final_reviewer(user):
    return user.is_active and (
        user.is_superuser or user.groups.filter(name="终审").exists()
    )


def _require(check, request):
    if not check(request.user):
        raise PermissionDenied


def _item(task_state):
    obj = task_state.workflow_state.content_object
    return getattr(obj, "specific", obj)


def _creator_of(item, task_state):
    return getattr(item, "owner", None) or task_state.workflow_state.requested_by


def _age_class(started_at, now):
    hours = (now - started_at).total_seconds() / 3600
    sla = settings.PUFA_REVIEW_SLA_HOURS
    if hours >= sla:
        return "late", hours
    if hours >= sla / 2:
        return "due", hours
    return "fresh", hours


# Queue ----------------------------------------------------------------------


def queue(request):
    _require(is_reviewer, request)
    review_tasks = ReviewTask.objects.all()
    states = (
        TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS, task__in=review_tasks
        )
        .select_related("workflow_state", "revision", "task")
        .order_by("started_at")
    )
    kind = request.GET.get("kind", "")
    channel = request.GET.get("channel", "")
    creator = request.GET.get("creator", "")
    step = request.GET.get("step", "")
    now = timezone.now()
    rows, counts, creators_seen = [], {s.value: 0 for s in ReviewStep}, {}
    for state in states:
        task = state.task.specific
        item = _item(state)
        if item is None:
            continue
        counts[task.step] = counts.get(task.step, 0) + 1
        author = _creator_of(item, state)
        if author is not None:
            creators_seen[str(author.pk)] = author
        if step and task.step != step:
            continue
        if kind and getattr(item, "item_kind", "") != kind:
            continue
        if channel and channel not in getattr(item, "targeted_channels", []):
            continue
        if creator and str(getattr(author, "pk", "")) != creator:
            continue
        age_class, hours = _age_class(state.started_at, now)
        rows.append(
            {
                "state": state,
                "task": task,
                "item": item,
                "kind": KINDS.get(getattr(item, "item_kind", ""), "页面"),
                "author": author,
                "age_class": age_class,
                "hours": hours,
                "refusal": task.refusal_reason(state, request.user),
            }
        )
    from cms.models.items import Channel

    context = {
        "rows": rows,
        "counts": [(s, counts.get(s.value, 0)) for s in ReviewStep],
        "kinds": KINDS,
        "channels": Channel.choices,
        "creators": sorted(creators_seen.items()),
        "steps": ReviewStep.choices,
        "filters": {"kind": kind, "channel": channel, "creator": creator, "step": step},
        "sla_hours": settings.PUFA_REVIEW_SLA_HOURS,
    }
    return render(request, "moderation/admin/queue.html", context)


def _inline_diff(old, new):
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    parts = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(old[a1:a2]))
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(old[a1:a2])}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(new[b1:b2])}</ins>")
    return mark_safe("".join(parts))


def _field_text(content, field):
    value = content.get(field) or ""
    if field in RICH_FIELDS and isinstance(value, str) and value.startswith("["):
        try:
            blocks = json.loads(value)
        except ValueError:
            blocks = []
        from .checks import _strings

        value = "\n".join(strip_tags(text) for text in _strings(blocks))
    return strip_tags(value) if isinstance(value, str) else str(value)


def content_diff(old_content, new_content):
    """Return [(label, old text, diff html)] for the texts that changed."""
    rows = []
    for field, label in {**TEXT_FIELDS, **RICH_FIELDS}.items():
        new = _field_text(new_content, field)
        old = _field_text(old_content or {}, field)
        if old != new:
            rows.append((label, old, _inline_diff(old, new)))
    return rows


def _outcome(task, action):
    if action != "approve":
        return "已退回"
    return "已签发" if task.step == ReviewStep.FINAL else "已通过"


def review(request, task_state_id):
    _require(is_reviewer, request)
    state = get_object_or_404(
        TaskState.objects.select_related("workflow_state", "revision", "task"),
        pk=task_state_id,
    )
    task = state.task.specific
    if not isinstance(task, ReviewTask):
        raise Http404
    item = _item(state)
    form = ReviewActionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                task.on_action(
                    state,
                    request.user,
                    form.cleaned_data["action"],
                    comment=form.cleaned_data["comment"],
                )
            except PermissionDenied as error:
                messages.error(request, str(error) or "您不能审核此稿件。")
            else:
                messages.success(
                    request, f"“{item}”{_outcome(task, form.cleaned_data['action'])}。"
                )
                return redirect("moderation_admin:queue")
    live_revision = getattr(item, "live_revision", None)
    report = (
        CheckReport.objects.filter(
            task_state__workflow_state=state.workflow_state, revision=state.revision
        )
        .order_by("-created_at")
        .first()
    )
    context = {
        "state": state,
        "task": task,
        "item": item,
        "form": form,
        "refusal": task.refusal_reason(state, request.user)
        if state.status == TaskState.STATUS_IN_PROGRESS
        else "该环节已结束。",
        "diff": content_diff(
            live_revision.content if live_revision else {}, state.revision.content
        ),
        "compared_with": live_revision,
        "report": report,
        "signatures": ReviewSignature.objects.filter(
            task_state__workflow_state=state.workflow_state
        ).select_related("user"),
    }
    return render(request, "moderation/admin/review.html", context)


# Creators -------------------------------------------------------------------


def creator_list(request):
    _require(is_reviewer, request)
    status = request.GET.get("status", CreatorStatus.PENDING)
    profiles = CreatorProfile.objects.select_related("user")
    pending_renewal = Q(renewals__status=RenewalStatus.PENDING)
    if status == "renewal":
        profiles = profiles.filter(pending_renewal).distinct()
    elif status:
        profiles = profiles.filter(status=status)
    return render(
        request,
        "moderation/admin/creators.html",
        {
            "profiles": profiles,
            "status": status,
            "statuses": CreatorStatus.choices,
            "renewal_count": CreatorProfile.objects.filter(pending_renewal)
            .distinct()
            .count(),
        },
    )


def creator_detail(request, pk):
    _require(is_reviewer, request)
    profile = get_object_or_404(CreatorProfile.objects.select_related("user"), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                creators.approve(
                    profile, request.user, data["reason"], data["names_checked"]
                )
                messages.success(request, f"已批准创作者“{profile.real_name}”。")
            else:
                creators.reject(profile, request.user, data["reason"])
                messages.success(request, f"已驳回“{profile.real_name}”的申请。")
        except ValueError as error:
            messages.error(request, str(error))
        else:
            return redirect("moderation_admin:creators")
    renewal = profile.renewals.filter(status=RenewalStatus.PENDING).first()
    return render(
        request,
        "moderation/admin/creator.html",
        {"profile": profile, "form": form, "renewal": renewal},
    )


def renewal_decision(request, pk):
    _require(is_reviewer, request)
    renewal = get_object_or_404(
        CredentialRenewal.objects.select_related("profile__user"), pk=pk
    )
    form = RenewalDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        name = renewal.profile.real_name
        try:
            if data["decision"] == "approve":
                creators.approve_renewal(renewal, request.user, data["reason"])
                messages.success(request, f"已批准“{name}”的资质更新。")
            else:
                creators.reject_renewal(renewal, request.user, data["reason"])
                messages.success(request, f"已驳回“{name}”的资质更新。")
        except ValueError as error:
            messages.error(request, str(error))
    elif request.method == "POST":
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
    return redirect("moderation_admin:creator", renewal.profile_id)


def _private_file(name):
    storage = storages["private"]
    if not name or not storage.exists(name):
        raise Http404
    response = FileResponse(storage.open(name, "rb"))
    response["Cache-Control"] = "private, no-store"
    return response


def renewal_scan(request, pk):
    _require(is_reviewer, request)
    renewal = get_object_or_404(CredentialRenewal, pk=pk)
    response = _private_file(renewal.credential_scan)
    creators.record(
        "creator.scan_viewed",
        actor=request.user,
        obj=renewal.profile,
        data={"renewal": renewal.pk},
    )
    return response


def creator_scan(request, pk):
    _require(is_reviewer, request)
    profile = get_object_or_404(CreatorProfile, pk=pk)
    response = _private_file(profile.credential_scan)
    creators.record("creator.scan_viewed", actor=request.user, obj=profile)
    return response


# Retraction -----------------------------------------------------------------


def _item_by_ref(app_label, model_name, pk):
    content_type = get_object_or_404(ContentType, app_label=app_label, model=model_name)
    model = content_type.model_class()
    if model is None:
        raise Http404
    item = get_object_or_404(model, pk=pk)
    return getattr(item, "specific", item)


def _user_can_request_retraction(user, item):
    if user.is_superuser:
        return True
    if isinstance(item, Page):
        perms = item.permissions_for_user(user)
        return perms.can_edit()
    meta = item._meta
    return user.has_perm(f"{meta.app_label}.change_{meta.model_name}")


def retraction_request(request, app_label, model_name, pk):
    item = _item_by_ref(app_label, model_name, pk)
    if not (
        _user_can_request_retraction(request.user, item) or is_reviewer(request.user)
    ):
        raise PermissionDenied
    form = RetractionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retraction.request_retraction(
                item, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已提交“{item}”的撤稿申请，等待终审批准。")
            return redirect("moderation_admin:retractions")
    return render(
        request,
        "moderation/admin/retraction_request.html",
        {"item": item, "form": form},
    )


def retraction_list(request):
    user = request.user
    if not (is_reviewer(user) or user.has_perm("wagtailadmin.access_admin")):
        raise PermissionDenied
    requests_ = RetractionRequest.objects.select_related("requested_by", "decided_by")
    if not is_final_reviewer(user):
        requests_ = requests_.filter(requested_by=user)
    form = RetractionDecisionForm(request.POST or None)
    if request.method == "POST":
        _require(is_final_reviewer, request)
        target = get_object_or_404(RetractionRequest, pk=request.POST.get("request"))
        if form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if form.cleaned_data["decision"] == "approve":
                    retraction.approve_retraction(target, user, note)
                    messages.success(
                        request, f"已批准并执行撤稿：{target.object_label}"
                    )
                else:
                    retraction.reject_retraction(target, user, note)
                    messages.success(request, f"已驳回撤稿申请：{target.object_label}")
            except (ValueError, PermissionDenied) as error:
                messages.error(request, str(error))
            except Exception:
                logger.exception("retraction failed request=%s", target.pk)
                RetractionRequest.objects.filter(pk=target.pk).update(
                    status=RetractionStatus.FAILED
                )
                messages.error(request, "撤稿执行失败，已记录，请联系管理员。")
        return redirect("moderation_admin:retractions")
    return render(
        request,
        "moderation/admin/retractions.html",
        {
            "pending": requests_.filter(status=RetractionStatus.PENDING),
            "done": requests_.exclude(status=RetractionStatus.PENDING)[:100],
            "can_decide": is_final_reviewer(user),
        },
    )


# Audit ----------------------------------------------------------------------


def audit(request):
    _require(is_final_reviewer, request)
    status = verify_chain()
    page = Paginator(AuditEntry.objects.order_by("-seq"), 50).get_page(
        request.GET.get("p")
    )
    return render(
        request, "moderation/admin/audit.html", {"status": status, "page": page}
    )


class _Echo:
    def write(self, value):
        return value


def audit_csv(request):
    _require(is_final_reviewer, request)
    writer = csv.writer(_Echo())
    header = [
        "seq",
        "created_at",
        "action",
        "actor_id",
        "actor",
        "object_type",
        "object_id",
        "object",
        "data",
        "prev_hash",
        "entry_hash",
    ]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    entry.seq,
                    entry.created_at.isoformat(),
                    entry.action,
                    entry.actor_id or "",
                    entry.actor_label,
                    entry.object_type,
                    entry.object_id,
                    entry.object_label,
                    json.dumps(entry.data, ensure_ascii=False, sort_keys=True),
                    entry.prev_hash,
                    entry.entry_hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pufa-audit.csv"'
    return response


# Inbox and terms ------------------------------------------------------------


def inbox(request):
    if request.method == "POST":
        InboxMessage.objects.filter(user=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return redirect("moderation_admin:inbox")
    page = Paginator(InboxMessage.objects.filter(user=request.user), 30).get_page(
        request.GET.get("p")
    )
    return render(request, "moderation/admin/inbox.html", {"page": page})


def term_import(request):
    _require(is_final_reviewer, request)
    form = TermImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            category = data["category"]
            if category is None:
                category, _ = TermCategory.objects.get_or_create(
                    name=data["new_category"].strip(),
                    defaults={"action": data["action"]},
                )
            existing = set(category.terms.values_list("text", flat=True))
            new_terms = [t for t in dict.fromkeys(data["file"]) if t not in existing]
            Term.objects.bulk_create(
                [Term(category=category, text=text) for text in new_terms]
            )
        creators.record(
            "terms.import",
            actor=request.user,
            obj=category,
            data={
                "added": len(new_terms),
                "skipped": len(data["file"]) - len(new_terms),
            },
        )
        messages.success(
            request,
            f"已导入 {len(new_terms)} 个词到“{category.name}”，"
            f"{len(data['file']) - len(new_terms)} 个已存在而跳过。",
        )
        return redirect("moderation_admin:term_import")
    categories = TermCategory.objects.all()
    return render(
        request,
        "moderation/admin/term_import.html",
        {"form": form, "categories": categories},
    )
