"""The screen health page (屏幕监控) and device approval, in the Wagtail admin.

A device that registered from the pairing page (it holds a claim secret) is
found by the pairing code on its screen; approving it leaves the token for the
device to claim. Any other device gets its player URL shown here, once.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import (
    DeviceStatus,
    RemovalWait,
    ScreenDevice,
    ScreenGroup,
    normalise_pairing_code,
)
from .playlist import unconfirmed_devices

logger = logging.getLogger("pufa.screens")

OPERATOR_GROUP = "屏幕运维"


def user_can_operate_screens(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.groups.filter(name=OPERATOR_GROUP).exists()
    )


def _rows(now):
    rows = []
    for device in ScreenDevice.objects.select_related("group", "approved_by"):
        latest = device.group.latest_snapshot() if device.group else None
        rows.append(
            {
                "device": device,
                "offline": device.status == DeviceStatus.APPROVED
                and device.is_offline(now),
                "behind": bool(latest and device.reported_seq < latest.seq),
                "latest": latest.version if latest else "",
            }
        )
    return rows


def health(request):
    if not user_can_operate_screens(request.user):
        raise PermissionDenied
    now = timezone.now()
    rows = _rows(now)
    waits = []
    for wait in RemovalWait.objects.select_related("group")[:50]:
        waits.append(
            {
                "wait": wait,
                "pending": []
                if wait.confirmed_at
                else list(unconfirmed_devices(wait.group, wait.seq)),
            }
        )
    pairing_query = request.GET.get("code", "").strip()[:32]
    code = normalise_pairing_code(pairing_query)
    context = {
        "pairing_query": pairing_query,
        "match": ScreenDevice.objects.filter(pairing_code=code).first()
        if code
        else None,
        "rows": rows,
        "waits": waits,
        "groups": ScreenGroup.objects.all(),
        "offline_count": sum(1 for r in rows if r["offline"]),
        "pending_count": sum(
            1 for r in rows if r["device"].status == DeviceStatus.PENDING
        ),
        "now": now,
    }
    return TemplateResponse(request, "screens/admin/health.html", context)


@require_POST
def approve(request, device_id):
    if not user_can_operate_screens(request.user):
        raise PermissionDenied
    device = get_object_or_404(ScreenDevice, pk=device_id)
    group = ScreenGroup.objects.filter(pk=request.POST.get("group") or 0).first()
    if group is None:
        messages.error(request, "请先为设备选择屏幕组，再审核通过。")
        return redirect("screens_health")
    if device.status == DeviceStatus.APPROVED:
        # A second click must not replace the token a running player holds.
        messages.info(request, f"设备“{device.name}”已经启用。")
        return redirect("screens_health")

    name = request.POST.get("name", "").strip()[:128]
    location = request.POST.get("location", "").strip()[:255]
    device.name = name or device.name
    device.location = location or device.location
    device.group = group
    device.forget_reported_playlist()
    device.status = DeviceStatus.APPROVED
    device.approved_by = request.user
    device.approved_at = timezone.now()
    device.pairing_code = ""
    if device.is_paired_by_code:
        token = ""
        device.token_hash = ""  # Left for the device to claim, once.
    else:
        token = device.issue_token()
    device.save()

    logger.info("screen device approved device=%s group=%s", device.pk, group.slug)
    if token:
        player_url = request.build_absolute_uri(f"/screens/player/?device={token}")
        messages.success(
            request,
            f"设备“{device.name}”已启用。播放地址（只显示这一次，请立即配置到设备）：{player_url}",
        )
    else:
        messages.success(
            request,
            f"设备“{device.name}”已启用，加入“{group.name}”。"
            "屏幕会在几秒内自动领取播放令牌并开始播放，无需输入播放地址。",
        )
    return redirect("screens_health")


@require_POST
def revoke(request, device_id):
    if not user_can_operate_screens(request.user):
        raise PermissionDenied
    device = get_object_or_404(ScreenDevice, pk=device_id)

    device.status = DeviceStatus.REVOKED
    device.token_hash = ""
    device.forget_reported_playlist()
    device.save(
        update_fields=[
            "status",
            "token_hash",
            "reported_version",
            "reported_seq",
            "current_item",
        ]
    )
    # The player falls back to its pairing page, which shows this code.
    device.assign_pairing_code()

    logger.info("screen device revoked device=%s", device.pk)
    messages.success(
        request,
        f"设备“{device.name}”已停用，原播放地址立即失效；"
        "正在播放的屏幕会在下一次心跳后回到配对页面。",
    )
    return redirect("screens_health")


@require_POST
def remove(request, device_id):
    """Forget a device that is not playing and has no proof of play on record.

    Pending registrations pile up (a kiosk whose browser data was wiped
    registers anew); proof-of-play records are evidence and keep their device.
    """
    if not user_can_operate_screens(request.user):
        raise PermissionDenied
    device = get_object_or_404(ScreenDevice, pk=device_id)
    if device.status == DeviceStatus.APPROVED:
        messages.error(request, f"设备“{device.name}”正在使用，请先停用再移除。")
        return redirect("screens_health")
    if device.plays.exists():
        messages.error(
            request,
            f"设备“{device.name}”有播放记录（播出证明），不能移除；停用即可。",
        )
        return redirect("screens_health")
    name, pk = device.name, device.pk
    device.delete()
    logger.info("screen device removed device=%s", pk)
    messages.success(request, f"设备“{name}”已移除。")
    return redirect("screens_health")
