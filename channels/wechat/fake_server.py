"""A faithful fake of the WeChat Official Account API, on loopback.

WeChat itself cannot be reached from a test machine or a demo laptop, so this
server plays it: ``python -m channels.wechat.fake_server --port N``. It
implements what Pufa calls, with the limits, error codes and quotas of
``specs/channels.md``: ``stable_token`` (tokens expire), ``media/uploadimg``
(``mmbiz.qpic.cn`` URLs), ``material/add_material``, ``draft/add``,
``freepublish/submit`` (asynchronous: the outcome is called back to the
account's callback URL, signed and, in safe mode, encrypted),
``freepublish/get`` and ``freepublish/delete``. Like the real platform it
drops forbidden tags and foreign images from article HTML, and consumes a
draft once it is submitted.

Control endpoints for tests and demos (loopback only, no auth):

- ``POST /__control__/account`` registers an account
  (``appid, secret, token, encoding_aes_key, callback_url, safe_mode,
  event_name``); ``--accounts FILE`` loads the same from a JSON file and
  reloads it when it changes;
- ``POST /__fault__`` injects a fault (see :meth:`FakeWeChat.add_fault`);
- ``GET /__inspect__`` returns the whole state as JSON;
- ``GET /s/<article>`` shows a published article, as a reader would see it.

It imports nothing from Django.
"""

import argparse
import email.parser
import email.policy
import hashlib
import itertools
import json
import logging
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import lxml.html

from .crypto import encrypt_message, signature

logger = logging.getLogger("pufa.wechat.fake")

SHANGHAI = timezone(timedelta(hours=8))
DAILY_QUOTAS = {
    "draft/add": 1000,
    "freepublish/submit": 100,
    "freepublish/get": 100,
    "freepublish/delete": 10,
}
TITLE_MAX, AUTHOR_MAX, DIGEST_MAX = 32, 16, 128
CONTENT_MAX_CHARS, CONTENT_MAX_BYTES, SOURCE_URL_MAX_BYTES = 20_000, 1024 * 1024, 1024
BODY_IMAGE_MAX_BYTES = 1024 * 1024
THUMB_MAX_BYTES = 64 * 1024
IMAGE_MAX_BYTES = 10 * 1024 * 1024
MAX_ARTICLES = 8
IMAGE_HOST = "mmbiz.qpic.cn"
# Tags the platform drops with everything inside them, and tags it unwraps.
DROPPED_TAGS = {
    "script", "style", "link", "iframe", "form", "input", "button", "select",
    "textarea", "video", "audio", "embed", "object", "meta", "frame", "frameset",
}

ERRMSG = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id",
    40009: "invalid image size",
    40013: "invalid appid",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    44003: "empty news data",
    44004: "empty content",
    45002: "content size out of limit",
    45003: "title size out of limit",
    45004: "description size out of limit",
    45005: "content_source_url size out of limit",
    45008: "article size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit, must slower, retry next minute",
    45110: "author size out of limit",
    45166: "invalid content",
    47001: "data format error",
    48001: "api unauthorized",
}


class ApiError(Exception):
    def __init__(self, errcode, errmsg=None):
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "error")


def shanghai_today():
    return datetime.now(SHANGHAI).date().isoformat()


def image_kind(data):
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    return ""


def sanitize_content(html):
    """Return (html as the platform keeps it, list of what it dropped)."""
    dropped = []
    fragments = lxml.html.fragments_fromstring(html)
    wrapper = lxml.html.Element("div")
    for fragment in fragments:
        if isinstance(fragment, str):
            if len(wrapper):
                wrapper[-1].tail = (wrapper[-1].tail or "") + fragment
            else:
                wrapper.text = (wrapper.text or "") + fragment
        else:
            wrapper.append(fragment)
    for element in list(wrapper.iter()):
        if not isinstance(element.tag, str) or element is wrapper:
            continue
        tag = element.tag.lower()
        if tag in DROPPED_TAGS:
            dropped.append(tag)
            element.drop_tree()
            continue
        if tag == "img":
            host = urllib.parse.urlsplit(element.get("src", "")).hostname or ""
            if host != IMAGE_HOST:
                dropped.append("img:" + element.get("src", "")[:80])
                element.drop_tree()
                continue
        for attribute in ("class", "id"):
            if attribute in element.attrib:
                del element.attrib[attribute]
    inner = (escape(wrapper.text) if wrapper.text else "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in wrapper
    )
    return inner, dropped


