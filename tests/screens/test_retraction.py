"""A retraction is confirmed only when every device runs the new playlist."""

import json
import re

import pytest

from channels import outbox
from channels.models import Delivery, DeliveryState, Destination


def heartbeat(client, device, version):
    return client.post(
        f"/screens/devices/{device.pk}/heartbeat",
        data=json.dumps({"playlist_version": version, "current_item": ""}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {device.token}",
    )


@pytest.fixture
def wall(make_group, make_device):
    group = make_group(slug="station-wall")
    Destination.objects.create(
        channel="screens",
        name="火车站广场",
        slug="station-wall",
        policy="automatic",
        config={"group": "station-wall", "priority": 70},
    )
    return group, make_device(group, name="东侧屏"), make_device(group, name="西侧屏")


def test_retraction_waits_for_every_device_including_an_offline_one(
    client, wall, make_ad, make_user
):
    group, east, west = wall
    ad = make_ad(title="过期的公益广告")
    keep = make_ad(title="继续播放")
    for item in (ad, keep):
        outbox.write_publish_rows(item, item.latest_revision)
    outbox.run_once()
    publish = Delivery.objects.get(object_id=str(ad.pk), action="publish")
    assert publish.state == DeliveryState.DELIVERED
    manifest = client.get("/screens/station-wall/manifest.json").json()
    assert {i["title"] for i in manifest["loop"]} == {"过期的公益广告", "继续播放"}
    for device in (east, west):
        heartbeat(client, device, manifest["version"])

    outbox.write_retract_rows(ad, user=make_user(), reason="信息过期")
    outbox.run_once()

    retraction = Delivery.objects.get(object_id=str(ad.pk), action="retract")
    assert retraction.state == DeliveryState.AWAITING_CONFIRMATION
    after = client.get("/screens/station-wall/manifest.json").json()
    assert [i["title"] for i in after["loop"]] == ["继续播放"]

    heartbeat(client, east, after["version"])
    outbox.check_confirmations()
    retraction.refresh_from_db()
    assert retraction.state == DeliveryState.AWAITING_CONFIRMATION

    # The west screen stays offline: nothing claims success, the page names it.
    operator = make_user(groups=["屏幕运维"])
    client.force_login(operator)
    page = client.get("/admin/screens/health/").content.decode()
    assert "等待确认" in page and "西侧屏" in page.split("等待确认", 1)[1]
    client.logout()

    heartbeat(client, west, after["version"])
    outbox.check_confirmations()
    retraction.refresh_from_db()
    publish.refresh_from_db()
    assert retraction.state == DeliveryState.DELIVERED
    assert retraction.receipt["confirmation_seconds"] >= 0
    assert "用时" in retraction.events.last().message
    assert publish.state == DeliveryState.REVOKED

    client.force_login(operator)
    page = client.get("/admin/screens/health/").content.decode()
    assert "全部设备已确认，用时" in page


def test_a_device_reporting_an_old_version_does_not_confirm(client, wall, make_ad):
    group, east, west = wall
    ad = make_ad()
    outbox.write_publish_rows(ad, ad.latest_revision)
    outbox.run_once()
    old = client.get("/screens/station-wall/manifest.json").json()["version"]

    outbox.write_retract_rows(ad)
    outbox.run_once()
    for device in (east, west):
        heartbeat(client, device, old)
    outbox.check_confirmations()

    retraction = Delivery.objects.get(object_id=str(ad.pk), action="retract")
    assert retraction.state == DeliveryState.AWAITING_CONFIRMATION


def test_retraction_removes_the_item_from_every_group_at_once(
    client, make_group, make_ad, book
):
    from channels.screens.playlist import remove_item

    groups = [make_group(), make_group(), make_group()]
    ad = make_ad(title="全网撤下")
    for group in groups:
        book(group, ad)

    waits = remove_item(ad)

    assert len(waits) == 3
    for group in groups:
        manifest = client.get(f"/screens/{group.slug}/manifest.json").json()
        assert manifest["loop"] == []


def move_to(client, operator, device, group):
    """Stop ``device`` and approve it into ``group``; return its new token."""
    client.force_login(operator)
    client.post(f"/admin/screens/devices/{device.pk}/revoke/")
    page = client.post(
        f"/admin/screens/devices/{device.pk}/approve/",
        {"group": group.pk},
        follow=True,
    ).content.decode()
    client.logout()
    device.token = re.search(r"device=(scr_[\w-]+)", page).group(1)
    return device


def test_a_device_moved_to_another_group_confirms_only_that_groups_playlist(
    client, wall, make_group, make_device, make_ad, make_user, book
):
    group, east, west = wall
    lobby = make_group(slug="court-lobby")
    mover = make_device(lobby, name="大厅屏")
    ad = make_ad()
    outbox.write_publish_rows(ad, ad.latest_revision)
    outbox.run_once()
    outbox.write_retract_rows(ad)
    outbox.run_once()
    after = client.get("/screens/station-wall/manifest.json").json()["version"]
    # The lobby's playlist changes more often than the wall's: its numbers
    # run ahead of the wall's.
    for _ in range(4):
        book(lobby, make_ad())
    lobby_version = client.get("/screens/court-lobby/manifest.json").json()["version"]
    assert int(lobby_version.split(".")[0]) > int(after.split(".")[0])
    heartbeat(client, mover, lobby_version)
    mover.refresh_from_db()
    assert mover.reported_seq == int(lobby_version.split(".")[0])

    move_to(client, make_user(groups=["屏幕运维"]), mover, group)
    mover.refresh_from_db()
    assert (mover.group, mover.reported_seq, mover.reported_version) == (group, 0, "")
    for device in (east, west):
        heartbeat(client, device, after)
    # Its old group's version, with a higher number, proves nothing here.
    assert heartbeat(client, mover, lobby_version).status_code == 200
    outbox.check_confirmations()

    retraction = Delivery.objects.get(object_id=str(ad.pk), action="retract")
    assert retraction.state == DeliveryState.AWAITING_CONFIRMATION

    heartbeat(client, mover, after)
    outbox.check_confirmations()
    retraction.refresh_from_db()
    assert retraction.state == DeliveryState.DELIVERED


@pytest.mark.parametrize("made_up", ["999.x", "999.0123456789ab", "2.000000000000"])
def test_a_version_naming_no_real_playlist_confirms_nothing(
    client, wall, make_ad, made_up
):
    group, east, west = wall
    ad = make_ad()
    outbox.write_publish_rows(ad, ad.latest_revision)
    outbox.run_once()
    outbox.write_retract_rows(ad)
    outbox.run_once()
    assert client.get("/screens/station-wall/manifest.json").json()["version"][0] == "2"

    for device in (east, west):
        heartbeat(client, device, made_up)
    outbox.check_confirmations()

    retraction = Delivery.objects.get(object_id=str(ad.pk), action="retract")
    assert retraction.state == DeliveryState.AWAITING_CONFIRMATION
    east.refresh_from_db()
    assert east.reported_seq == 0
