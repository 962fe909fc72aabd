"""Pairing over HTTP: register with a claim secret, approve by code, claim once."""

import hashlib
import json
import logging

import pytest

from channels.screens.models import PAIRING_ALPHABET, DeviceStatus, ScreenDevice

REGISTER = "/screens/devices/register"
CLAIM = "/screens/devices/claim"
SECRET = "a" * 24 + "7f3c9e0b5d2a4f6e8c1b3d5f7a9e2c4b"
OTHER_SECRET = "b" * 24 + "0e2d4c6b8a1f3e5d7c9b1a3f5e7d9c1b"


def post_json(client, url, payload, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        url, data=json.dumps(payload), content_type="application/json", **headers
    )


def register(client, key="web-1", secret=SECRET, **screen):
    return post_json(
        client, REGISTER, {"hardware_key": key, "claim_secret": secret, **screen}
    )


def claim(client, key="web-1", secret=SECRET):
    return post_json(client, CLAIM, {"hardware_key": key, "claim_secret": secret})


@pytest.fixture
def operator(make_user):
    return make_user(groups=["屏幕运维"])


def approve(client, operator, device, group, **fields):
    client.force_login(operator)
    page = client.post(
        f"/admin/screens/devices/{device.pk}/approve/",
        {"group": group.pk, **fields},
        follow=True,
    )
    client.logout()
    return page


def revoke(client, operator, device):
    client.force_login(operator)
    client.post(f"/admin/screens/devices/{device.pk}/revoke/")
    client.logout()


def test_pairing_page_registration_gets_a_code_and_waits(client):
    answer = register(client, orientation="portrait", width=1080, height=1920)

    assert answer.status_code == 201
    code = answer.json()["pairing_code"]
    assert len(code) == 6 and set(code) <= set(PAIRING_ALPHABET)
    assert not set(code) & set("0O1I")
    device = ScreenDevice.objects.get(hardware_key="web-1")
    assert device.status == DeviceStatus.PENDING and device.orientation == "portrait"
    assert device.name == f"屏幕 {code}"
    assert SECRET not in device.claim_secret_hash
    assert device.claim_secret_hash == hashlib.sha256(SECRET.encode()).hexdigest()

    waiting = claim(client)
    assert waiting.status_code == 202
    assert waiting.json()["status"] == "pending"
    assert waiting.json()["pairing_code"] == code
    assert "token" not in waiting.json()


def test_operator_finds_the_device_by_its_code_and_approval_lets_it_claim_once(
    client, make_group, operator, caplog
):
    group = make_group(slug="square", name="市民广场")
    registered = register(client).json()
    code = registered["pairing_code"]
    device = ScreenDevice.objects.get(pk=registered["device"])

    client.force_login(operator)
    typed = f"{code[:3].lower()} {code[3:].lower()}"
    found = client.get("/admin/screens/health/", {"code": typed}).content.decode()
    client.logout()
    card = found.split('class="pufa-pairing-match"', 1)[1].split("<h2>设备</h2>")[0]
    assert f"/admin/screens/devices/{device.pk}/approve/" in card

    with caplog.at_level(logging.INFO, logger="pufa.screens"):
        page = approve(
            client, operator, device, group, name="广场东侧屏", location="东门"
        ).content.decode()
        first = claim(client)
    second = claim(client)

    assert "已启用" in page and "/screens/player/?device=" not in page
    assert first.status_code == 200
    token = first.json()["token"]
    assert first.json()["player"] == f"/screens/player/?device={token}"
    assert first.json()["group"] == "square"
    assert first["Cache-Control"] == "no-store"
    assert second.status_code == 409
    assert second.json()["status"] == "claimed" and "token" not in second.json()
    device.refresh_from_db()
    assert (device.name, device.location, device.group) == ("广场东侧屏", "东门", group)
    assert device.pairing_code == ""
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert client.get(f"/screens/player/?device={token}").status_code == 200
    assert token not in caplog.text and SECRET not in caplog.text


def test_an_unknown_code_is_reported_to_the_operator(client, operator):
    client.force_login(operator)

    page = client.get("/admin/screens/health/", {"code": "ZZZ ZZZ"}).content.decode()

    assert "没有等待审核的设备使用配对码" in page
    assert 'class="pufa-pairing-match"' not in page


