"""The admin home page's 工作台 (workbench): what needs this person today.

One panel, built for whoever opens the admin, with only the parts that
concern them:

- reviewers: the 三审 queue by step, as bars, with the longest wait;
- everyone: their own items (drafts, in review, published this week);
- uploaders: their short videos by pipeline status;
- channel publishers, editors and administrators: deliveries of the last
  24 hours per channel (delivered / waiting / failed), as stacked bars.

Each part is a handful of aggregate queries; a part that has nothing to show
says so instead of disappearing, so the page reads the same every day.
"""

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component
from wagtail.models import Page, TaskState

WAITING = ("pending", "sending", "awaiting_confirmation")
TROUBLE = ("failed", "rejected", "uncertain")
CHANNEL_GROUPS = ("渠道发布", "编辑")


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def review_queue():
    """Return the in-progress review tasks per step, oldest start, total."""
    from moderation.models import ReviewStep, ReviewTask

    steps = dict(
        TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS,
            task__in=ReviewTask.objects.all(),
        )
        .values_list("task__reviewtask__step")
        .annotate(count=Count("id"))
    )
    oldest = TaskState.objects.filter(
        status=TaskState.STATUS_IN_PROGRESS, task__in=ReviewTask.objects.all()
    ).aggregate(oldest=Min("started_at"))["oldest"]
    widest = max(steps.values(), default=0)
    rows = [
        {
            "label": label,
            "count": steps.get(value, 0),
            "width": _percent(steps.get(value, 0), widest),
        }
        for value, label in ReviewStep.choices
    ]
    hours = None
    if oldest:
        hours = int((timezone.now() - oldest).total_seconds() // 3600)
    return {
        "rows": rows,
        "total": sum(steps.values()),
        "oldest_hours": hours,
        "url": reverse("moderation_admin:queue"),
    }


def own_items(user):
    """Return counts of the user's pages: drafts, in review, published this week."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Exists, OuterRef
    from django.db.models.functions import Cast
    from wagtail.models import WorkflowState

    week = timezone.now() - timedelta(days=7)
    in_review = WorkflowState.objects.filter(
        status=WorkflowState.STATUS_IN_PROGRESS,
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id=Cast(OuterRef("pk"), CharField()),
    )
    mine = Page.objects.filter(owner=user, depth__gt=2).annotate(
        reviewing=Exists(in_review)
    )
    counts = mine.aggregate(
        drafts=Count(
            "id", filter=Q(live=False, has_unpublished_changes=True, reviewing=False)
        ),
        in_review=Count("id", filter=Q(reviewing=True)),
        published=Count("id", filter=Q(live=True, last_published_at__gte=week)),
    )
    recent = list(
        Page.objects.filter(owner=user, depth__gt=2)
        .order_by("-latest_revision_created_at")
        .specific(defer=True)[:5]
    )
    return {**counts, "recent": recent}


def own_videos(user):
    from media_pipeline.models import Video, VideoStatus

    counts = dict(
        Video.objects.filter(uploaded_by=user)
        .values_list("status")
        .annotate(count=Count("id"))
    )
    busy = sum(
        counts.get(s, 0)
        for s in (VideoStatus.UPLOADING, VideoStatus.PROBING, VideoStatus.PROCESSING)
    )
    return {
        "busy": busy,
        "ready": counts.get(VideoStatus.READY, 0),
        "failed": counts.get(VideoStatus.FAILED, 0),
        "upload_url": reverse("media_pipeline_upload"),
    }


def recent_deliveries(hours=24):
    """Return per-channel delivered / waiting / trouble counts since ``hours`` ago."""
    from channels.models import Delivery
    from cms.models.items import Channel

    since = timezone.now() - timedelta(hours=hours)
    counts = (
        Delivery.objects.filter(created_at__gte=since)
        .values("destination__channel")
        .annotate(
            delivered=Count("id", filter=Q(state="delivered")),
            waiting=Count("id", filter=Q(state__in=WAITING)),
            trouble=Count("id", filter=Q(state__in=TROUBLE)),
        )
    )
    labels = dict(Channel.choices)
    rows = []
    for row in counts:
        total = row["delivered"] + row["waiting"] + row["trouble"]
        if not total:
            continue
        rows.append(
            {
                "label": labels.get(
                    row["destination__channel"], row["destination__channel"]
                ),
                "delivered": row["delivered"],
                "waiting": row["waiting"],
                "trouble": row["trouble"],
                "total": total,
            }
        )
    widest = max((r["total"] for r in rows), default=0)
    for row in rows:
        scale = _percent(row["total"], widest) / 100
        row["delivered_width"] = round(
            _percent(row["delivered"], row["total"]) * scale, 1
        )
        row["waiting_width"] = round(_percent(row["waiting"], row["total"]) * scale, 1)
        row["trouble_width"] = round(_percent(row["trouble"], row["total"]) * scale, 1)
    rows.sort(key=lambda r: (-r["trouble"], -r["total"], r["label"]))
    return {
        "rows": rows,
        "trouble": sum(r["trouble"] for r in rows),
        "url": reverse("channels_admin:dashboard"),
        "trouble_url": reverse("channels_admin:dashboard") + "?state=failed",
    }


class WorkbenchPanel(Component):
    name = "pufa_workbench"
    template_name = "cms/admin/workbench_panel.html"
    order = 50

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        from moderation.admin_views import is_reviewer

        user = self.user
        groups = set(user.groups.values_list("name", flat=True))
        context = {"user": user}
        if is_reviewer(user):
            context["queue"] = review_queue()
        context["items"] = own_items(user)
        if user.has_perm("media_pipeline.add_video"):
            context["videos"] = own_videos(user)
        if user.is_superuser or groups & set(CHANNEL_GROUPS):
            context["deliveries"] = recent_deliveries()
        return context
