"""A real Chromium screen pairs itself: nobody types a player URL anywhere."""

import re

import pytest

from channels.screens.models import DeviceStatus, ScreenDevice
from tests.browser import ARTIFACTS

CODE = re.compile(r"^[ABCDEFGHJKLMNPQRSTUVWXYZ2-9]{6}$")


def wait_for(page, expression, name, timeout=20):
    try:
        page.wait_for_function(expression, timeout=timeout * 1000)
    except Exception:
        state = page.evaluate(
            "JSON.stringify({url: location.href, pairing: window.pufaPairing || null,"
            " playing: window.pufaPlayer ? window.pufaPlayer.current : null})"
        )
        page.screenshot(path=str(ARTIFACTS / f"screens-pairing-failure-{name}.png"))
        pytest.fail(f"the screen never reached {expression!r}; state {state}")


def open_pairing_page(browser, url, width, height):
    """Open the pairing page as a fresh screen of ``width``×``height`` pixels."""
    screen = browser.new_context(
        viewport={"width": width // 2, "height": height // 2},
        device_scale_factor=2,
        locale="zh-CN",
    )
    page = screen.new_page()
    page.goto(f"{url}/screens/player/")
    wait_for(page, "window.pufaPairing && pufaPairing.status === 'pending'", "pending")
    return page


def log_in(browser, url, user):
    page = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN"
    ).new_page()
    page.goto(f"{url}/admin/login/?next=/admin/screens/health/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-Pufa-2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/screens/health/")
    return page


@pytest.mark.e2e
# The live server runs in another thread, so the data must be committed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_screen_pairs_by_code_plays_and_falls_back_when_stopped(
    live_server, browser, make_group, make_ad, book, make_user
):
    group = make_group(
        slug="station",
        name="火车站广场",
        heartbeat_seconds=1,
        poll_seconds=1,
        loop_min_seconds=0,
    )
    ad = make_ad(title="宪法宣传周", duration=2)
    book(group, ad)
    operator = make_user(groups=["屏幕运维"])
    ARTIFACTS.mkdir(exist_ok=True)

    screen = open_pairing_page(browser, live_server.url, 1920, 1080)
    code = screen.get_attribute("#pairing-code", "data-code")
    assert CODE.match(code)
    assert screen.inner_text("#pairing-screen") == "本屏：横屏 · 1920×1080"
    assert "请在后台 屏幕监控 中输入配对码并审核" in screen.inner_text("body")
    screen.screenshot(path=str(ARTIFACTS / "screens-pairing-landscape.png"))

    admin = log_in(browser, live_server.url, operator)
    # The operator types what the screen shows, the way people do.
    admin.fill("#pufa-pairing-code", f"{code[:3]} {code[3:]}".lower())
    admin.get_by_role("button", name="查找设备").click()
    card = admin.locator(".pufa-pairing-match")
    assert "1920×1080" in card.inner_text()
    admin.screenshot(path=str(ARTIFACTS / "screens-pairing-found.png"))
    card.locator("select[name=group]").select_option(label="火车站广场")
    card.locator("input[name=name]").fill("进站口大屏")
    card.get_by_role("button", name="审核通过").click()
    admin.wait_for_selector("text=屏幕会在几秒内自动领取播放令牌")
    admin.screenshot(path=str(ARTIFACTS / "screens-pairing-approved.png"))

    wait_for(
        screen,
        f"window.pufaPlayer && pufaPlayer.current"
        f" && pufaPlayer.current.key === 'publicservicead:{ad.pk}'",
        "playing",
    )
    token = screen.evaluate("localStorage.getItem('pufa-screens:token')")
    assert screen.url == f"{live_server.url}/screens/player/?device={token}"
    wait_for(
        screen,
        "(() => { const img = document.querySelector('#stage img');"
        " return img && img.complete && img.naturalWidth > 0; })()",
        "image",
    )
    device = ScreenDevice.objects.get(name="进站口大屏")
    assert (device.status, device.group_id) == (DeviceStatus.APPROVED, group.pk)
    screen.screenshot(path=str(ARTIFACTS / "screens-pairing-playing.png"))

    # A kiosk still started at an old, dead player URL goes on with its live token.
    screen.goto(f"{live_server.url}/screens/player/?device=scr_dead")
    screen.wait_for_url(f"**/screens/player/?device={token}")
    wait_for(screen, "window.pufaPlayer && pufaPlayer.current", "restart")

    admin.goto(f"{live_server.url}/admin/screens/health/")
    row = admin.locator("tr", has_text="进站口大屏")
    row.get_by_role("button", name="停用").click()
    admin.wait_for_selector("text=已停用")

    wait_for(screen, "window.pufaPairing && pufaPairing.status === 'revoked'", "stop")
    device.refresh_from_db()
    assert screen.get_attribute("#pairing-code", "data-code") == device.pairing_code
    assert "此播放地址已失效" in screen.inner_text("body")
    assert screen.evaluate("localStorage.getItem('pufa-screens:token')") is None
    screen.screenshot(path=str(ARTIFACTS / "screens-pairing-stopped.png"))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_portrait_screen_registers_as_portrait(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)

    screen = open_pairing_page(browser, live_server.url, 1080, 1920)

    code = screen.get_attribute("#pairing-code", "data-code")
    assert screen.inner_text("#pairing-screen") == "本屏：竖屏 · 1080×1920"
    device = ScreenDevice.objects.get(pairing_code=code)
    assert (device.orientation, device.width, device.height) == ("portrait", 1080, 1920)
    box = screen.locator("#pairing-code").bounding_box()
    assert box["width"] <= 540 and box["height"] >= 60, "the code fits and is big"
    screen.screenshot(path=str(ARTIFACTS / "screens-pairing-portrait.png"))
