"""Fixtures of the web-site tests: indexing, content with taxonomy, a PURGE counter."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply; login checks still run the real code path."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def index_now():
    """Index pages at once, as the tasks worker would after a save."""
    from modelsearch import index

    def run(*pages):
        for page in pages:
            index.insert_or_update_object(type(page).objects.get(pk=page.pk))

    return run


@pytest.fixture
def topic(db):
    from cms.models import LegalTopic

    return LegalTopic.objects.create(name="民法典", slug="minfadian")


@pytest.fixture
def campaign_today(db):
    """A campaign whose window contains today, whatever the date of the run."""
    import datetime

    from django.utils import timezone

    from cms.models import Campaign

    today = timezone.localdate()
    start = today - datetime.timedelta(days=1)
    end = today + datetime.timedelta(days=1)
    return Campaign.objects.create(
        name="国家宪法日",
        slug="xianfari",
        description="弘扬宪法精神。",
        recurring_start=start.strftime("%m-%d"),
        recurring_end=end.strftime("%m-%d"),
    )


class _PurgeCounter(BaseHTTPRequestHandler):
    def do_PURGE(self):  # noqa: N802 - HTTP verb
        self.server.purged.append((self.headers.get("Host"), self.path))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def purge_server():
    """A loopback HTTP cache front that records the PURGE requests it gets."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PurgeCounter)
    server.purged = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
