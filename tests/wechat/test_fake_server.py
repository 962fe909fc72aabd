"""The fake WeChat platform answers like the real one (specs/channels.md)."""

import json

import pytest
import requests

from channels.wechat.crypto import (
    decrypt_message,
    new_encoding_aes_key,
    signature,
)
from channels.wechat.fake_server import FakeWeChatServer

from .conftest import CallbackInbox, image_bytes


@pytest.fixture
def server():
    fake = FakeWeChatServer(publish_delay=0.05).start()
    yield fake
    fake.stop()


def register(server, **extra):
    account = {"appid": "wxfake0001", "secret": "s3cret", "token": "tok", **extra}
    requests.post(server.url + "/__control__/account", json=account, timeout=5)
    return account


def call(server, api, token=None, payload=None, files=None, params=None):
    params = dict(params or {})
    if token:
        params["access_token"] = token
    if files is not None:
        response = requests.post(server.api_base + api, params=params, files=files, timeout=5)
    else:
        response = requests.post(
            server.api_base + api,
            params=params,
            data=json.dumps(payload or {}, ensure_ascii=False).encode(),
            timeout=5,
        )
    return response.json()


def token_for(server, account, force=False):
    return call(
        server,
        "stable_token",
        payload={
            "grant_type": "client_credential",
            "appid": account["appid"],
            "secret": account["secret"],
            "force_refresh": force,
        },
    )


def thumb(server, token):
    answer = call(
        server,
        "material/add_material",
        token,
        params={"type": "thumb"},
        files={"media": ("c.jpg", image_bytes(90, 38), "image/jpeg")},
    )
    return answer["media_id"]


def article(thumb_id, **fields):
    return {
        "title": "居住权",
        "author": "普法办",
        "digest": "摘要",
        "content": "<p>正文</p>",
        "content_source_url": "https://example.cn/a/",
        "thumb_media_id": thumb_id,
        **fields,
    }


def test_stable_token_is_stable_and_expires(server):
    account = register(server)
    first = token_for(server, account)["access_token"]
    assert token_for(server, account)["access_token"] == first
    assert token_for(server, {**account, "secret": "wrong"})["errcode"] == 40125
    assert token_for(server, {**account, "appid": "nobody"})["errcode"] == 40013

    requests.post(server.url + "/__fault__", json={"kind": "expire_token"}, timeout=5)

    assert call(server, "draft/add", first, {"articles": []})["errcode"] == 42001
    assert call(server, "draft/add", "made-up", {"articles": []})["errcode"] == 40001
    assert call(server, "draft/add", None, {"articles": []})["errcode"] == 41001
    assert token_for(server, account)["access_token"] != first


@pytest.mark.parametrize(
    ("fields", "errcode"),
    [
        ({"title": "题" * 33}, 45003),
        ({"author": "作" * 17}, 45110),
        ({"digest": "摘" * 129}, 45004),
        ({"content": "<p>" + "字" * 20_000 + "</p>"}, 45002),
        ({"content_source_url": "https://example.cn/" + "a" * 1024}, 45005),
        ({"thumb_media_id": "unknown"}, 40007),
        ({"content": '<p><a href="javascript:alert(1)">x</a></p>'}, 45166),
    ],
)
def test_draft_add_refuses_what_wechat_refuses(server, fields, errcode):
    account = register(server)
    token = token_for(server, account)["access_token"]
    media_id = thumb(server, token)

    answer = call(server, "draft/add", token, {"articles": [article(media_id, **fields)]})

    assert answer["errcode"] == errcode


def test_draft_add_limits_posts_to_eight_articles(server):
    account = register(server)
    token = token_for(server, account)["access_token"]
    media_id = thumb(server, token)

    answer = call(server, "draft/add", token, {"articles": [article(media_id)] * 9})

    assert answer["errcode"] == 45008


def test_forbidden_tags_and_foreign_images_are_dropped(server):
    account = register(server)
    token = token_for(server, account)["access_token"]
    media_id = thumb(server, token)
    content = (
        '<p class="lead" id="x">正文<script>alert(1)</script></p>'
        '<iframe src="https://v.example.cn"></iframe>'
        '<img src="https://cdn.example.cn/a.jpg"><img src="http://mmbiz.qpic.cn/a/0">'
    )

    draft = call(server, "draft/add", token, {"articles": [article(media_id, content=content)]})

    state = requests.get(server.url + "/__inspect__", timeout=5).json()
    kept = state["drafts"][draft["media_id"]]["articles"][0]
    assert kept["content"] == '<p>正文</p><img src="http://mmbiz.qpic.cn/a/0">'
    assert set(kept["dropped"]) == {"script", "iframe", "img:https://cdn.example.cn/a.jpg"}


