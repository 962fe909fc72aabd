"""Device registration, approval by 屏幕运维, the player page and heartbeats."""

import json
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from channels.screens.models import DeviceStatus, PlayReport, ScreenDevice


def post_json(client, url, payload, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        url, data=json.dumps(payload), content_type="application/json", **headers
    )


def test_registration_then_approval_by_operator_gives_a_working_player(
    client, make_group, make_user
):
    group = make_group(slug="community")
    answer = post_json(
        client,
        "/screens/devices/register",
        {
            "hardware_key": "HW-001",
            "name": "社区屏",
            "orientation": "portrait",
            "width": 1080,
            "height": 1920,
        },
    )
    assert answer.status_code == 201
    device = ScreenDevice.objects.get(pk=answer.json()["device"])
    assert device.status == DeviceStatus.PENDING and device.orientation == "portrait"
    # Registering again changes nothing.
    again = post_json(client, "/screens/devices/register", {"hardware_key": "HW-001"})
    assert again.status_code == 200 and ScreenDevice.objects.count() == 1

    editor = make_user(groups=["编辑"], is_staff=True)
    client.force_login(editor)
    denied = client.post(
        f"/admin/screens/devices/{device.pk}/approve/", {"group": group.pk}
    )
    assert denied.status_code in (302, 403)
    device.refresh_from_db()
    assert device.status == DeviceStatus.PENDING

    operator = make_user(groups=["屏幕运维"])
    client.force_login(operator)
    approved = client.post(
        f"/admin/screens/devices/{device.pk}/approve/", {"group": group.pk}, follow=True
    )
    page = approved.content.decode()
    assert "已启用" in page
    token = page.split("/screens/player/?device=", 1)[1].split("<", 1)[0].split()[0]
    device.refresh_from_db()
    assert device.status == DeviceStatus.APPROVED and device.approved_by == operator
    assert device.token_hash and token not in device.token_hash

    client.logout()
    player = client.get(f"/screens/player/?device={token}")
    assert player.status_code == 200
    assert "pufa-player-config" in player.content.decode()
    assert "community" in player.content.decode()


def test_player_without_a_valid_token_shows_the_pairing_page(
    client, make_group, make_device, make_user
):
    device = make_device(make_group())

    fresh = client.get("/screens/player/")
    unknown = client.get("/screens/player/?device=nope")
    client.force_login(make_user(groups=["屏幕运维"]))
    client.post(f"/admin/screens/devices/{device.pk}/revoke/")
    client.logout()
    revoked = client.get(f"/screens/player/?device={device.token}")

    assert fresh.status_code == 200
    assert "配对码" in fresh.content.decode()
    assert "已失效" not in fresh.content.decode()
    for refused in (unknown, revoked):
        assert refused.status_code == 403
        page = refused.content.decode()
        assert "配对码" in page and "此播放地址已失效" in page
        assert "pufa-player-config" not in page


def test_heartbeat_records_state_and_proof_of_play_once(
    client, make_group, make_device
):
    from channels.screens.compiler import compile_group

    device = make_device(make_group())
    version = compile_group(device.group).version
    play = {
        "id": "p-1",
        "key": "publicservicead:1",
        "title": "宪法宣传周",
        "started_at": "2026-12-03T10:00:00+08:00",
        "duration": 15,
        "playlist_version": version,
    }
    url = f"/screens/devices/{device.pk}/heartbeat"

    first = post_json(
        client,
        url,
        {
            "playlist_version": version,
            "current_item": "publicservicead:1",
            "plays": [play],
        },
        device.token,
    )
    second = post_json(
        client, url, {"playlist_version": version, "plays": [play]}, device.token
    )

    assert first.status_code == 200 and first.json()["accepted_plays"] == ["p-1"]
    assert second.json()["accepted_plays"] == ["p-1"]
    assert PlayReport.objects.filter(device=device).count() == 1
    device.refresh_from_db()
    assert device.reported_version == version and device.reported_seq == 1
    assert device.last_seen_at is not None


