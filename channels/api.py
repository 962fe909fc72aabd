"""The app API (``/api/app/v1/``): ninjs documents and a cursor change feed.

Every request carries an app key (``X-Api-Key`` or ``Authorization: Bearer``);
each app has its own per-minute request limit. Responses carry a strong
``ETag`` and answer ``If-None-Match`` with 304. The OpenAPI document is at
``/api/app/v1/openapi.json``.
"""

import hashlib
import json
import logging
import time

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.security import APIKeyHeader, HttpBearer

from .models import AppClient, AppDocument

logger = logging.getLogger("pufa.channels.api")

MAX_LIMIT = 200


class RateLimited(Exception):
    def __init__(self, retry_after):
        self.retry_after = retry_after


def _check_key(request, key):
    app = AppClient.for_key(key)
    if app is None:
        return None
    window = int(time.time() // 60)
    counter = f"pufa:app-rate:{app.pk}:{window}"
    cache.add(counter, 0, 120)
    try:
        used = cache.incr(counter)
    except ValueError:
        cache.set(counter, 1, 120)
        used = 1
    if used > app.rate_limit_per_minute:
        raise RateLimited(60 - int(time.time()) % 60)
    if not app.last_used_at or (timezone.now() - app.last_used_at).total_seconds() > 60:
        AppClient.objects.filter(pk=app.pk).update(last_used_at=timezone.now())
    return app


class KeyHeader(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        return _check_key(request, key)


class KeyBearer(HttpBearer):
    def authenticate(self, request, token):
        return _check_key(request, token)


api = NinjaAPI(
    title="普法客户端 API",
    version="1",
    description="ninjs 3.1 稿件与变更流。每个客户端应用使用自己的密钥。",
    urls_namespace="pufa_app_api",
    auth=[KeyHeader(), KeyBearer()],
    docs_url=None,
)


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = api.create_response(
        request, {"detail": "请求过于频繁，请稍后再试。"}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


class ChangePage(Schema):
    data: list[dict]
    next_cursor: int
    has_more: bool


class ItemsQuery(Schema):
    since: int = 0
    limit: int = 50


def _conditional(request, payload):
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    candidates = [
        tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")
    ]
    if etag in candidates:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


@api.get(
    "/items",
    response=ChangePage,
    summary="变更流",
    description=(
        "返回 `since` 游标之后有变化的稿件（每篇给出最新状态，包括更正和撤稿；"
        "撤稿的 `pubStatus` 为 `canceled`）。用返回的 `next_cursor` 继续拉取。"
    ),
)
def list_items(request, filters: Query[ItemsQuery]):
    if filters.since < 0 or not 1 <= filters.limit <= MAX_LIMIT:
        return api.create_response(
            request,
            {"detail": f"since 不能为负数，limit 须在 1 到 {MAX_LIMIT} 之间。"},
            status=400,
        )
    rows = list(
        AppDocument.objects.filter(change_seq__gt=filters.since)
        .order_by("change_seq")
        .values_list("change_seq", "document")[: filters.limit + 1]
    )
    has_more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    payload = {
        "data": [document for _, document in rows],
        "next_cursor": rows[-1][0] if rows else filters.since,
        "has_more": has_more,
    }
    return _conditional(request, payload)


@api.get(
    "/items/{ref}",
    response={200: dict, 404: dict},
    summary="单篇稿件",
    description="按编号（如 `page-12`、`ad-3`）返回稿件的 ninjs 3.1 文档。",
)
def get_item(request, ref: str):
    record = AppDocument.objects.filter(uri="urn:pufa:item:" + ref).first()
    if record is None:
        return api.create_response(request, {"detail": "没有这篇稿件。"}, status=404)
    return _conditional(request, record.document)
