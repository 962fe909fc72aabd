"""Fixtures of the channel engine tests: destinations and a loopback receiver."""

import json
import os
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def _scratch_dir():
    # Migrating a file database is slow on a busy disk; memory-backed is not.
    return "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()


def pytest_configure(config):
    """Give SQLite test runs a database file, so worker subprocesses can share it."""
    from django.conf import settings

    if os.environ.get("PUFA_TEST_MEMORY_DB"):
        return
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and not database.get("TEST", {}).get(
        "NAME"
    ):
        database.setdefault("TEST", {})["NAME"] = os.environ.get(
            "PUFA_TEST_SQLITE_NAME"
        ) or os.path.join(_scratch_dir(), f"pufa-channels-test-{os.getpid()}.sqlite3")


@pytest.fixture
def make_destination(db):
    from channels.models import Destination

    counter = iter(range(1, 10_000))

    def make(channel="web", slug=None, **kwargs):
        credentials = kwargs.pop("credentials", None)
        destination = Destination(
            channel=channel,
            name=kwargs.pop("name", f"{channel} 测试"),
            slug=slug or f"{channel}-{next(counter)}",
            **kwargs,
        )
        if credentials:
            destination.set_credentials(credentials)
        destination.save()
        return destination

    return make


class Receiver:
    """A loopback webhook receiver that applies each idempotency key once."""

    def __init__(self):
        self.requests = []
        self.applied = {}
        self.fail_next = 0
        self.status = 200
        self.hold = threading.Event()
        self.hold.set()
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                key = self.headers.get("webhook-id", "")
                with receiver.lock:
                    receiver.requests.append(
                        {"key": key, "headers": dict(self.headers), "body": body}
                    )
                    failing = receiver.fail_next > 0
                    if failing:
                        receiver.fail_next -= 1
                receiver.arrived.set()
                receiver.hold.wait(30)
                if failing:
                    status = 503
                else:
                    with receiver.lock:
                        if key not in receiver.applied:
                            receiver.applied[key] = json.loads(body or b"{}")
                    status = receiver.status
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                payload = json.dumps({"ok": status < 300}).encode()
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def keys(self):
        with self.lock:
            return [r["key"] for r in self.requests]

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def pytest_unconfigure(config):
    """Remove the WAL side files that outlive the test database file."""
    name = os.path.join(_scratch_dir(), f"pufa-channels-test-{os.getpid()}.sqlite3")
    for suffix in ("-wal", "-shm"):
        if os.path.exists(name + suffix) and not os.path.exists(name):
            os.unlink(name + suffix)