@pytest.mark.parametrize(
    "body, token_ok, status",
    [("{not json", True, 400), ("[1, 2]", True, 400), ("{}", False, 403)],
)
def test_bad_heartbeats_get_a_clear_error(
    client, make_group, make_device, body, token_ok, status
):
    device = make_device(make_group())
    response = client.post(
        f"/screens/devices/{device.pk}/heartbeat",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {device.token if token_ok else 'wrong'}",
    )
    assert response.status_code == status
    assert response.json()["error"]


def test_health_page_shows_offline_alert(client, make_group, make_device, make_user):
    group = make_group(offline_after_seconds=60)
    make_device(
        group, name="广场大屏", last_seen_at=timezone.now() - timedelta(minutes=5)
    )
    make_device(group, name="地铁口屏", last_seen_at=timezone.now())
    client.force_login(make_user(groups=["屏幕运维"]))

    page = client.get("/admin/screens/health/").content.decode()

    assert "1 台离线" in page
    assert page.count("离线告警") == 1
    rows = [row for row in page.split("<tr") if "离线告警" in row]
    assert len(rows) == 1 and "广场大屏" in rows[0] and "地铁口屏" not in rows[0]


def test_healthz_counts_offline_screens_without_failing(
    client, make_group, make_device
):
    group = make_group(offline_after_seconds=60)
    make_device(group, last_seen_at=timezone.now() - timedelta(minutes=5))
    make_device(group, last_seen_at=timezone.now())

    screens = client.get("/healthz").json()["checks"]["screens"]

    assert screens["ok"] is True
    assert (screens["devices"], screens["offline"]) == (2, 1)


def test_registration_is_bounded_per_address_and_by_pending_devices(
    client, monkeypatch
):
    from channels.screens import views

    monkeypatch.setattr(views, "NEW_DEVICES_PER_ADDRESS_PER_HOUR", 3)
    # An address of its own: the counter outlives the test in a shared cache.
    address = ".".join(str(random.randint(1, 254)) for _ in range(4))

    def register(key):
        return client.post(
            "/screens/devices/register",
            data=json.dumps({"hardware_key": key}),
            content_type="application/json",
            REMOTE_ADDR=address,
        )

    answers = [register(f"HW-{n}") for n in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert "注册过于频繁" in answers[-1].json()["error"]
    assert int(answers[-1]["Retry-After"]) > 0
    assert ScreenDevice.objects.count() == 3
    # A device that already exists may always announce itself again.
    assert register("HW-0").status_code == 200

    monkeypatch.setattr(views, "NEW_DEVICES_PER_ADDRESS_PER_HOUR", 100)
    monkeypatch.setattr(views, "MAX_PENDING_DEVICES", 3)
    full = register("HW-9")
    assert full.status_code == 429 and "待审核的设备过多" in full.json()["error"]


def test_operator_removes_stale_devices_but_never_proof_of_play(
    client, make_group, make_device, make_user
):
    group = make_group()
    stale = ScreenDevice.objects.create(name="旧注册", hardware_key="HW-stale")
    playing = make_device(group, name="在用的屏")
    stopped = make_device(group, name="停用的屏")
    ScreenDevice.objects.filter(pk=stopped.pk).update(status=DeviceStatus.REVOKED)
    PlayReport.objects.create(
        device=stopped,
        play_id="p-1",
        item_key="ad-1",
        title="公益广告",
        started_at=timezone.now(),
        duration_seconds=15,
    )
    client.force_login(make_user(groups=["编辑"], is_staff=True))
    assert client.post(f"/admin/screens/devices/{stale.pk}/remove/").status_code in (
        302,
        403,
    )
    assert ScreenDevice.objects.filter(pk=stale.pk).exists()

    client.force_login(make_user(groups=["屏幕运维"]))
    page = client.post(
        f"/admin/screens/devices/{stale.pk}/remove/", follow=True
    ).content.decode()
    assert "已移除" in page and not ScreenDevice.objects.filter(pk=stale.pk).exists()

    page = client.post(
        f"/admin/screens/devices/{playing.pk}/remove/", follow=True
    ).content.decode()
    assert "请先停用" in page and ScreenDevice.objects.filter(pk=playing.pk).exists()

    page = client.post(
        f"/admin/screens/devices/{stopped.pk}/remove/", follow=True
    ).content.decode()
    assert "播放记录" in page and ScreenDevice.objects.filter(pk=stopped.pk).exists()
