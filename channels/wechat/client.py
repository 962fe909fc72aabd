"""Our own thin client of the WeChat Official Account API.

The maintained Python SDKs lack the draft and free-publish calls, so this
module speaks the API directly with ``requests``. It owns what every call
needs:

- one access token per account, shared by every process (web workers,
  delivery worker, scheduler) through a database row
  (:class:`~.models.WeChatAccessToken`); a refresh lease on that row lets a
  single process fetch it from ``stable_token`` (normal mode, never
  ``force_refresh``: forcing would invalidate the token the others hold);
- a token error (40001, 40014, 42001) drops the stored token, fetches it
  again and repeats the call once; a second token error is transient;
- a daily counter per account and API, kept in the database; at the daily
  limit (or on 45009) the destination pauses until midnight Asia/Shanghai, on
  45011 until the next minute;
- the mapping of WeChat error codes to the adapter errors of
  :mod:`channels.adapters.base`, with messages for people;
- a timeout on every request.
"""

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.adapters.base import PermanentError, RejectedError, TransientError
from cms.encryption import is_sealed

logger = logging.getLogger("pufa.wechat")

DEFAULT_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Daily quotas of a new account; a destination's config may raise them.
DAILY_QUOTAS = {
    "draft/add": 1000,
    "freepublish/submit": 100,
    "freepublish/get": 100,
    "freepublish/delete": 10,
}
TOKEN_ERRORS = {40001, 40014, 42001}
# How long a process may wait for another's token fetch, and how long its
# refresh lease lasts (longer than a stable_token call may take).
TOKEN_WAIT_SECONDS = 15
TOKEN_LEASE_SECONDS = 45
CONFIG_ERRORS = {40013, 40125, 40164, 41001, 48001}

MESSAGES = {
    -1: "微信服务器繁忙，稍后自动重试。",
    40005: "图片格式不被微信接受（只支持 JPG/PNG）。",
    40007: "微信素材或草稿无效（media_id 已失效或不存在）。",
    40009: "图片大小超出微信限制。",
    40012: "缩略图大小超出微信限制（JPG 不超过 64 KB）。",
    40013: "公众号 AppID 不正确，请检查发布渠道账号的凭据。",
    40125: "公众号 AppSecret 不正确，请检查发布渠道账号的凭据。",
    40164: "服务器 IP 不在公众号的 IP 白名单中，请在微信公众平台添加。",
    41001: "缺少 access_token，请检查发布渠道账号的配置。",
    44003: "图文消息为空。",
    44004: "正文为空。",
    45002: "正文超出微信长度限制（少于 2 万字、1 MB）。",
    45003: "标题超出微信长度限制（不超过 32 字）。",
    45004: "摘要超出微信长度限制（不超过 128 字）。",
    45005: "原文链接超出微信长度限制（不超过 1 KB）。",
    45008: "一次推送最多 8 篇图文。",
    45110: "作者超出微信长度限制（不超过 16 字）。",
    45166: "微信判定正文内容无效，请检查正文中是否有不被支持的内容。",
    48001: "公众号没有该接口的权限（未认证或未开通），请检查公众号资质。",
    53402: "微信封面裁剪失败，请更换封面图。",
    53503: "该草稿未通过发布检查，需要在微信公众平台人工处理。",
    53504: "需要在微信公众平台人工处理（例如管理员确认）。",
    53505: "需要在微信公众平台人工处理（请前往公众平台手动发表）。",
}
ASSET_ERRORS = {40005, 40007, 40009, 40012}
CONTENT_LIMIT_ERRORS = {44003, 44004, 45002, 45003, 45004, 45005, 45008, 45110}
REJECTED_ERRORS = {45166, 53402}
NEEDS_PERSON_ERRORS = {53503, 53504, 53505}


@dataclass(frozen=True)
class Account:
    """What the client needs to know of one WeChat destination."""

    key: str
    appid: str
    secret: str
    base_url: str = DEFAULT_BASE_URL
    destination_id: int | None = None
    quotas: tuple = ()

    def quota(self, api: str) -> int | None:
        return dict(self.quotas).get(api, DAILY_QUOTAS.get(api))


