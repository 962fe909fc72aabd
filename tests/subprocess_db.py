"""The test database and settings for a subprocess a test starts (a worker).

A worker started with ``python manage.py …`` reads its settings from the
environment, so it sees neither the test database nor the per-test media
folders unless it is told. Usage::

    with shared_database(tmp_path) as database_url:
        worker = subprocess.Popen(command, env=subprocess_env(database_url))
        ...
    # On SQLite, what the worker wrote is in the test database from here on.
"""

import os
import sqlite3
from contextlib import contextmanager
from importlib import import_module

from django.conf import settings
from django.db import connection


@contextmanager
def shared_database(tmp_path):
    """Yield a DATABASE_URL a worker subprocess can use to reach the test DB.

    PostgreSQL: the test database itself. SQLite: the in-memory test database
    is copied to a file for the worker and copied back when it is done, so
    the test reads what the worker wrote only after the ``with`` block.
    """
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        yield f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        return
    path = tmp_path / "worker.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    yield f"sqlite:///{path}"
    source = sqlite3.connect(path)
    source.backup(connection.connection)
    source.close()


def subprocess_env(database_url, **extra):
    """Return the environment of a subprocess that works on the test's data.

    Besides the database and this test's media folders, the subprocess needs
    the keys of the fields encrypted at rest (``cms.encryption``: the
    ``PUFA_FIELD_KEYS``, or without them a key derived from ``SECRET_KEY``),
    or it cannot read a destination's credentials.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "PUBLIC_MEDIA_ROOT": str(settings.PUBLIC_MEDIA_ROOT),
        "PUFA_FIELD_KEYS": ",".join(settings.PUFA_FIELD_KEYS),
    }
    # Naming a SECRET_KEY turns on the production settings (static files from
    # the collectstatic manifest, HTTPS only), so the key is named only when
    # the test's differs from the one the inherited environment gives.
    inherited = import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    if settings.SECRET_KEY != inherited.SECRET_KEY:
        env["SECRET_KEY"] = settings.SECRET_KEY
    return {**env, **extra}
