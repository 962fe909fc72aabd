"""The one scheduler loop behind ``manage.py pufa_scheduler``.

Apps register periodic jobs with :func:`register_periodic` from their
``AppConfig.ready()``; the loop runs each when it is due. With PostgreSQL an
advisory lock keeps a single scheduler active among several instances; the
others wait as hot standbys.
"""

import logging
import time
from dataclasses import dataclass, field

from django.db import close_old_connections, connection

logger = logging.getLogger("pufa.scheduler")

ADVISORY_LOCK_ID = 0x50554641  # "PUFA"


@dataclass
class PeriodicJob:
    name: str
    interval: float
    func: object
    next_run: float = field(default=0.0)


_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name, interval, func):
    """Run ``func()`` every ``interval`` seconds in the scheduler loop."""
    _jobs[name] = PeriodicJob(name=name, interval=interval, func=func)


def registered_jobs():
    return dict(_jobs)


def run_due_jobs(now=None):
    """Run every job that is due; return the names that ran."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in _jobs.values():
        if now < job.next_run:
            continue
        job.next_run = now + job.interval
        close_old_connections()
        try:
            job.func()
        except Exception:
            logger.exception("periodic job failed job=%s", job.name)
        ran.append(job.name)
    return ran


def acquire_leadership():
    """Return True if this process may run the jobs (always on SQLite)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_ID])
        return bool(cursor.fetchone()[0])


def publish_scheduled():
    """Publish pages and snippets whose go-live time has come, unpublish expired."""
    from django.core.management import call_command

    call_command("publish_scheduled", verbosity=0)


register_periodic("publish_scheduled", 5, publish_scheduled)
