"""The health of the WeChat accounts, as ``/healthz`` reports it."""

from django.utils import timezone

from channels.models import Destination


def check_accounts():
    """Return (ok, detail): not ok while an account needs a person's attention.

    A paused account (daily or per-minute quota) is reported but is healthy:
    it resumes by itself.
    """
    detail = {}
    ok = True
    now = timezone.now()
    for destination in Destination.objects.filter(channel="wechat", active=True).select_related(
        "wechat_health"
    ):
        health = getattr(destination, "wechat_health", None)
        entry = {"state": "ok"}
        if destination.paused_until and destination.paused_until > now:
            entry = {"state": "paused", "until": destination.paused_until.isoformat()}
        if health is not None and health.needs_attention:
            entry = {"state": "needs_attention", "code": health.last_error_code}
            ok = False
        detail[destination.slug] = entry
    return ok, detail
