"""Fixtures of the WeChat tests: the fake platform, accounts and items.

The fake WeChat server runs on loopback for each test. Its callbacks go to a
small inbox server on loopback, and :func:`deliver_callbacks` hands the exact
requests it received (query string, headers, body) to the Django view
through the test client, in any order a test wants; so callback tests keep
the database transaction of the test and run on SQLite and PostgreSQL alike.
"""

import io
import itertools
import json
import random
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.core.cache import cache
from django.core.files.images import ImageFile
from PIL import Image

from channels.wechat.crypto import new_encoding_aes_key
from channels.wechat.fake_server import FakeWeChatServer

_counter = itertools.count(1)


class CallbackInbox:
    """Collects the callback requests the fake platform sends."""

    def __init__(self):
        inbox = self
        self.received = []
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with inbox.lock:
                    inbox.received.append({"path": self.path, "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"success")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def wait(self, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} callbacks, got {len(self.received)}")

    def take(self, count=1, timeout=5.0):
        """Wait for ``count`` callbacks and remove them from the inbox."""
        received = self.wait(count, timeout)[:count]
        with self.lock:
            del self.received[:count]
        return received

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake():
    server = FakeWeChatServer(publish_delay=0.05).start()
    yield server
    server.stop()


@pytest.fixture
def inbox():
    box = CallbackInbox()
    yield box
    box.stop()


@pytest.fixture
def make_account(db, fake, inbox):
    """Create a WeChat destination and register its account with the fake."""
    from channels.models import Destination

    def make(slug=None, *, safe_mode=False, event_name="PUBLISHJOBFINISH", config=None,
             callback_base=None):
        slug = slug or f"wx-account-{next(_counter)}"
        credentials = {
            "appid": "wx" + uuid.uuid4().hex[:16],
            "secret": uuid.uuid4().hex,
            "token": uuid.uuid4().hex[:20],
            "encoding_aes_key": new_encoding_aes_key(),
        }
        destination = Destination(
            channel="wechat",
            name=f"普法公众号 {slug}",
            slug=slug,
            config={"base_url": fake.api_base, **(config or {})},
        )
        destination.set_credentials(credentials)
        destination.save()
        answer = requests.post(
            fake.url + "/__control__/account",
            json={
                **credentials,
                "callback_url": f"{callback_base or inbox.url}/channels/wechat/{slug}/callback",
                "safe_mode": safe_mode,
                "event_name": event_name,
            },
            timeout=5,
        )
        assert answer.json()["ok"]
        return destination

    return make


@pytest.fixture
def account(make_account):
    return make_account("province")


def fault(fake, **spec):
    answer = requests.post(fake.url + "/__fault__", json=spec, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def inspect(fake):
    return requests.get(fake.url + "/__inspect__", timeout=5).json()


def deliver_callbacks(client, received):
    """Hand captured callback requests to the Django view; return the responses."""
    return [
        client.generic(
            "POST", entry["path"], entry["body"], content_type="text/xml"
        )
        for entry in received
    ]


def image_bytes(width=1200, height=800, fmt="JPEG", noisy=False, color=(40, 90, 160)):
    picture = Image.new("RGB" if fmt != "PNG" else "RGBA", (width, height), color)
    if noisy:
        rng = random.Random(7)
        picture = Image.frombytes(
            picture.mode,
            picture.size,
            rng.randbytes(width * height * len(picture.mode)),
        )
    buffer = io.BytesIO()
    picture.save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def make_image(db):
    from cms.models import PufaImage

    def make(width=1200, height=800, fmt="JPEG", noisy=False, **kwargs):
        data = image_bytes(width, height, fmt, noisy)
        name = f"picture-{next(_counter)}.{'png' if fmt == 'PNG' else 'jpg'}"
        return PufaImage.objects.create(
            title=kwargs.pop("title", name), file=ImageFile(io.BytesIO(data), name=name), **kwargs
        )

    return make


@pytest.fixture
def make_wechat_article(make_article, make_image):
    """An approved article targeted at WeChat, with images and a compliance number."""

    def make(title="民法典里的居住权", *, publish=True, body=None, images=False, **kwargs):
        # Images are opt-in: every image of a published item gets all its
        # channel renditions, which is most of the cost of an item.
        kwargs.setdefault("to_wechat", True)
        kwargs.setdefault("byline", "普法办")
        if "cover_image" not in kwargs and images:
            kwargs["cover_image"] = make_image(1600, 900)
        kwargs.setdefault("compliance_number", f"PF-2026-{next(_counter):04d}")
        if body is None:
            body = [
                ("paragraph", "<p>居住权人有权按照合同约定<b>占有、使用</b>他人的住宅。</p>"),
                ("quote", {"text": "法律是治国之重器。", "attribution": "普法读本"}),
                (
                    "law_citation",
                    {
                        "law_name": "中华人民共和国民法典",
                        "article_number": "第三百六十六条",
                        "text": "居住权人有权按照合同约定，对他人的住宅享有占有、使用的用益物权。",
                    },
                ),
            ]
            if images:
                body.insert(1, ("image", {"image": make_image(), "caption": "居住权登记现场"}))
        return make_article(title=title, publish=publish, body=body, **kwargs)

    return make


def held_rows(destination):
    from channels.models import Delivery

    return list(
        Delivery.objects.filter(destination=destination, held=True).order_by("id")
    )


def as_json(value):
    return json.loads(json.dumps(value))