def has_script_urls(html):
    lowered = html.lower()
    return "javascript:" in lowered or " onerror=" in lowered or " onclick=" in lowered


class Account:
    def __init__(self, appid, secret, token="", encoding_aes_key="", callback_url="",
                 safe_mode=False, event_name="PUBLISHJOBFINISH", original_id=""):
        self.appid = appid
        self.secret = secret
        self.token = token
        self.encoding_aes_key = encoding_aes_key
        self.callback_url = callback_url
        self.safe_mode = bool(safe_mode)
        self.event_name = event_name or "PUBLISHJOBFINISH"
        self.original_id = original_id or "gh_" + hashlib.sha1(appid.encode()).hexdigest()[:12]
        self.access_token = ""
        self.token_expires_at = 0.0
        self.usage_day = ""
        self.usage = {}
        self.quotas = dict(DAILY_QUOTAS)

    def public(self):
        return {
            "appid": self.appid,
            "callback_url": self.callback_url,
            "safe_mode": self.safe_mode,
            "event_name": self.event_name,
            "usage_day": self.usage_day,
            "usage": dict(self.usage),
            "quotas": dict(self.quotas),
        }


class FakeWeChat:
    """The state of the fake platform; every method holds the one lock."""

    def __init__(self, *, token_ttl=7200, publish_delay=0.2, public_url="",
                 accounts_file=None, callback_timeout=5.0):
        self.lock = threading.RLock()
        self.token_ttl = token_ttl
        self.publish_delay = publish_delay
        self.public_url = public_url
        self.callback_timeout = callback_timeout
        self.accounts_file = accounts_file
        self._accounts_mtime = None
        self.accounts = {}
        self.tokens = {}
        self.images = {}
        self.materials = {}
        self.drafts = {}
        self.publishes = {}
        self.articles = {}
        self.faults = []
        self.calls = []
        self.callbacks = []
        self.stable_token_calls = {"normal": 0, "force": 0}
        self._ids = itertools.count(2_247_483_650)
        self.timers = []

    # Accounts and faults ---------------------------------------------------

    def add_account(self, **fields):
        with self.lock:
            known = self.accounts.get(fields["appid"])
            account = Account(**fields)
            if known:
                account.access_token = known.access_token
                account.token_expires_at = known.token_expires_at
                account.usage_day, account.usage = known.usage_day, known.usage
            self.accounts[account.appid] = account
            return account

    def reload_accounts(self):
        if not self.accounts_file or not os.path.exists(self.accounts_file):
            return
        mtime = os.path.getmtime(self.accounts_file)
        if mtime == self._accounts_mtime:
            return
        with open(self.accounts_file, encoding="utf-8") as handle:
            entries = json.load(handle)
        for entry in entries.values() if isinstance(entries, dict) else entries:
            self.add_account(**entry)
        self._accounts_mtime = mtime

    def add_fault(self, fault):
        """Inject a fault. Kinds:

        - ``errcode``: the next ``count`` calls to ``api`` answer ``errcode``
          without doing anything;
        - ``expire_token``: the current token of ``appid`` (or every token)
          expires now;
        - ``quota``: set the daily limit of ``api`` to ``limit`` (optionally
          for one ``appid``);
        - ``publish_outcome``: the next ``count`` publish jobs end with
          ``status`` (2, 3 or 4) and ``fail_idx``;
        - ``callback``: ``mode`` ``drop`` (send none), ``duplicate`` (send
          twice) or ``both_names`` (send both event names), ``count`` jobs;
        - ``hang``: the next ``count`` calls to ``api`` wait ``seconds`` and
          then close the connection without doing anything;
        - ``slow``: the next ``count`` calls to ``api`` wait ``seconds`` before
          they are served (a slow platform; the answer still comes);
        - ``drop_answer``: the next ``count`` calls to ``api`` are carried out,
          then the connection closes before the answer is sent (the work is
          done but the caller never learns it);
        - ``expire_token_after``: every token expires right after the next
          successful call to ``api`` (a token dying mid-delivery);
        - ``after_success``: move ``publish_id`` to ``status`` 5 (deleted) or
          6 (banned) and call back.
        """
        kind = fault.get("kind")
        with self.lock:
            if kind == "expire_token":
                for account in self.accounts.values():
                    if fault.get("appid") in (None, account.appid):
                        account.token_expires_at = 0.0
                for token, (appid, _) in list(self.tokens.items()):
                    if fault.get("appid") in (None, appid):
                        self.tokens[token] = (appid, 0.0)
                return {"ok": True}
            if kind == "quota":
                for account in self.accounts.values():
                    if fault.get("appid") in (None, account.appid):
                        account.quotas[fault["api"]] = int(fault["limit"])
                return {"ok": True}
            if kind == "after_success":
                return self._after_success(int(fault["publish_id"]), int(fault["status"]))
            if kind not in {
                "errcode", "publish_outcome", "callback", "hang", "expire_token_after",
                "slow", "drop_answer",
            }:
                raise ApiError(47001, "unknown fault kind")
            self.faults.append({**fault, "count": int(fault.get("count", 1))})
            return {"ok": True}

    def _take_fault(self, kind, api=None):
        for fault in self.faults:
            if fault["kind"] == kind and fault.get("api") in (None, api):
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # Calls ------------------------------------------------------------------

    def account_for_token(self, access_token):
        if not access_token:
            raise ApiError(41001)
        known = self.tokens.get(access_token)
        if not known:
            raise ApiError(40001)
        appid, expires_at = known
        if time.time() >= expires_at:
            raise ApiError(42001)
        return self.accounts[appid]

    def count_call(self, account, api):
        if api not in DAILY_QUOTAS:
            return
        today = shanghai_today()
        if account.usage_day != today:
            account.usage_day, account.usage = today, {}
        if account.usage.get(api, 0) >= account.quotas[api]:
            raise ApiError(45009)
        account.usage[api] = account.usage.get(api, 0) + 1

    def stable_token(self, body):
        self.reload_accounts()
        if body.get("grant_type") != "client_credential":
            raise ApiError(40002)
        account = self.accounts.get(body.get("appid", ""))
        if account is None:
            raise ApiError(40013)
        if body.get("secret") != account.secret:
            raise ApiError(40125)
        force = bool(body.get("force_refresh"))
        self.stable_token_calls["force" if force else "normal"] += 1
        now = time.time()
        if force or not account.access_token or now >= account.token_expires_at:
            account.access_token = secrets.token_urlsafe(48)
            account.token_expires_at = now + self.token_ttl
            self.tokens[account.access_token] = (account.appid, account.token_expires_at)
        return {
            "access_token": account.access_token,
            "expires_in": max(0, int(account.token_expires_at - now)),
        }

    def upload_image(self, account, files):
        media = files.get("media")
        if media is None:
            raise ApiError(44004, "media data missing")
        data = media["data"]
        if image_kind(data) not in {"jpeg", "png"}:
            raise ApiError(40005)
        if len(data) >= BODY_IMAGE_MAX_BYTES:
            raise ApiError(40009)
        digest = hashlib.sha256(data).hexdigest()
        fmt = "jpeg" if image_kind(data) == "jpeg" else "png"
        url = f"http://{IMAGE_HOST}/mmbiz_{'jpg' if fmt == 'jpeg' else 'png'}/{digest[:40]}/0?wx_fmt={fmt}"
        self.images[url] = {"appid": account.appid, "bytes": len(data), "sha256": digest}
        return {"url": url}

    def add_material(self, account, query, files):
        kind = query.get("type", "")
        media = files.get("media")
        if kind not in {"image", "thumb", "voice", "video"}:
            raise ApiError(40004)
        if media is None:
            raise ApiError(44004, "media data missing")
        data = media["data"]
        found = image_kind(data)
        if kind == "thumb":
            if found != "jpeg":
                raise ApiError(40005)
            if len(data) > THUMB_MAX_BYTES:
                raise ApiError(40009)
        elif kind == "image":
            if found not in {"jpeg", "png", "gif", "bmp"}:
                raise ApiError(40005)
            if len(data) > IMAGE_MAX_BYTES:
                raise ApiError(40009)
        else:
            raise ApiError(48001, "only image and thumb material are faked")
        media_id = secrets.token_urlsafe(30)
        digest = hashlib.sha256(data).hexdigest()
        url = f"http://{IMAGE_HOST}/mmbiz_jpg/{digest[:40]}/0?wx_fmt={found}"
        self.materials[media_id] = {
            "appid": account.appid, "type": kind, "bytes": len(data), "url": url
        }
        return {"media_id": media_id, "url": url}

    def add_draft(self, account, body):
        articles = body.get("articles")
        if not isinstance(articles, list) or not articles:
            raise ApiError(44003)
        if len(articles) > MAX_ARTICLES:
            raise ApiError(45008)
        kept = []
        for article in articles:
            kept.append(self._check_article(account, article))
        self.count_call(account, "draft/add")
        media_id = secrets.token_urlsafe(30)
        self.drafts[media_id] = {
            "appid": account.appid,
            "articles": kept,
            "created": time.time(),
        }
        return {"media_id": media_id}

    def _check_article(self, account, article):
        title = article.get("title") or ""
        content = article.get("content") or ""
        if not title or len(title) > TITLE_MAX:
            raise ApiError(45003)
        if len(article.get("author") or "") > AUTHOR_MAX:
            raise ApiError(45110)
        if len(article.get("digest") or "") > DIGEST_MAX:
            raise ApiError(45004)
        if not content:
            raise ApiError(44004)
        if len(content) >= CONTENT_MAX_CHARS or len(content.encode()) >= CONTENT_MAX_BYTES:
            raise ApiError(45002)
        if len((article.get("content_source_url") or "").encode()) > SOURCE_URL_MAX_BYTES:
            raise ApiError(45005)
        thumb = self.materials.get(article.get("thumb_media_id") or "")
        if not thumb or thumb["appid"] != account.appid:
            raise ApiError(40007)
        if has_script_urls(content):
            raise ApiError(45166)
        kept_html, dropped = sanitize_content(content)
        return {
            "title": title,
            "author": article.get("author") or "",
            "digest": article.get("digest") or "",
            "content": kept_html,
            "content_chars": len(content),
            "dropped": dropped,
            "content_source_url": article.get("content_source_url") or "",
            "thumb_media_id": article["thumb_media_id"],
            "pic_crop_235_1": article.get("pic_crop_235_1") or "",
            "pic_crop_1_1": article.get("pic_crop_1_1") or "",
        }

    def submit(self, account, body):
        media_id = body.get("media_id") or ""
        draft = self.drafts.get(media_id)
        if not draft or draft["appid"] != account.appid:
            raise ApiError(40007)
        self.count_call(account, "freepublish/submit")
        # The platform takes the draft out of the draft box once submitted.
        del self.drafts[media_id]
        publish_id = next(self._ids)
        self.publishes[publish_id] = {
            "appid": account.appid,
            "draft_media_id": media_id,
            "articles": draft["articles"],
            "status": 1,
            "article_id": "",
            "fail_idx": [],
            "deleted_idx": [],
            "submitted": time.time(),
        }
        outcome = self._take_fault("publish_outcome")
        callback = self._take_fault("callback")
        timer = threading.Timer(
            self.publish_delay, self._finish_publish, (publish_id, outcome, callback)
        )
        timer.daemon = True
        self.timers.append(timer)
        timer.start()
        return {"publish_id": publish_id, "msg_data_id": publish_id + 1}

    def _finish_publish(self, publish_id, outcome, callback):
        with self.lock:
            job = self.publishes[publish_id]
            if outcome:
                job["status"] = int(outcome.get("status", 3))
                job["fail_idx"] = list(outcome.get("fail_idx") or [1])
            else:
                job["status"] = 0
                job["article_id"] = secrets.token_urlsafe(24)
                self.articles[job["article_id"]] = publish_id
            account = self.accounts[job["appid"]]
        mode = (callback or {}).get("mode")
        if mode == "drop":
            return
        self._send_callback(account, publish_id)
        if mode == "duplicate":
            self._send_callback(account, publish_id)
        elif mode == "both_names":
            other = (
                "FREEPUBLISHJOBFINISH"
                if account.event_name == "PUBLISHJOBFINISH"
                else "PUBLISHJOBFINISH"
            )
            self._send_callback(account, publish_id, event_name=other)

    def _after_success(self, publish_id, status):
        job = self.publishes.get(publish_id)
        if not job or job["status"] != 0 or status not in (5, 6):
            raise ApiError(40007, "publish job is not a success")
        job["status"] = status
        account = self.accounts[job["appid"]]
        threading.Thread(
            target=self._send_callback, args=(account, publish_id), daemon=True
        ).start()
        return {"ok": True}

    def article_urls(self, job):
        if not job["article_id"]:
            return []
        base = self.public_url.rstrip("/")
        return [
            {"idx": idx, "article_url": f"{base}/s/{job['article_id']}_{idx}"}
            for idx in range(1, len(job["articles"]) + 1)
            if idx not in job["deleted_idx"]
        ]

    def get_publish(self, account, body):
        self.count_call(account, "freepublish/get")
        job = self.publishes.get(_int(body.get("publish_id")))
        if not job or job["appid"] != account.appid:
            raise ApiError(40007)
        answer = {"publish_id": _int(body.get("publish_id")), "publish_status": job["status"]}
        if job["status"] in (0, 5, 6):
            items = self.article_urls(job)
            answer["article_id"] = job["article_id"]
            answer["article_detail"] = {"count": len(items), "item": items}
        answer["fail_idx"] = job["fail_idx"]
        return answer

    def delete(self, account, body):
        publish_id = self.articles.get(body.get("article_id") or "")
        job = self.publishes.get(publish_id)
        if not job or job["appid"] != account.appid or job["status"] != 0:
            raise ApiError(40007, "invalid article_id")
        index = _int(body.get("index")) or 0
        if index < 0 or index > len(job["articles"]):
            raise ApiError(47001, "index out of range")
        self.count_call(account, "freepublish/delete")
        if index == 0:
            job["deleted_idx"] = list(range(1, len(job["articles"]) + 1))
        elif index not in job["deleted_idx"]:
            job["deleted_idx"].append(index)
        if len(job["deleted_idx"]) == len(job["articles"]):
            job["status"] = 5
        return {}

    # Callbacks -------------------------------------------------------------

    def event_xml(self, account, publish_id, event_name=None):
        job = self.publishes[publish_id]
        items = "".join(
            f"<item><idx>{entry['idx']}</idx>"
            f"<article_url><![CDATA[{entry['article_url']}]]></article_url></item>"
            for entry in self.article_urls(job)
        )
        fails = "".join(f"<fail_idx>{idx}</fail_idx>" for idx in job["fail_idx"])
        detail = ""
        if job["article_id"]:
            detail = (
                f"<article_id><![CDATA[{job['article_id']}]]></article_id>"
                f"<article_detail><count>{len(job['articles'])}</count>{items}"
                "</article_detail>"
            )
        return (
            f"<xml><ToUserName><![CDATA[{account.original_id}]]></ToUserName>"
            "<FromUserName><![CDATA[oFakeWeChatSystemUser]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event_name or account.event_name}]]></Event>"
            f"<PublishEventInfo><publish_id>{publish_id}</publish_id>"
            f"<publish_status>{job['status']}</publish_status>{detail}{fails}"
            "</PublishEventInfo></xml>"
        )

    def _send_callback(self, account, publish_id, event_name=None):
        with self.lock:
            if not account.callback_url:
                return
            message = self.event_xml(account, publish_id, event_name)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        query = {"timestamp": timestamp, "nonce": nonce, "openid": "oFakeWeChatSystemUser"}
        query["signature"] = signature(account.token, timestamp, nonce)
        body = message
        if account.safe_mode:
            encrypted = encrypt_message(message, account.encoding_aes_key, account.appid)
            query["encrypt_type"] = "aes"
            query["msg_signature"] = signature(account.token, timestamp, nonce, encrypted)
            body = (
                f"<xml><ToUserName><![CDATA[{account.original_id}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
            )
        separator = "&" if "?" in account.callback_url else "?"
        url = account.callback_url + separator + urllib.parse.urlencode(query)
        # WeChat tries three times when an answer does not come within 5 s.
        for attempt in range(1, 4):
            record = {"publish_id": publish_id, "attempt": attempt, "url": account.callback_url}
            try:
                request = urllib.request.Request(
                    url, data=body.encode(), headers={"Content-Type": "text/xml"}
                )
                with urllib.request.urlopen(request, timeout=self.callback_timeout) as answer:
                    record.update(status=answer.status, body=answer.read(200).decode())
            except urllib.error.HTTPError as error:
                record.update(status=error.code, body="")
            except OSError as error:
                record.update(status=0, body=str(error)[:200])
            with self.lock:
                self.callbacks.append(record)
            if record["status"] == 200:
                return

    # Inspection ------------------------------------------------------------

    def snapshot(self):
        with self.lock:
            return {
                "accounts": {appid: a.public() for appid, a in self.accounts.items()},
                "stable_token_calls": dict(self.stable_token_calls),
                "images": self.images,
                "materials": self.materials,
                "drafts": self.drafts,
                "publishes": {str(k): v for k, v in self.publishes.items()},
                "calls": list(self.calls),
                "callbacks": list(self.callbacks),
                "faults": list(self.faults),
            }

    def article_page(self, key):
        article_id, _, idx = key.rpartition("_")
        with self.lock:
            job = self.publishes.get(self.articles.get(article_id))
            index = _int(idx)
            if not job or job["status"] != 0 or not index or index in job["deleted_idx"]:
                return None
            if index > len(job["articles"]):
                return None
            article = job["articles"][index - 1]
        return (
            "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{escape(article['title'])}</title></head>"
            "<body style='max-width:677px;margin:0 auto;padding:16px'>"
            f"<h1 style='font-size:22px'>{escape(article['title'])}</h1>"
            f"<p style='color:#888'>{escape(article['author'])}（模拟微信公众号）</p>"
            f"{article['content']}</body></html>"
        )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_multipart(content_type, body):
    """Return {field: {"filename", "data"}} of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    files = {}
    if not message.is_multipart():
        return files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            files[name] = {
                "filename": part.get_filename() or "",
                "data": part.get_payload(decode=True) or b"",
            }
    return files


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeWeChat/1.0"
    protocol_version = "HTTP/1.1"
    fake: FakeWeChat = None

    def log_message(self, format, *args):
        logger.debug("fake wechat %s", format % args)

    def _send(self, status, payload, content_type="application/json; charset=utf-8"):
        data = payload if isinstance(payload, bytes) else payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, payload, status=200):
        self._send(status, json.dumps(payload, ensure_ascii=False))

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/__inspect__":
            return self._json(self.fake.snapshot())
        if url.path.startswith("/s/"):
            page = self.fake.article_page(url.path[3:])
            if page is None:
                return self._send(404, "此内容已被删除或不存在", "text/plain; charset=utf-8")
            return self._send(200, page, "text/html; charset=utf-8")
        if url.path in ("/", "/healthz"):
            return self._json({"ok": True, "service": "fake wechat"})
        return self._send(404, "not found", "text/plain")

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        raw = self._body()
        try:
            if url.path == "/__fault__":
                return self._json(self.fake.add_fault(json.loads(raw or b"{}")))
            if url.path == "/__control__/account":
                fields = json.loads(raw or b"{}")
                self.fake.add_account(**fields)
                return self._json({"ok": True})
        except (ValueError, TypeError, KeyError, ApiError) as error:
            return self._json({"ok": False, "error": str(error)}, status=400)
        if not url.path.startswith("/cgi-bin/"):
            return self._send(404, "not found", "text/plain")
        api = url.path[len("/cgi-bin/") :]
        with self.fake.lock:
            hang = self.fake._take_fault("hang", api)
            slow = None if hang else self.fake._take_fault("slow", api)
            drop_answer = None if hang else self.fake._take_fault("drop_answer", api)
        if hang:
            # The connection dies before the platform does anything.
            time.sleep(float(hang.get("seconds", 1)))
            self.close_connection = True
            self.wfile.flush()
            return
        if slow:
            time.sleep(float(slow.get("seconds", 1)))
        try:
            answer = self._call(api, query, raw)
            payload = {"errcode": 0, "errmsg": "ok", **answer}
        except ApiError as error:
            payload = {"errcode": error.errcode, "errmsg": error.errmsg}
        with self.fake.lock:
            self.fake.calls.append({"api": api, "errcode": payload["errcode"]})
            if payload["errcode"] == 0 and self.fake._take_fault("expire_token_after", api):
                self.fake.add_fault({"kind": "expire_token"})
        if drop_answer:
            self.close_connection = True
            self.wfile.flush()
            return
        self._json(payload)

    def _call(self, api, query, raw):
        fake = self.fake
        with fake.lock:
            if api == "stable_token":
                fault = fake._take_fault("errcode", api)
                if fault:
                    raise ApiError(int(fault["errcode"]))
                return fake.stable_token(_json_body(raw))
            account = fake.account_for_token(query.get("access_token", ""))
            fault = fake._take_fault("errcode", api)
            if fault:
                raise ApiError(int(fault["errcode"]))
            if api == "media/uploadimg":
                return fake.upload_image(account, self._files(raw))
            if api == "material/add_material":
                return fake.add_material(account, query, self._files(raw))
            handlers = {
                "draft/add": fake.add_draft,
                "freepublish/submit": fake.submit,
                "freepublish/get": fake.get_publish,
                "freepublish/delete": fake.delete,
            }
            if api not in handlers:
                raise ApiError(48001)
            return handlers[api](account, _json_body(raw))

    def _files(self, raw):
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            raise ApiError(47001, "multipart/form-data expected")
        return parse_multipart(content_type, raw)


def _json_body(raw):
    try:
        body = json.loads(raw.decode() or "{}")
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(47001) from error
    if not isinstance(body, dict):
        raise ApiError(47001)
    return body


class FakeWeChatServer:
    """The fake platform behind a threading HTTP server on loopback."""

    def __init__(self, host="127.0.0.1", port=0, **options):
        handler = type("BoundHandler", (Handler,), {})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        host, port = self.httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        options.setdefault("public_url", self.url)
        self.fake = FakeWeChat(**options)
        handler.fake = self.fake
        self.thread = None

    @property
    def api_base(self):
        return self.url + "/cgi-bin/"

    def start(self):
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        for timer in self.fake.timers:
            timer.cancel()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fake WeChat Official Account API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--accounts", help="JSON file of accounts, reloaded on change")
    parser.add_argument("--token-ttl", type=int, default=7200)
    parser.add_argument("--publish-delay", type=float, default=1.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = FakeWeChatServer(
        args.host,
        args.port,
        token_ttl=args.token_ttl,
        publish_delay=args.publish_delay,
        accounts_file=args.accounts,
    )
    server.fake.reload_accounts()
    logger.info("fake wechat listening url=%s", server.url)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
