"""The one scheduler loop behind ``manage.py pufa_scheduler``.

Apps register periodic jobs with :func:`register_periodic` from their
``AppConfig.ready()``; the loop runs each when it is due. With PostgreSQL an
advisory lock keeps a single scheduler active among several instances; the
others wait as hot standbys.

The lock belongs to a database session, so it is held on a connection of its
own: the jobs' connection is closed by ``close_old_connections()`` between
jobs (``CONN_MAX_AGE``), which would release a lock taken there. Before each
round :meth:`Leadership.check` asks that connection whether the lock is still
held; when the connection dropped (a restart of PostgreSQL, a network cut, an
idle timeout) the lock went with it, and the scheduler steps down and competes
for it again like a standby.
"""

import logging
import time
from dataclasses import dataclass, field

from django.db import DatabaseError, close_old_connections, connections

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


class Leadership:
    """The advisory lock that makes one scheduler instance the one that runs jobs.

    ``connect`` returns a new, unregistered Django database connection; by
    default one to the ``default`` database that ``close_old_connections()``
    never sees. SQLite has no such lock and runs a single instance: there
    every check answers True.
    """

    def __init__(self, connect=None, lock_id=ADVISORY_LOCK_ID):
        self.connect = connect or (lambda: connections.create_connection("default"))
        self.lock_id = lock_id
        self.connection = None
        self.is_leader = False

    def check(self) -> bool:
        """Return whether this instance leads now, taking the lock when free."""
        if self.connection is None:
            self.connection = self.connect()
        if self.connection.vendor != "postgresql":
            self.is_leader = True
            return True
        try:
            with self.connection.cursor() as cursor:
                if self.is_leader and self._still_held(cursor):
                    return True
                self._step_down("lock no longer held")
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.lock_id])
                self.is_leader = bool(cursor.fetchone()[0])
        except DatabaseError:
            logger.exception("leadership check failed")
            self._step_down("database connection lost")
            self.close()
            return False
        if self.is_leader:
            logger.info("scheduler leads lock=%s", self.lock_id)
        return self.is_leader

    def _still_held(self, cursor) -> bool:
        # A bigint advisory key shows as classid (high half) and objid (low).
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s AND objid = %s AND objsubid = 1"
            " AND pid = pg_backend_pid() AND granted",
            [self.lock_id >> 32, self.lock_id & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0] > 0

    def _step_down(self, reason):
        if self.is_leader:
            logger.warning("scheduler steps down reason=%s", reason)
        self.is_leader = False

    def close(self):
        """Give the lock up (it goes with the session) and drop the connection."""
        if self.connection is not None:
            try:
                self.connection.close()
            except DatabaseError:
                logger.exception("closing the leadership connection failed")
        self.connection = None
        self.is_leader = False


def publish_scheduled():
    """Publish pages and snippets whose go-live time has come, unpublish expired."""
    from django.core.management import call_command

    call_command("publish_scheduled", verbosity=0)


register_periodic("publish_scheduled", 5, publish_scheduled)
