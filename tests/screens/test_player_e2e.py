"""A real Chromium runs the kiosk player and keeps playing once the server is gone."""

import socket
import time

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from channels.screens.models import PlayReport
from tests.browser import ARTIFACTS


class ClosingServer(ThreadedWSGIServer):
    """Closes its open keep-alive connections too when it stops, like a dead host."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.open_connections = set()

    def process_request(self, request, client_address):
        self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.open_connections.discard(request)
        super().shutdown_request(request)

    def server_close(self):
        super().server_close()
        for connection in list(self.open_connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class StoppableServerThread(LiveServerThread):
    server_class = ClosingServer


class Server:
    def __init__(self):
        self.shared = {
            c.alias: c
            for c in connections.all()
            if c.vendor == "sqlite" and c.is_in_memory_db()
        }
        self.thread = StoppableServerThread(
            "127.0.0.1",
            static_handler=_StaticFilesHandler,
            connections_override=self.shared,
            port=0,
        )
        self.thread.daemon = True
        for connection in self.shared.values():
            connection.inc_thread_sharing()
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error
        self.url = f"http://127.0.0.1:{self.thread.port}"
        self.running = True

    def stop(self):
        if self.running:
            self.thread.terminate()
            for connection in self.shared.values():
                connection.dec_thread_sharing()
            self.running = False


@pytest.fixture
def server():
    """A live server of our own, so the test can stop it halfway."""
    live = Server()
    yield live
    live.stop()


def wait_for(page, expression, timeout=20):
    try:
        page.wait_for_function(expression, timeout=timeout * 1000)
    except Exception:
        state = page.evaluate(
            "JSON.stringify(window.pufaPlayer ? {plays: pufaPlayer.plays, "
            "online: pufaPlayer.online, version: pufaPlayer.version, "
            "current: pufaPlayer.current && pufaPlayer.current.key} : null)"
        )
        page.screenshot(path=str(ARTIFACTS / "screens-player-failure.png"))
        pytest.fail(f"player never reached {expression!r}; state {state}")


@pytest.mark.e2e
# The live server runs in another thread, so the data must be committed; the
# serialized rollback restores the data migrations' rows for later tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_player_loops_reports_and_keeps_playing_offline(
    server, browser, make_group, make_device, make_ad, book
):
    group = make_group(
        slug="metro", heartbeat_seconds=1, poll_seconds=1, loop_min_seconds=0
    )
    book(group, make_ad(title="尊法学法守法用法", duration=1))
    book(group, make_ad(title="法治让生活更美好", duration=1))
    device = make_device(group, name="地铁站屏")
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 960, "height": 540})
    console = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{server.url}/screens/player/?device={device.token}")
    wait_for(page, "window.pufaPlayer && window.pufaPlayer.plays >= 3")
    wait_for(
        page,
        "caches.open('pufa-screens-media-v1').then(c => c.keys())"
        ".then(k => k.length >= 2)",
    )
    deadline = time.monotonic() + 20
    while not PlayReport.objects.filter(device=device).exists():
        assert time.monotonic() < deadline, "no proof of play reached the server"
        time.sleep(0.3)
    device.refresh_from_db()
    assert device.reported_version == group.latest_snapshot().version
    page.screenshot(path=str(ARTIFACTS / "screens-player-online.png"))

    server.stop()
    plays_at_stop = page.evaluate("window.pufaPlayer.plays")
    wait_for(page, f"window.pufaPlayer.plays >= {plays_at_stop + 3}")
    wait_for(page, "window.pufaPlayer.online === false")

    played = page.evaluate("window.pufaPlayer.played.slice(-4)")
    assert set(played) == {f"publicservicead:{i}" for i in _ad_ids(group)}
    shown = page.evaluate(
        "(() => { const img = document.querySelector('#stage img');"
        " return img && img.complete && img.naturalWidth > 0; })()"
    )
    assert shown, "the offline player shows a broken image"
    assert page.inner_text("#status") == "离线播放中"
    page.screenshot(path=str(ARTIFACTS / "screens-player-offline.png"))


def _ad_ids(group):
    return [entry.object_id for entry in group.entries.all()]


# Monday 2 March 2026 and the days after it, at the screens' +08:00.
CLOCKS = {
    "Monday 08:00": "2026-03-02T08:00:00+08:00",
    "Tuesday 08:00": "2026-03-03T08:00:00+08:00",
    "Saturday 01:00": "2026-03-07T01:00:00+08:00",
    "Friday 01:00": "2026-03-06T01:00:00+08:00",
}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_player_plays_weekday_dayparts_only_on_their_days(
    server, browser, make_group, make_device, make_ad, book
):
    """The clock is Playwright's fixed time: ``Date`` says so, timers still run."""
    from channels.screens.models import Daypart

    group = make_group(
        slug="square", heartbeat_seconds=1, poll_seconds=1, loop_min_seconds=0
    )
    monday = Daypart.objects.create(
        group=group,
        name="周一早高峰",
        start_time="07:00",
        end_time="09:30",
        weekdays=[1],
    )
    friday_night = Daypart.objects.create(
        group=group, name="周五夜", start_time="22:00", end_time="02:00", weekdays=[5]
    )
    keys = {}
    for title, daypart in (("常规", None), ("周一", monday), ("周五夜", friday_night)):
        entry = book(group, make_ad(title=title, duration=1), daypart=daypart)
        keys[title] = entry.item_key
    device = make_device(group)
    page = browser.new_page(viewport={"width": 480, "height": 270})
    page.clock.set_fixed_time(CLOCKS["Monday 08:00"])
    page.goto(f"{server.url}/screens/player/?device={device.token}")

    played = {}
    for clock in CLOCKS:
        page.clock.set_fixed_time(CLOCKS[clock])
        # The item on screen when the clock moved was picked at the old time.
        start = page.evaluate("window.pufaPlayer ? window.pufaPlayer.plays : 0") + 1
        wait_for(page, f"window.pufaPlayer && window.pufaPlayer.plays >= {start + 4}")
        played[clock] = set(page.evaluate(f"window.pufaPlayer.played.slice({start})"))

    assert played["Monday 08:00"] == {keys["常规"], keys["周一"]}
    assert played["Tuesday 08:00"] == {keys["常规"]}
    # Friday 22:00–02:00 belongs to Friday: on air early Saturday, not early Friday.
    assert played["Saturday 01:00"] == {keys["常规"], keys["周五夜"]}
    assert played["Friday 01:00"] == {keys["常规"]}