def account_for(destination) -> "Account":
    """Return the client account of a ``channels.Destination``."""
    credentials = destination.credentials()
    config = destination.config or {}
    appid, secret = credentials.get("appid", ""), credentials.get("secret", "")
    if not appid or not secret:
        raise PermanentError("发布渠道账号缺少 AppID 或 AppSecret，请在渠道设置中填写。")
    base_url = config.get("base_url") or DEFAULT_BASE_URL
    return Account(
        key=destination.slug,
        appid=appid,
        secret=secret,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        destination_id=destination.pk,
        quotas=tuple(sorted((config.get("quotas") or {}).items())),
    )


def next_midnight(now=None) -> datetime:
    local = timezone.localtime(now or timezone.now(), SHANGHAI)
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def next_minute(now=None) -> datetime:
    now = now or timezone.now()
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def shanghai_day(now=None):
    return timezone.localtime(now or timezone.now(), SHANGHAI).date()


class QuotaBook:
    """Daily call counters and pauses of one account, kept in the database."""

    def __init__(self, account: Account):
        self.account = account

    def paused_until(self) -> datetime | None:
        from channels.models import Destination

        if self.account.destination_id is None:
            return None
        until = (
            Destination.objects.filter(pk=self.account.destination_id)
            .values_list("paused_until", flat=True)
            .first()
        )
        return until if until and until > timezone.now() else None

    def pause(self, until: datetime, reason: str) -> None:
        from channels.models import Destination

        from .models import WeChatAccountHealth

        if self.account.destination_id is None:
            return
        Destination.objects.filter(pk=self.account.destination_id).update(
            paused_until=until
        )
        WeChatAccountHealth.record(
            self.account.destination_id, ok=False, code=reason, paused_until=until
        )
        logger.info("paused account=%s until=%s reason=%s", self.account.key, until, reason)

    def used(self, api: str) -> int:
        from .models import WeChatQuotaUsage

        row = WeChatQuotaUsage.objects.filter(
            destination_id=self.account.destination_id, day=shanghai_day(), api=api
        ).first()
        return row.calls if row else 0

    def spend(self, api: str) -> None:
        """Count one call of ``api``; pause and refuse when the day's quota is gone."""
        from .models import WeChatQuotaUsage

        limit = self.account.quota(api)
        if limit is None or self.account.destination_id is None:
            return
        day = shanghai_day()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    WeChatQuotaUsage.objects.get_or_create(
                        destination_id=self.account.destination_id, day=day, api=api
                    )
            except IntegrityError:
                pass
            spent = WeChatQuotaUsage.objects.filter(
                destination_id=self.account.destination_id,
                day=day,
                api=api,
                calls__lt=limit,
            ).update(calls=F("calls") + 1)
        if not spent:
            until = next_midnight()
            self.pause(until, "45009")
            raise TransientError(
                f"今日“{api}”调用次数已用完（{limit} 次），该公众号暂停至明日零点。",
                retry_after=_seconds_until(until),
                detail={"errcode": 45009, "api": api},
            )

    def exhausted(self, api: str) -> None:
        """Record that WeChat says the day's quota of ``api`` is gone."""
        from .models import WeChatQuotaUsage

        limit = self.account.quota(api)
        if limit is not None and self.account.destination_id is not None:
            WeChatQuotaUsage.objects.filter(
                destination_id=self.account.destination_id, day=shanghai_day(), api=api
            ).update(calls=limit)


def _seconds_until(moment: datetime) -> int:
    return max(1, int((moment - timezone.now()).total_seconds()) + 1)


def error_for(errcode: int, errmsg: str, api: str):
    """Return the adapter error for a WeChat ``errcode`` on ``api``."""
    text = MESSAGES.get(errcode) or f"微信接口返回错误 {errcode}：{errmsg}"
    detail = {"errcode": errcode, "errmsg": errmsg, "api": api}
    if errcode == -1:
        return TransientError(text, detail=detail)
    if errcode in REJECTED_ERRORS:
        return RejectedError(text, detail=detail)
    if errcode in NEEDS_PERSON_ERRORS:
        return PermanentError(text, detail={**detail, "needs_person": True})
    if errcode in CONFIG_ERRORS:
        return PermanentError(text, detail={**detail, "configuration": True})
    return PermanentError(text, detail=detail)


