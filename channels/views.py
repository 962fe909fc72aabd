"""Admin screens: delivery dashboard, publishers' desk, per-item channel view."""

import logging
from collections import OrderedDict
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from . import services
from .adapters import get_adapter_class, registered_channels
from .corrections import plan_for_item
from .health import oldest_pending_seconds
from .models import (
    FINAL_STATES,
    AppClient,
    Delivery,
    DeliveryState,
    Destination,
    PartnerFeedToken,
)
from .validation import validate_item

logger = logging.getLogger("pufa.channels")

PUBLISHER_GROUP = "渠道发布"
MATRIX_ITEMS = 40


def is_channel_publisher(user) -> bool:
    return user.is_superuser or user.groups.filter(name=PUBLISHER_GROUP).exists()


def publisher_only(view):
    """Refuse an action to anyone outside the channel publishers, with a message."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_channel_publisher(request.user):
            messages.error(request, "只有渠道发布人员可以执行此操作。")
            return redirect("channels_admin:dashboard")
        return view(request, *args, **kwargs)

    return wrapped


def destination_health(destination, since):
    counts = Delivery.objects.filter(
        destination=destination, updated_at__gte=since
    ).aggregate(
        delivered=Count("id", filter=Q(state=DeliveryState.DELIVERED)),
        failed=Count(
            "id", filter=Q(state__in=[DeliveryState.FAILED, DeliveryState.REJECTED])
        ),
        pending=Count("id", filter=Q(state=DeliveryState.PENDING, held=False)),
        held=Count("id", filter=Q(state=DeliveryState.PENDING, held=True)),
        uncertain=Count(
            "id",
            filter=Q(
                state__in=[DeliveryState.UNCERTAIN, DeliveryState.AWAITING_CONFIRMATION]
            ),
        ),
    )
    oldest = (
        Delivery.objects.filter(
            destination=destination, state=DeliveryState.PENDING, held=False
        )
        .exclude(scheduled_for__gt=timezone.now())
        .aggregate(m=Min("created_at"))["m"]
    )
    finished = counts["delivered"] + counts["failed"]
    rate = round(100 * counts["delivered"] / finished) if finished else None
    return {
        "destination": destination,
        **counts,
        "success_rate": rate,
        "oldest_pending": int((timezone.now() - oldest).total_seconds())
        if oldest
        else None,
    }


def dashboard(request):
    """Item × destination matrix with states, receipts, errors and health."""
    destinations = list(Destination.objects.all())
    state = request.GET.get("state", "")
    rows = Delivery.objects.select_related("destination").order_by("-id")
    if state in DeliveryState.values:
        rows = rows.filter(state=state)
    items = OrderedDict()
    for row in rows[:2000]:
        key = (row.content_type_id, row.object_id)
        if key not in items:
            if len(items) >= MATRIX_ITEMS:
                continue
            items[key] = {"title": row.item_title, "key": key, "cells": {}}
        cells = items[key]["cells"]
        # Rows are newest first: the first one seen is the cell's current state.
        cells.setdefault(row.destination_id, row)
    matrix = [
        {
            **item,
            "row_cells": [item["cells"].get(d.pk) for d in destinations],
            "ct": item["key"][0],
            "oid": item["key"][1],
        }
        for item in items.values()
    ]
    since = timezone.now() - timedelta(hours=24)
    health = [destination_health(d, since) for d in destinations]
    peak = max([h["delivered"] + h["failed"] for h in health] + [1])
    for h in health:
        h["delivered_pct"] = round(100 * h["delivered"] / peak)
        h["failed_pct"] = round(100 * h["failed"] / peak)
    context = {
        "admin_title": "分发看板",
        "destinations": destinations,
        "matrix": matrix,
        "health": health,
        "states": DeliveryState.choices,
        "state": state,
        "oldest_pending": oldest_pending_seconds(),
        "can_act": is_channel_publisher(request.user),
        "final_states": FINAL_STATES,
    }
    return render(request, "channels/admin/dashboard.html", context)


def delivery_detail(request, pk):
    delivery = get_object_or_404(Delivery.objects.select_related("destination"), pk=pk)
    return render(
        request,
        "channels/admin/delivery.html",
        {
            "admin_title": f"分发记录 #{delivery.pk}",
            "delivery": delivery,
            "events": delivery.events.select_related("actor"),
            "can_act": is_channel_publisher(request.user),
        },
    )


@require_POST
@publisher_only
def retry(request, pk):
    delivery = get_object_or_404(Delivery, pk=pk)
    if services.retry_delivery(delivery, user=request.user):
        messages.success(request, f"已重新排队：{delivery.item_title}")
    else:
        messages.error(request, "只有失败、被拒绝或结果未知的记录可以重试。")
    return redirect(request.POST.get("next") or "channels_admin:dashboard")


@require_POST
@publisher_only
def cancel(request, pk):
    delivery = get_object_or_404(Delivery, pk=pk)
    if services.cancel_delivery(delivery, user=request.user):
        messages.success(request, f"已取消：{delivery.item_title}")
    else:
        messages.error(request, "该记录已在发送或已完成，不能取消。")
    return redirect(request.POST.get("next") or "channels_admin:dashboard")


def desk(request):
    """Every destination's queue of approved items, what is scheduled and sent."""
    now = timezone.now()
    columns = []
    for destination in Destination.objects.filter(active=True):
        base = Delivery.objects.filter(destination=destination)
        columns.append(
            {
                "destination": destination,
                "queue": base.filter(state=DeliveryState.PENDING, held=True).order_by(
                    "id"
                ),
                "scheduled": base.filter(state=DeliveryState.PENDING, held=False)
                .exclude(action="retract")
                .order_by("scheduled_for", "slot", "position"),
                "sent": base.filter(
                    state__in=[
                        DeliveryState.DELIVERED,
                        DeliveryState.AWAITING_CONFIRMATION,
                        DeliveryState.SENDING,
                    ]
                ).order_by("-updated_at")[:10],
            }
        )
    return render(
        request,
        "channels/admin/desk.html",
        {
            "admin_title": "渠道编排台",
            "columns": columns,
            "now": now,
            "can_act": is_channel_publisher(request.user),
        },
    )