def test_image_uploads_check_type_and_size(server):
    account = register(server)
    token = token_for(server, account)["access_token"]

    gif = call(server, "media/uploadimg", token, files={"media": ("a.gif", b"GIF89a" + b"0" * 50)})
    big = call(
        server,
        "media/uploadimg",
        token,
        files={"media": ("a.png", image_bytes(900, 900, "PNG", noisy=True))},
    )
    fat_thumb = call(
        server,
        "material/add_material",
        token,
        params={"type": "thumb"},
        files={"media": ("t.jpg", image_bytes(600, 600, noisy=True))},
    )
    good = call(server, "media/uploadimg", token, files={"media": ("a.jpg", image_bytes(50, 50))})

    assert gif["errcode"] == 40005
    assert big["errcode"] == 40009
    assert fat_thumb["errcode"] == 40009
    assert good["url"].startswith("http://mmbiz.qpic.cn/")


def test_daily_quota_answers_45009(server):
    account = register(server)
    token = token_for(server, account)["access_token"]
    media_id = thumb(server, token)
    requests.post(
        server.url + "/__fault__",
        json={"kind": "quota", "api": "draft/add", "limit": 1},
        timeout=5,
    )

    first = call(server, "draft/add", token, {"articles": [article(media_id)]})
    second = call(server, "draft/add", token, {"articles": [article(media_id)]})

    assert first["errcode"] == 0
    assert second["errcode"] == 45009


def test_publishing_consumes_the_draft_and_calls_back_signed_and_encrypted(server):
    inbox = CallbackInbox()
    aes_key = new_encoding_aes_key()
    account = register(
        server,
        callback_url=inbox.url + "/cb",
        safe_mode=True,
        encoding_aes_key=aes_key,
        event_name="FREEPUBLISHJOBFINISH",
    )
    token = token_for(server, account)["access_token"]
    media_id = thumb(server, token)
    draft = call(server, "draft/add", token, {"articles": [article(media_id)] * 2})

    job = call(server, "freepublish/submit", token, {"media_id": draft["media_id"]})
    again = call(server, "freepublish/submit", token, {"media_id": draft["media_id"]})

    assert again["errcode"] == 40007
    (received,) = inbox.wait(1)
    inbox.stop()
    query = dict(
        pair.split("=", 1) for pair in received["path"].split("?", 1)[1].split("&")
    )
    body = received["body"].decode()
    encrypted = body.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert query["msg_signature"] == signature(
        "tok", query["timestamp"], query["nonce"], encrypted
    )
    message = decrypt_message(encrypted, aes_key, account["appid"])
    assert "<Event><![CDATA[FREEPUBLISHJOBFINISH]]></Event>" in message
    assert f"<publish_id>{job['publish_id']}</publish_id>" in message
    assert "<publish_status>0</publish_status>" in message
    status = call(server, "freepublish/get", token, {"publish_id": job["publish_id"]})
    assert status["publish_status"] == 0
    assert [i["idx"] for i in status["article_detail"]["item"]] == [1, 2]


def test_delete_with_index_removes_only_that_article(server):
    account = register(server)
    token = token_for(server, account)["access_token"]
    media_id = thumb(server, token)
    draft = call(server, "draft/add", token, {"articles": [article(media_id)] * 3})
    job = call(server, "freepublish/submit", token, {"media_id": draft["media_id"]})
    for _ in range(100):
        status = call(server, "freepublish/get", token, {"publish_id": job["publish_id"]})
        if status["publish_status"] == 0:
            break

    deleted = call(
        server, "freepublish/delete", token, {"article_id": status["article_id"], "index": 2}
    )

    after = call(server, "freepublish/get", token, {"publish_id": job["publish_id"]})
    urls = {i["idx"]: i["article_url"] for i in after["article_detail"]["item"]}
    assert deleted["errcode"] == 0
    assert sorted(urls) == [1, 3]
    assert after["publish_status"] == 0
    assert requests.get(urls[1], timeout=5).status_code == 200
    gone = status["article_detail"]["item"][1]["article_url"]
    assert requests.get(gone, timeout=5).status_code == 404
