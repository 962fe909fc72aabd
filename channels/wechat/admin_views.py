"""The WeChat desk in the admin: compose posts, follow them, see each account.

Channel publishers (渠道发布) pick up to eight queued items of an account, put
them in order (the first is the headline article) and compose a post; the
outbox then sends it. The same page shows every account's health, pause and
today's quota, and the recent posts with their state.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from channels.models import Delivery, DeliveryState, Destination

from . import posts
from .adapter import WeChatAdapter
from .client import DAILY_QUOTAS, shanghai_day
from .models import WeChatPost, WeChatQuotaUsage

PUBLISHER_GROUP = "渠道发布"
QUOTA_LABELS = {
    "draft/add": "新建草稿",
    "freepublish/submit": "提交发布",
    "freepublish/get": "查询发布状态",
    "freepublish/delete": "删除文章",
}


def can_publish(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.groups.filter(name=PUBLISHER_GROUP).exists()
    )


def _require_publisher(request):
    if not can_publish(request.user):
        raise PermissionDenied("只有渠道发布人员可以编排微信推送。")


def _account_rows():
    today = shanghai_day()
    usage = {}
    for row in WeChatQuotaUsage.objects.filter(day=today):
        usage.setdefault(row.destination_id, {})[row.api] = row.calls
    accounts = []
    now = timezone.now()
    for destination in Destination.objects.filter(channel="wechat").select_related(
        "wechat_health"
    ):
        limits = {**DAILY_QUOTAS, **(destination.config or {}).get("quotas", {})}
        quota = [
            {
                "api": api,
                "label": QUOTA_LABELS.get(api, api),
                "used": usage.get(destination.pk, {}).get(api, 0),
                "limit": limit,
                "percent": min(100, round(100 * usage.get(destination.pk, {}).get(api, 0)
                                          / max(1, limit))),
            }
            for api, limit in limits.items()
        ]
        held = (
            Delivery.objects.filter(
                destination=destination, held=True, state=DeliveryState.PENDING
            )
            .order_by("created_at")
        )
        accounts.append(
            {
                "destination": destination,
                "health": getattr(destination, "wechat_health", None),
                "paused": destination.paused_until
                if destination.paused_until and destination.paused_until > now
                else None,
                "quota": quota,
                "held": list(held[:50]),
                "posts": list(
                    WeChatPost.objects.filter(destination=destination)
                    .prefetch_related("articles__delivery")[:10]
                ),
            }
        )
    return accounts


def desk(request):
    _require_publisher(request)
    if request.method == "POST":
        return _compose(request)
    return TemplateResponse(
        request,
        "wechat/admin/desk.html",
        {"admin_title": "微信推送", "accounts": _account_rows()},
    )


def _compose(request):
    destination = get_object_or_404(
        Destination, pk=request.POST.get("destination"), channel="wechat"
    )
    chosen = []
    for value in request.POST.getlist("delivery"):
        order = request.POST.get(f"order-{value}", "")
        chosen.append((int(order) if order.isdigit() else 99, len(chosen), value))
    rows = [
        Delivery.objects.filter(pk=value, destination=destination).first()
        for _order, _seen, value in sorted(chosen)
    ]
    if not chosen or None in rows:
        messages.error(request, "请至少选择一篇待推送的稿件。")
        return redirect("wechat_admin:desk")
    try:
        post = posts.compose_post(destination, rows, user=request.user)
    except ValidationError as error:
        messages.error(request, "无法编排推送：" + "；".join(error.messages))
        return redirect("wechat_admin:desk")
    messages.success(
        request,
        f"已编排推送（{len(rows)} 篇，头条：{rows[0].item_title}），正在发送到 {destination.name}。",
    )
    return redirect(f"{request.path}#post-{post.pk}")


def preview(request, delivery_id):
    _require_publisher(request)
    delivery = get_object_or_404(Delivery, pk=delivery_id, destination__channel="wechat")
    html = WeChatAdapter(delivery.destination).preview(delivery.item())
    return HttpResponse(html)
