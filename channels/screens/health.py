"""The screens' line in ``/healthz``: offline devices and unconfirmed removals.

An offline screen is an operations alert (admin → 屏幕监控), not a fault of
the service, so this check reports the numbers and never fails the probe.
"""

from datetime import timedelta

from django.utils import timezone

from .models import DeviceStatus, RemovalWait, ScreenDevice


def check_screens():
    now = timezone.now()
    devices = ScreenDevice.objects.filter(
        status=DeviceStatus.APPROVED, group__isnull=False
    )
    offline = 0
    for last_seen, limit in devices.values_list(
        "last_seen_at", "group__offline_after_seconds"
    ):
        if last_seen is None or now - last_seen > timedelta(seconds=limit):
            offline += 1
    waiting = RemovalWait.objects.filter(confirmed_at__isnull=True).count()
    return True, {
        "devices": devices.count(),
        "offline": offline,
        "unconfirmed_removals": waiting,
    }