@pytest.mark.parametrize(
    "key, secret, status, reason",
    [
        ("web-1", OTHER_SECRET, 403, "refused"),
        ("web-unknown", SECRET, 404, "unknown"),
    ],
)
def test_a_wrong_secret_or_an_unknown_key_claims_nothing(
    client, make_group, operator, key, secret, status, reason
):
    register(client)
    approve(client, operator, ScreenDevice.objects.get(), make_group())

    refused = claim(client, key=key, secret=secret)

    assert refused.status_code == status
    assert refused.json()["status"] == reason and refused.json()["error"]
    assert "token" not in refused.json()
    assert claim(client).status_code == 200, "the device's own claim still works"


def test_registering_the_same_key_with_another_secret_takes_nothing_over(
    client, make_group, operator
):
    register(client)
    device = ScreenDevice.objects.get()
    before = device.claim_secret_hash

    while_pending = register(client, secret=OTHER_SECRET)
    approve(client, operator, device, make_group())
    once_approved = register(client, secret=OTHER_SECRET, orientation="portrait")
    without_secret = post_json(client, REGISTER, {"hardware_key": "web-1"})
    intruder = claim(client, secret=OTHER_SECRET)

    for answer in (while_pending, once_approved, without_secret):
        assert answer.status_code == 409
        assert answer.json()["status"] == "conflict"
        assert "pairing_code" not in answer.json()
    assert intruder.status_code == 403 and "token" not in intruder.json()
    device.refresh_from_db()
    assert device.claim_secret_hash == before and device.orientation == "landscape"
    assert device.status == DeviceStatus.APPROVED and device.token_hash == ""
    assert claim(client).status_code == 200


def test_a_stopped_device_claims_nothing_and_can_be_paired_again(
    client, make_group, operator
):
    group = make_group()
    register(client)
    device = ScreenDevice.objects.get()
    approve(client, operator, device, group)
    token = claim(client).json()["token"]

    revoke(client, operator, device)
    stopped = claim(client)
    heartbeat = post_json(
        client, f"/screens/devices/{device.pk}/heartbeat", {}, token=token
    )

    assert stopped.status_code == 403
    assert stopped.json()["status"] == "revoked" and "token" not in stopped.json()
    device.refresh_from_db()
    assert stopped.json()["pairing_code"] == device.pairing_code != ""
    assert heartbeat.status_code == 403
    assert heartbeat.json()["status"] == "unauthorised"

    approve(client, operator, device, group)
    renewed = claim(client)
    assert renewed.status_code == 200 and renewed.json()["token"] != token
    assert client.get(f"/screens/player/?device={token}").status_code == 403
    assert (
        client.get(f"/screens/player/?device={renewed.json()['token']}").status_code
        == 200
    )


def test_a_second_approval_keeps_the_running_players_token(
    client, make_group, operator
):
    group = make_group()
    register(client)
    device = ScreenDevice.objects.get()
    approve(client, operator, device, group)
    token = claim(client).json()["token"]

    page = approve(client, operator, device, group).content.decode()

    assert "已经启用" in page
    assert client.get(f"/screens/player/?device={token}").status_code == 200
    assert claim(client).status_code == 409


def test_a_device_registered_without_a_secret_gets_its_url_shown_not_claimed(
    client, make_group, operator
):
    post_json(client, REGISTER, {"hardware_key": "HW-LEGACY", "name": "老式播放器"})
    device = ScreenDevice.objects.get()
    assert device.pairing_code, "the operator can find it by code too"

    page = approve(client, operator, device, make_group()).content.decode()
    refused = claim(client, key="HW-LEGACY")

    assert "/screens/player/?device=scr_" in page
    assert refused.status_code == 403 and "token" not in refused.json()


def test_two_claims_racing_for_one_approval_get_one_token(client, make_group, operator):
    register(client)
    approve(client, operator, ScreenDevice.objects.get(), make_group())
    first, second = ScreenDevice.objects.get(), ScreenDevice.objects.get()

    tokens = [first.claim_token(), second.claim_token()]

    assert tokens[0] and tokens[1] is None


@pytest.mark.parametrize(
    "url, body",
    [
        (REGISTER, {"hardware_key": "web-2", "claim_secret": "short"}),
        (REGISTER, [1, 2]),
        (CLAIM, {"hardware_key": "web-2"}),
        (CLAIM, {"claim_secret": SECRET}),
        (CLAIM, "not an object"),
    ],
)
def test_malformed_pairing_requests_get_a_clear_error(client, url, body):
    answer = post_json(client, url, body)

    assert answer.status_code == 400
    assert answer.json()["error"]
    assert not ScreenDevice.objects.exists()