class WeChatClient:
    """Calls the API for one account; every call has a timeout."""

    def __init__(self, account: Account, *, timeout=(5, 30), session=None, sleep=None):
        self.account = account
        self.timeout = timeout
        self.session = session or requests.Session()
        self.quota_book = QuotaBook(account)
        self._sleep = sleep or time.sleep
        self._lease_owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    # Token -----------------------------------------------------------------

    def access_token(self) -> str:
        """Return the shared token, fetching it when no process has it."""
        token = self._stored_token()
        if token:
            return token
        deadline = time.monotonic() + TOKEN_WAIT_SECONDS
        while time.monotonic() < deadline:
            if self._take_refresh_lease():
                try:
                    return self._stored_token() or self._fetch_token()
                finally:
                    self._release_refresh_lease()
            self._sleep(0.05)
            token = self._stored_token()
            if token:
                return token
        raise TransientError("获取微信 access_token 超时，稍后自动重试。")

    def _token_row(self):
        from .models import WeChatAccessToken

        return WeChatAccessToken.objects.filter(appid=self.account.appid)

    def _stored_token(self) -> str:
        token = (
            self._token_row()
            .filter(expires_at__gt=timezone.now())
            .values_list("token", flat=True)
            .first()
        )
        # A token sealed by a change of keys is as good as none: fetch again.
        return "" if not token or is_sealed(token) else token

    def _take_refresh_lease(self) -> bool:
        """Become the one process that fetches the token, or return False.

        A conditional ``UPDATE`` is atomic on SQLite and PostgreSQL alike, and
        holds no transaction open during the HTTP call; a lease left by a dead
        process ends on its own.
        """
        from .models import WeChatAccessToken

        if not self._token_row().exists():
            try:
                with transaction.atomic():
                    WeChatAccessToken.objects.create(appid=self.account.appid)
            except IntegrityError:
                pass  # Another process made the row first.
        now = timezone.now()
        return bool(
            self._token_row()
            .filter(Q(refresh_until__isnull=True) | Q(refresh_until__lte=now))
            .update(
                refresh_owner=self._lease_owner,
                refresh_until=now + timedelta(seconds=TOKEN_LEASE_SECONDS),
            )
        )

    def _release_refresh_lease(self) -> None:
        self._token_row().filter(refresh_owner=self._lease_owner).update(
            refresh_owner="", refresh_until=None
        )

    def _fetch_token(self) -> str:
        answer = self._request(
            "stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.account.appid,
                "secret": self.account.secret,
                "force_refresh": False,
            },
        )
        if answer.get("errcode"):
            raise self._fail("stable_token", answer)
        token = answer["access_token"]
        lifetime = int(answer.get("expires_in") or 7200)
        # Renew a little early so no call carries a token about to expire.
        usable = max(30, lifetime - min(300, lifetime // 10))
        self._token_row().update(
            token=token, expires_at=timezone.now() + timedelta(seconds=usable)
        )
        logger.info("fetched token account=%s expires_in=%s", self.account.key, lifetime)
        return token

    def _drop_token(self, token: str) -> None:
        """Forget ``token`` unless another process has already replaced it."""
        row = self._token_row().values("token", "expires_at").first()
        if row and row["token"] == token:
            self._token_row().filter(expires_at=row["expires_at"]).update(
                token="", expires_at=None
            )

    # Calls -----------------------------------------------------------------

    def call(self, api: str, *, json=None, files=None, params=None) -> dict:
        """Call ``api`` and return its answer; raise an adapter error on failure."""
        paused = self.quota_book.paused_until()
        if paused:
            raise TransientError(
                f"该公众号暂停调用至 {timezone.localtime(paused, SHANGHAI):%m-%d %H:%M}。",
                retry_after=_seconds_until(paused),
                detail={"paused_until": paused.isoformat()},
            )
        self.quota_book.spend(api)
        for attempt in (1, 2):
            token = self.access_token()
            answer = self._request(
                api, json=json, files=files, params={**(params or {}), "access_token": token}
            )
            errcode = answer.get("errcode") or 0
            if errcode in TOKEN_ERRORS and attempt == 1:
                logger.info("token refused account=%s errcode=%s", self.account.key, errcode)
                self._drop_token(token)
                continue
            if errcode:
                raise self._fail(api, answer)
            self._record_ok()
            return answer
        raise TransientError("微信 access_token 连续失效，稍后自动重试。")

    def _request(self, api, *, json=None, files=None, params=None) -> dict:
        url = self.account.base_url + api
        try:
            if json is not None:
                data = _dumps(json)
                response = self.session.post(
                    url,
                    params=params,
                    data=data,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                    timeout=self.timeout,
                )
            else:
                response = self.session.post(url, params=params, files=files, timeout=self.timeout)
        except requests.exceptions.ConnectTimeout as error:
            raise TransientError("连接微信服务器超时，稍后自动重试。") from error
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as error:
            # Repeating is safe even for freepublish/submit: WeChat takes a
            # draft out of the draft box when it is submitted, so a repeat of
            # a submit that did happen answers 40007 instead of publishing
            # twice (the adapter reports that case as uncertain).
            raise TransientError("与微信服务器的连接中断，稍后自动重试。") from error
        if response.status_code >= 500:
            raise TransientError(f"微信服务器错误（HTTP {response.status_code}），稍后自动重试。")
        try:
            return response.json()
        except ValueError as error:
            raise TransientError("微信服务器返回了无法解析的内容，稍后自动重试。") from error

    def _fail(self, api: str, answer: dict):
        errcode = int(answer.get("errcode") or 0)
        errmsg = str(answer.get("errmsg") or "")
        logger.info(
            "call failed account=%s api=%s errcode=%s", self.account.key, api, errcode
        )
        if errcode == 45009:
            self.quota_book.exhausted(api)
            until = next_midnight()
            self.quota_book.pause(until, "45009")
            return TransientError(
                f"微信提示今日“{api}”调用次数已达上限，该公众号暂停至明日零点。",
                retry_after=_seconds_until(until),
                detail={"errcode": errcode, "api": api},
            )
        if errcode == 45011:
            until = next_minute()
            self.quota_book.pause(until, "45011")
            return TransientError(
                "微信接口调用过于频繁，下一分钟自动重试。",
                retry_after=_seconds_until(until),
                detail={"errcode": errcode, "api": api},
            )
        error = error_for(errcode, errmsg, api)
        if errcode in CONFIG_ERRORS and self.account.destination_id is not None:
            from .models import WeChatAccountHealth

            WeChatAccountHealth.record(
                self.account.destination_id, ok=False, code=str(errcode), message=error.message
            )
            logger.error(
                "account needs configuration account=%s errcode=%s", self.account.key, errcode
            )
        return error

    def _record_ok(self) -> None:
        if self.account.destination_id is None:
            return
        from .models import WeChatAccountHealth

        WeChatAccountHealth.record(self.account.destination_id, ok=True)

    # The API -----------------------------------------------------------------

    def upload_body_image(self, data: bytes, filename: str) -> str:
        """Upload a body image (JPG/PNG < 1 MB); return its mmbiz.qpic.cn URL."""
        answer = self.call("media/uploadimg", files={"media": (filename, data, _mime(filename))})
        return answer["url"]

    def add_material(self, data: bytes, filename: str, kind: str = "thumb") -> dict:
        """Add permanent ``image`` or ``thumb`` material; return media_id and url."""
        answer = self.call(
            "material/add_material",
            params={"type": kind},
            files={"media": (filename, data, _mime(filename))},
        )
        return {"media_id": answer["media_id"], "url": answer.get("url", "")}

    def add_draft(self, articles: list[dict]) -> str:
        return self.call("draft/add", json={"articles": articles})["media_id"]

    def submit(self, media_id: str) -> str:
        return str(self.call("freepublish/submit", json={"media_id": media_id})["publish_id"])

    def get_publish(self, publish_id: str) -> dict:
        return self.call("freepublish/get", json={"publish_id": str(publish_id)})

    def delete_article(self, article_id: str, index: int) -> None:
        """Delete article ``index`` (1-based; 0 deletes the whole post)."""
        self.call("freepublish/delete", json={"article_id": article_id, "index": index})


def _dumps(value) -> bytes:
    import json

    # WeChat stores \\uXXXX escapes literally, so send real UTF-8.
    return json.dumps(value, ensure_ascii=False).encode()


def _mime(filename: str) -> str:
    return "image/png" if filename.lower().endswith(".png") else "image/jpeg"
