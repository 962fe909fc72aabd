"""The feeds channel: keeps the entries the RSS/Atom feeds are rendered from.

Delivering stores the item as a :class:`~channels.models.FeedEntry`; a
correction rewrites the entry (its ``updated`` time moves, readers see the
correction note), a retraction removes it from every feed.
"""

import logging

from django.utils import timezone
from django.utils.html import escape

from ..documents import (
    body_html,
    content_type_of,
    cover_url,
    item_ref,
    video_media,
    web_url,
)
from . import register
from .base import Adapter, Capabilities, DeliveryResult, Finding, PermanentError

logger = logging.getLogger("pufa.channels.feeds")


def column_slug(item) -> str:
    if not hasattr(item, "get_parent"):
        return ""
    parent = item.get_parent()
    return parent.slug if parent is not None else ""


def entry_fields(item, delivery) -> dict:
    media = video_media(item)
    now = timezone.now()
    return {
        "content_type": content_type_of(item),
        "object_id": str(item.pk),
        "revision_id": delivery.revision_id,
        "kind": getattr(item, "item_kind", "article"),
        "title": item.title,
        "summary": getattr(item, "summary", "") or "",
        "body_html": body_html(item),
        "link": web_url(delivery.live_item() or item),
        "author": getattr(item, "byline", "") or getattr(item, "issuing_unit", ""),
        "column_slug": column_slug(item),
        "topic_slugs": [topic.slug for topic in item.topics.all()],
        "correction_note": getattr(item, "correction_note", "") or "",
        "video_url": media.get("url", ""),
        "video_type": media.get("type", ""),
        "video_length": media.get("length") or 0,
        "video_duration": media.get("duration"),
        "image_url": media.get("poster") or cover_url(item),
        "updated_at": now,
        "removed": False,
    }


class FeedsAdapter(Adapter):
    channel = "feeds"
    label = "RSS/Atom 订阅"
    capabilities = Capabilities(update_in_place=True, delete=True)

    def validate(self, item) -> list[Finding]:
        findings = []
        if not getattr(item, "summary", ""):
            findings.append(
                Finding(
                    "feeds", "订阅源将只显示标题：请填写摘要。", "summary", "warning"
                )
            )
        if getattr(item, "item_kind", "") == "video" and not getattr(
            item, "video_id", None
        ):
            findings.append(Finding("feeds", "视频稿件尚未选择视频。", "video"))
        return findings

    def preview(self, item) -> str:
        return (
            '<div class="pufa-feed-entry"><strong>'
            f"{escape(item.title)}</strong><p>{escape(getattr(item, 'summary', ''))}</p>"
            "</div>"
        )

    def publish(self, delivery) -> DeliveryResult:
        from ..models import FeedEntry

        item = delivery.item()
        if item is None:
            raise PermanentError("稿件已不存在。")
        fields = entry_fields(item, delivery)
        uid = item_ref(item)
        existing = FeedEntry.objects.filter(uid=uid).first()
        if (
            existing is not None
            and existing.revision_id == delivery.revision_id
            and not existing.removed
        ):
            return DeliveryResult("delivered", {"entry": uid, "link": existing.link})
        published_at = (
            existing.published_at
            if existing is not None
            else getattr(item, "first_published_at", None) or timezone.now()
        )
        FeedEntry.objects.update_or_create(
            uid=uid, defaults={**fields, "published_at": published_at}
        )
        logger.info("feed entry stored entry=%s delivery=%s", uid, delivery.pk)
        return DeliveryResult("delivered", {"entry": uid, "link": fields["link"]})

    def update(self, delivery) -> DeliveryResult:
        return self.publish(delivery)

    def retract(self, delivery) -> DeliveryResult:
        from ..models import FeedEntry

        removed = FeedEntry.objects.filter(
            content_type=delivery.content_type, object_id=delivery.object_id
        ).update(removed=True, updated_at=timezone.now())
        return DeliveryResult("revoked", {"removed": removed})


register("feeds", FeedsAdapter)
