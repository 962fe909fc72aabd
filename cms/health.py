"""Health checks behind ``/healthz``.

Other apps add their own checks with :func:`register_check` from their
``AppConfig.ready()`` (the channels app reports its oldest pending delivery),
so this module needs to know nothing of them.
"""

import logging
import time
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

logger = logging.getLogger("pufa.health")

_checks = {}

# A worker lag beyond this many seconds makes the service unhealthy.
WORKER_LAG_LIMIT = 300


def register_check(name, func):
    """Register ``func() -> (ok: bool, detail: dict)`` under ``name``."""
    _checks[name] = func


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, {"vendor": connection.vendor}


def check_cache():
    key = f"pufa:healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    ok = cache.get(key) == "ok"
    cache.delete(key)
    return ok, {}


def check_storage():
    details = {}
    ok = True
    for alias in ("public", "private"):
        storage = storages[alias]
        name = storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        try:
            with storage.open(name) as handle:
                ok = ok and handle.read() == b"ok"
        finally:
            storage.delete(name)
        details[alias] = "ok"
    return ok, details


def check_worker_lag():
    from django.conf import settings

    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return True, {"backend": "rq"}
    from django_tasks_db.models import DBTaskResult

    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    lag = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return lag <= WORKER_LAG_LIMIT, {"seconds": round(lag, 1)}


register_check("database", check_database)
register_check("cache", check_cache)
register_check("storage", check_storage)
register_check("worker_lag", check_worker_lag)


def run_checks():
    """Run every check; return (healthy, {name: {"ok": …, …}})."""
    results = {}
    healthy = True
    for name, func in _checks.items():
        started = time.monotonic()
        try:
            ok, detail = func()
        except Exception as exc:
            logger.exception("health check failed check=%s", name)
            ok, detail = False, {"error": exc.__class__.__name__}
        detail = {"ok": bool(ok), **detail}
        detail["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = detail
        healthy = healthy and ok
    return healthy, results
