"""The callback URL verifies, decrypts and answers like WeChat expects."""

import time

from channels.models import Delivery, DeliveryState
from channels.wechat import posts
from channels.wechat.crypto import encrypt_message, signature
from channels.wechat.models import WeChatCallbackEvent

from .conftest import deliver_callbacks, held_rows, inspect


def signed_query(token, **extra):
    timestamp, nonce = str(int(time.time())), "n0nce"
    query = {"timestamp": timestamp, "nonce": nonce, "signature": signature(token, timestamp, nonce)}
    return {**query, **extra}


def url(destination):
    return f"/channels/wechat/{destination.slug}/callback"


def test_get_answers_echostr_only_with_a_valid_signature(client, account):
    token = account.credentials()["token"]

    good = client.get(url(account), signed_query(token, echostr="8712345"))
    bad = client.get(url(account), {**signed_query(token, echostr="8712345"), "signature": "0" * 40})

    assert good.status_code == 200 and good.content == b"8712345"
    assert bad.status_code == 403


def test_unknown_account_is_not_found(client, db):
    assert client.get("/channels/wechat/nobody/callback", {"echostr": "1"}).status_code == 404


def test_forged_event_is_refused_and_changes_nothing(client, account):
    body = (
        "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event>"
        "<PublishEventInfo><publish_id>1</publish_id><publish_status>0</publish_status>"
        "</PublishEventInfo></xml>"
    )
    query = signed_query("not-the-token")

    answer = client.generic(
        "POST", url(account) + "?" + "&".join(f"{k}={v}" for k, v in query.items()), body,
        content_type="text/xml",
    )

    assert answer.status_code == 403
    assert WeChatCallbackEvent.objects.count() == 0


def test_safe_mode_event_is_decrypted_and_delivers_the_post(
    make_account, fake, inbox, client, make_wechat_article, make_user
):
    from channels import outbox

    destination = make_account(safe_mode=True, event_name="FREEPUBLISHJOBFINISH")
    make_wechat_article()
    rows = held_rows(destination)
    posts.compose_post(destination, rows, user=make_user(groups=["渠道发布"]))
    outbox.run_once()
    received = inbox.take(1)
    assert b"<Encrypt>" in received[0]["body"]
    assert b"publish_status" not in received[0]["body"]

    answers = deliver_callbacks(client, received)

    assert answers[0].content == b"success"
    assert Delivery.objects.get(pk=rows[0].pk).state == DeliveryState.DELIVERED
    assert WeChatCallbackEvent.objects.get().event == "FREEPUBLISHJOBFINISH"


def test_encrypted_event_with_a_bad_msg_signature_is_refused(client, make_account):
    destination = make_account(safe_mode=True)
    credentials = destination.credentials()
    encrypted = encrypt_message("<xml/>", credentials["encoding_aes_key"], credentials["appid"])
    query = signed_query(credentials["token"], encrypt_type="aes", msg_signature="f" * 40)

    answer = client.generic(
        "POST",
        url(destination) + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
        f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>",
        content_type="text/xml",
    )

    assert answer.status_code == 403


def test_other_events_and_unknown_publish_ids_are_acknowledged(client, account, fake):
    token = account.credentials()["token"]
    query = "&".join(f"{k}={v}" for k, v in signed_query(token).items())
    for body in (
        "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>",
        "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event>"
        "<PublishEventInfo><publish_id>424242</publish_id><publish_status>0</publish_status>"
        "</PublishEventInfo></xml>",
    ):
        answer = client.generic("POST", url(account) + "?" + query, body, content_type="text/xml")
        assert answer.content == b"success"
    assert inspect(fake)["calls"] == []


def test_entity_expansion_is_not_performed(client, account):
    token = account.credentials()["token"]
    query = "&".join(f"{k}={v}" for k, v in signed_query(token).items())
    body = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<xml><MsgType>event</MsgType><Event>&e;</Event></xml>"
    )

    answer = client.generic("POST", url(account) + "?" + query, body, content_type="text/xml")

    assert answer.status_code in (200, 400)
    assert b"root:" not in answer.content