@require_POST
@publisher_only
def schedule(request, destination_id):
    destination = get_object_or_404(Destination, pk=destination_id)
    picked = [pk for pk in request.POST.getlist("delivery") if pk.isdigit()]
    order = {pk: request.POST.get(f"order-{pk}", "") for pk in picked}
    picked.sort(
        key=lambda pk: (int(order[pk]) if order[pk].isdigit() else 999, int(pk))
    )
    when_raw = request.POST.get("scheduled_for", "").strip()
    when = None
    if when_raw:
        when = parse_datetime(when_raw)
        if when is None:
            messages.error(request, "发送时间格式不正确，请重新选择。")
            return redirect("channels_admin:desk")
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
    try:
        rows = services.schedule_curated(
            destination,
            [int(pk) for pk in picked],
            user=request.user,
            scheduled_for=when,
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已编排 {len(rows)} 篇稿件到“{destination.name}”。")
    return redirect("channels_admin:desk")


@require_POST
@publisher_only
def unschedule(request, pk):
    delivery = get_object_or_404(Delivery, pk=pk)
    if services.unschedule(delivery, user=request.user):
        messages.success(request, "已撤回编排，稿件回到待编排队列。")
    else:
        messages.error(request, "该稿件已发送或不属于人工编排队列。")
    return redirect("channels_admin:desk")


def _item_or_404(content_type_id, object_id):
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is None:
        raise Http404
    instance = model._default_manager.filter(pk=object_id).first()
    if instance is None:
        raise Http404("稿件不存在。")
    if hasattr(instance, "specific"):
        instance = instance.specific
    if not hasattr(instance, "targeted_channels"):
        raise Http404("这不是稿件。")
    return instance


def item_channels(request, content_type_id, object_id):
    """The item as each targeted channel will get it, findings and correction plan."""
    item = _item_or_404(content_type_id, object_id)
    latest = (
        item.get_latest_revision_as_object()
        if hasattr(item, "get_latest_revision_as_object")
        else item
    )
    previews = []
    findings = validate_item(latest)
    for channel in latest.targeted_channels:
        entry = {"channel": channel, "label": channel, "html": "", "findings": []}
        if channel in registered_channels():
            destination = Destination.objects.filter(
                channel=channel, active=True
            ).first()
            adapter = get_adapter_class(channel)(destination)
            entry["label"] = adapter.label or channel
            try:
                entry["html"] = adapter.preview(latest)
            except NotImplementedError:
                entry["html"] = ""
            except Exception:
                logger.exception("preview failed channel=%s", channel)
                entry["error"] = "预览生成失败，请联系技术人员。"
        else:
            entry["error"] = "该渠道尚未接入。"
        entry["findings"] = [f for f in findings if f.channel == channel]
        previews.append(entry)
    deliveries = (
        Delivery.objects.for_item(item)
        .select_related("destination")
        .order_by("destination__name", "sequence")
    )
    return render(
        request,
        "channels/admin/item.html",
        {
            "admin_title": f"渠道预览：{item.title}",
            "item": item,
            "previews": previews,
            "plans": plan_for_item(latest),
            "deliveries": deliveries,
            "has_blocking": any(f.severity == "error" for f in findings),
        },
    )


def access(request):
    """App keys and partner feed tokens: issue, list, revoke."""
    return render(
        request,
        "channels/admin/access.html",
        {
            "admin_title": "客户端密钥与订阅令牌",
            "apps": AppClient.objects.order_by("name"),
            "tokens": PartnerFeedToken.objects.annotate(
                use_count=Count("uses")
            ).order_by("revoked_at", "outlet"),
            "can_act": is_channel_publisher(request.user),
        },
    )


@require_POST
@publisher_only
def issue_app_key(request):
    name = request.POST.get("name", "").strip()
    try:
        limit = int(request.POST.get("rate_limit_per_minute") or 120)
    except ValueError:
        limit = 0
    if not name or not 1 <= limit <= 100_000:
        messages.error(request, "请填写应用名称，每分钟请求上限须在 1 到 100000 之间。")
        return redirect("channels_admin:access")
    app = AppClient.objects.filter(name=name).first() or AppClient(name=name)
    app.rate_limit_per_minute = limit
    app.active = True
    key = app.issue_key()
    app.save()
    messages.success(request, f"“{name}”的新密钥（只显示这一次，请立即保存）：{key}")
    return redirect("channels_admin:access")


@require_POST
@publisher_only
def disable_app(request, pk):
    AppClient.objects.filter(pk=pk).update(active=False)
    messages.success(request, "已停用该应用的密钥。")
    return redirect("channels_admin:access")


@require_POST
@publisher_only
def issue_feed_token(request):
    outlet = request.POST.get("outlet", "").strip()
    if not outlet:
        messages.error(request, "请填写媒体名称。")
        return redirect("channels_admin:access")
    token = PartnerFeedToken(outlet=outlet)
    raw = token.issue()
    token.save()
    messages.success(request, f"“{outlet}”的订阅令牌（只显示这一次）：{raw}")
    return redirect("channels_admin:access")


@require_POST
@publisher_only
def revoke_feed_token(request, pk):
    PartnerFeedToken.objects.filter(pk=pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    messages.success(request, "令牌已撤销，使用它的订阅将立即失效。")
    return redirect("channels_admin:access")
