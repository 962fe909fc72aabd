"""The WeChat client: one shared token, quotas, pauses and error mapping."""

import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from channels.adapters.base import PermanentError, RejectedError, TransientError
from channels.wechat.client import WeChatClient, account_for
from channels.wechat.models import WeChatAccountHealth, WeChatQuotaUsage
from tests.subprocess_db import shared_database, subprocess_env

from .conftest import fault, image_bytes, inspect

SHANGHAI = ZoneInfo("Asia/Shanghai")


def client_for(destination):
    destination.refresh_from_db()
    return WeChatClient(account_for(destination))


def test_expired_token_is_fetched_again_in_normal_mode_and_call_repeated(account, fake):
    client = client_for(account)
    client.access_token()
    fault(fake, kind="expire_token")

    url = client.upload_body_image(image_bytes(40, 40), "a.jpg")

    assert url.startswith("http://mmbiz.qpic.cn/")
    assert inspect(fake)["stable_token_calls"] == {"normal": 2, "force": 0}
    codes = [c["errcode"] for c in inspect(fake)["calls"] if c["api"] == "media/uploadimg"]
    assert codes == [42001, 0]


def test_busy_platform_is_transient(account, fake):
    fault(fake, kind="errcode", api="media/uploadimg", errcode=-1)

    with pytest.raises(TransientError) as caught:
        client_for(account).upload_body_image(image_bytes(40, 40), "a.jpg")

    assert "繁忙" in caught.value.message


def test_daily_quota_pauses_account_until_midnight_shanghai(account, fake):
    fault(fake, kind="quota", api="freepublish/get", limit=0)
    client = client_for(account)

    with pytest.raises(TransientError) as caught:
        client.get_publish("1")

    account.refresh_from_db()
    local = timezone.localtime(account.paused_until, SHANGHAI)
    tomorrow = (timezone.localtime(timezone.now(), SHANGHAI) + timedelta(days=1)).date()
    assert (local.date(), local.hour, local.minute) == (tomorrow, 0, 0)
    assert caught.value.retry_after > 0
    assert caught.value.detail["errcode"] == 45009
    calls_before = len(inspect(fake)["calls"])
    with pytest.raises(TransientError):
        client_for(account).upload_body_image(image_bytes(40, 40), "a.jpg")
    assert len(inspect(fake)["calls"]) == calls_before


def test_minute_limit_pauses_until_next_minute(account, fake):
    fault(fake, kind="errcode", api="freepublish/get", errcode=45011)

    with pytest.raises(TransientError) as caught:
        client_for(account).get_publish("1")

    account.refresh_from_db()
    assert account.paused_until.second == 0
    assert timedelta(0) < account.paused_until - timezone.now() <= timedelta(minutes=1)
    assert caught.value.retry_after <= 61


def test_local_counter_stops_at_the_configured_quota(make_account, fake):
    destination = make_account(config={"quotas": {"freepublish/get": 2}})
    client = client_for(destination)
    for _ in range(2):
        with pytest.raises(PermanentError):
            client.get_publish("999")  # unknown publish_id: 40007, but counted

    with pytest.raises(TransientError):
        client.get_publish("999")

    row = WeChatQuotaUsage.objects.get(destination=destination, api="freepublish/get")
    assert row.calls == 2
    assert inspect(fake)["accounts"][destination.credentials()["appid"]]["usage"] == {
        "freepublish/get": 2
    }


@pytest.mark.parametrize(
    ("errcode", "error_class", "attention"),
    [
        (40164, PermanentError, True),
        (48001, PermanentError, True),
        (45166, RejectedError, False),
        (53402, RejectedError, False),
        (53503, PermanentError, False),
        (40005, PermanentError, False),
    ],
)
def test_error_codes_map_to_adapter_errors(account, fake, errcode, error_class, attention):
    fault(fake, kind="errcode", api="media/uploadimg", errcode=errcode)

    with pytest.raises(error_class) as caught:
        client_for(account).upload_body_image(image_bytes(40, 40), "a.jpg")

    assert type(caught.value) is error_class
    assert caught.value.detail["errcode"] == errcode
    health = WeChatAccountHealth.objects.filter(destination=account).first()
    assert bool(health and health.needs_attention) is attention
    if errcode == 53503:
        assert caught.value.detail["needs_person"] is True


def test_wrong_secret_is_a_configuration_error(account, fake):
    credentials = account.credentials()
    account.set_credentials({**credentials, "secret": "wrong"})
    account.save()

    with pytest.raises(PermanentError) as caught:
        client_for(account).access_token()

    assert "AppSecret" in caught.value.message
    assert WeChatAccountHealth.objects.get(destination=account).needs_attention


def test_unreachable_platform_is_transient(make_account):
    destination = make_account(config={"base_url": "http://127.0.0.1:9/cgi-bin/"})

    with pytest.raises(TransientError):
        client_for(destination).access_token()


def test_accounts_keep_their_own_tokens_and_quotas(make_account, fake):
    city = make_account("city", config={"quotas": {"freepublish/get": 1}})
    province = make_account("prov")
    fault(fake, kind="quota", api="freepublish/get", limit=0, appid=city.credentials()["appid"])

    with pytest.raises(TransientError):
        client_for(city).get_publish("1")
    with pytest.raises(PermanentError):  # reaches WeChat: unknown publish_id
        client_for(province).get_publish("1")

    city.refresh_from_db()
    province.refresh_from_db()
    assert city.paused_until is not None
    assert province.paused_until is None
    assert client_for(city).access_token() != client_for(province).access_token()


def test_next_midnight_is_in_shanghai_time():
    from channels.wechat.client import next_midnight

    late_evening_utc = datetime(2026, 12, 3, 15, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 CST

    midnight = next_midnight(late_evening_utc)

    assert midnight == datetime(2026, 12, 4, 0, 0, tzinfo=SHANGHAI)


TOKEN_SCRIPT = """
import os, sys, time
import django
django.setup()
from channels.models import Destination
from channels.wechat.client import WeChatClient, account_for
client = WeChatClient(account_for(Destination.objects.get(slug=sys.argv[1])))
while not os.path.exists(sys.argv[2]):
    time.sleep(0.01)
print(client.access_token())
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_separate_processes_share_one_token_fetched_once(account, fake, tmp_path):
    """Web workers, the delivery worker and the scheduler are separate processes."""
    # A slow stable_token keeps the first fetch going while the other asks.
    fault(fake, kind="slow", api="stable_token", seconds=1)
    go = tmp_path / "go"

    with shared_database(tmp_path) as database_url:
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", TOKEN_SCRIPT, account.slug, str(go)],
                cwd=settings.BASE_DIR,
                env=subprocess_env(database_url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        go.touch()
        outputs = [worker.communicate(timeout=60) for worker in workers]

    assert [w.returncode for w in workers] == [0, 0], outputs
    tokens = {out.decode().strip() for out, _ in outputs}
    assert len(tokens) == 1
    assert inspect(fake)["stable_token_calls"] == {"normal": 1, "force": 0}
    assert client_for(account).access_token() in tokens
    assert inspect(fake)["stable_token_calls"] == {"normal": 1, "force": 0}
