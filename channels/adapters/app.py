"""The app channel: ninjs documents for the app API, and Standard Webhooks.

Delivering to an app destination stores the item's ninjs document and a
change-feed entry (what ``/api/app/v1/items?since=`` serves). When the
destination names a backend (``config["webhook_url"]``, secret in the
credentials as ``webhook_secret``, ``whsec_…``), the document is also pushed
there, signed as Standard Webhooks 1.0 describes; ``webhook-id`` is the
delivery's idempotency key, so a retry is recognisable as the same message.

The change cursor is ``AppDocument.change_seq``, and a reader following
``?since=`` must never step over a number that becomes visible later. An
auto-increment id cannot promise that: it is handed out at insert time, and
on PostgreSQL a transaction holding id 7 may commit after one holding id 8,
so a reader that saw 8 moves past 7 for good. The cursor is therefore assigned
in commit order instead: the writer takes the change-feed lock (a transaction
level advisory lock on PostgreSQL; SQLite runs every transaction with
``BEGIN IMMEDIATE`` and so already admits one writer at a time), reads the
highest committed cursor and stores the next one, and keeps the lock until
its transaction ends. The next writer can only read the highest cursor after
that commit, so cursors become visible in increasing order with no gaps a
reader could pass. Only the few lines that store a document hold the lock;
the webhook push happens after the commit.

A document that is already in the state a delivery asks for (same revision,
same ``pubStatus``) is left alone, so a retried delivery moves no cursor; a
retraction followed by a publish of the same revision makes the document
usable again under a new cursor.
"""

import base64
import hashlib
import hmac
import json
import logging
import time

import requests
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import escape

from ..documents import (
    canceled_document,
    delivery_uri,
    item_ref,
    ninjs_document,
)
from . import register
from .base import (
    Adapter,
    Capabilities,
    DeliveryResult,
    PermanentError,
    TransientError,
)

logger = logging.getLogger("pufa.channels.app")

WEBHOOK_TIMEOUT = 10


def _secret_bytes(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_") :])
    return secret.encode()


def sign_webhook(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``webhook-signature`` header value (``v1,<base64>``)."""
    payload = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), payload, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def new_webhook_secret() -> str:
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


CHANGE_FEED_LOCK = 0x70756661  # "pufa": the advisory lock of the app change feed


def lock_change_feed() -> None:
    """Hold the change-feed lock until the current transaction ends."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_FEED_LOCK])


def store_document(delivery, document) -> int:
    """Store ``document`` as the delivered item's current one; return its cursor."""
    from ..models import AppChange, AppDocument

    status = document.get("pubStatus", "usable")
    with transaction.atomic():
        record, created = AppDocument.objects.select_for_update().get_or_create(
            uri=document["uri"],
            defaults={
                "content_type_id": delivery.content_type_id,
                "object_id": delivery.object_id,
            },
        )
        AppChange.objects.get_or_create(
            document=record, action=delivery.action, revision_id=delivery.revision_id
        )
        if (
            not created
            and record.change_seq
            and record.revision_id == delivery.revision_id
            and record.pub_status == status
        ):
            return record.change_seq
        lock_change_feed()
        highest = AppDocument.objects.aggregate(m=Max("change_seq"))["m"] or 0
        record.document = document
        record.revision_id = delivery.revision_id
        record.pub_status = status
        record.change_seq = highest + 1
        record.save()
    logger.info(
        "app document stored uri=%s status=%s cursor=%s",
        record.uri,
        status,
        record.change_seq,
    )
    return record.change_seq


class AppAdapter(Adapter):
    channel = "app"
    label = "客户端"
    capabilities = Capabilities(update_in_place=True, delete=True)

    @property
    def config(self):
        return (self.destination.config or {}) if self.destination else {}

    def preview(self, item) -> str:
        summary = escape(getattr(item, "summary", ""))
        return (
            '<div class="pufa-app-card"><div class="pufa-app-card__kind">'
            f"{escape(getattr(item, 'item_kind', ''))}</div>"
            f"<h3>{escape(item.title)}</h3><p>{summary}</p></div>"
        )

    def publish(self, delivery) -> DeliveryResult:
        item = delivery.item()
        if item is None:
            raise PermanentError("稿件已不存在。")
        document = ninjs_document(item, revision_id=delivery.revision_id)
        cursor = store_document(delivery, document)
        receipt = {
            "uri": document["uri"],
            "cursor": cursor,
            "api": f"/api/app/v1/items/{item_ref(item)}",
        }
        event = "item.updated" if delivery.action == "update" else "item.published"
        receipt.update(self._push(delivery, event, document, cursor))
        return DeliveryResult("delivered", receipt)

    def update(self, delivery) -> DeliveryResult:
        return self.publish(delivery)

    def retract(self, delivery) -> DeliveryResult:
        from ..models import AppDocument

        # The page may be deleted by now: the delivery still names the item.
        uri = delivery_uri(delivery)
        stored = AppDocument.objects.filter(uri=uri).first()
        version = delivery.revision_id or (stored.revision_id if stored else 0)
        title = delivery.item_title or (stored.document.get("title") if stored else "")
        document = canceled_document(uri, version=str(version or 0), title=title)
        cursor = store_document(delivery, document)
        receipt = {"uri": uri, "cursor": cursor}
        receipt.update(self._push(delivery, "item.canceled", document, cursor))
        return DeliveryResult("revoked", receipt)

    def _push(self, delivery, event, document, cursor) -> dict:
        url = self.config.get("webhook_url")
        if not url:
            return {}
        secret = self.destination.credentials().get("webhook_secret", "")
        if not secret:
            raise PermanentError("客户端推送地址已配置，但缺少签名密钥。")
        body = json.dumps(
            {
                "type": event,
                "timestamp": timezone.now().isoformat(timespec="seconds"),
                "data": {"cursor": cursor, "document": document},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        message_id = delivery.idempotency_key
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_webhook(secret, message_id, timestamp, body),
        }
        try:
            response = requests.post(
                url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT
            )
        except requests.RequestException as error:
            raise TransientError(
                f"推送到客户端后端失败：{type(error).__name__}"
            ) from error
        if response.status_code in (408, 429) or response.status_code >= 500:
            retry_after = response.headers.get("Retry-After", "")
            raise TransientError(
                f"客户端后端返回 {response.status_code}",
                retry_after=int(retry_after) if retry_after.isdigit() else None,
            )
        if response.status_code >= 300:
            raise PermanentError(f"客户端后端拒绝推送（HTTP {response.status_code}）。")
        logger.info(
            "webhook pushed delivery=%s status=%s", delivery.pk, response.status_code
        )
        return {"webhook_status": response.status_code, "webhook_id": message_id}


register("app", AppAdapter)
