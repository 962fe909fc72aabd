"""The screens adapter: a destination of the screens channel is one screen group.

Destination config: ``group`` (the screen group's slug; defaults to the
destination's slug) and optional booking defaults ``priority``,
``share_of_voice``, ``is_emergency``, ``is_filler``.

A publish books the approved revision on the group and compiles the playlist
(``delivered``: the server now hands it to every player). A retraction takes
the item off every group's playlist at once and stays
``awaiting_confirmation`` until every approved device of the group has
reported the new playlist version in a heartbeat; a device that stays offline
keeps it unconfirmed, and the screen health page names it.
"""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.html import format_html

from ..adapters.base import (
    Adapter,
    Capabilities,
    DeliveryResult,
    Finding,
    PermanentError,
    TransientError,
)
from .media import MediaUnavailable
from .models import RemovalWait, ScreenGroup
from .playlist import book_item, confirm_removal, remove_item, unconfirmed_devices

logger = logging.getLogger("pufa.screens")

BOOKING_OPTIONS = ("priority", "share_of_voice", "is_emergency", "is_filler")


class ScreensAdapter(Adapter):
    channel = "screens"
    label = "户外/室内屏"
    capabilities = Capabilities(
        update_in_place=True, delete=True, async_confirmation=True
    )

    @property
    def config(self) -> dict:
        return self.destination.config or {}

    def group(self) -> ScreenGroup:
        slug = self.config.get("group") or getattr(self.destination, "slug", "")
        group = ScreenGroup.objects.filter(slug=slug).first()
        if group is None:
            raise PermanentError(f"屏幕组“{slug}”不存在，请检查发布渠道账号配置。")
        return group

    def validate(self, item) -> list[Finding]:
        kind = getattr(item, "item_kind", "")
        if kind == "article":
            return [Finding(self.channel, "屏幕只播放短视频和公益广告。", "to_screens")]
        if kind == "video" and getattr(item, "video", None) is None:
            return [Finding(self.channel, "短视频稿件尚未关联视频素材。", "video")]
        if kind == "ad" and not item.variants.exists():
            return [Finding(self.channel, "公益广告至少需要一个版式。", "variants")]
        findings = []
        if len(getattr(item, "screen_caption", "") or "") > 40:
            findings.append(
                Finding(self.channel, "屏幕字幕条不能超过 40 字。", "screen_caption")
            )
        return findings

    def preview(self, item) -> str:
        return format_html(
            '<div class="pufa-screen-preview" style="aspect-ratio:16/9;background:#000;'
            'color:#fff;display:flex;align-items:flex-end;padding:1em">'
            "<strong>{}</strong>&nbsp;{}</div>",
            item.title,
            getattr(item, "screen_caption", ""),
        )

    def _book(self, delivery) -> DeliveryResult:
        group = self.group()
        options = {k: self.config[k] for k in BOOKING_OPTIONS if k in self.config}
        try:
            entry = book_item(
                group, delivery.item(), revision_id=delivery.revision_id, **options
            )
        except MediaUnavailable as error:
            if error.transient:
                raise TransientError(error.message, retry_after=60) from error
            raise PermanentError(error.message) from error
        snapshot = group.latest_snapshot()
        return DeliveryResult(
            state="delivered",
            receipt={
                "group": group.slug,
                "entry": entry.pk,
                "playlist_version": snapshot.version,
            },
            message=f"已编入屏幕组“{group.name}”节目单（版本 {snapshot.version}）",
        )

    def publish(self, delivery) -> DeliveryResult:
        return self._book(delivery)

    def update(self, delivery) -> DeliveryResult:
        return self._book(delivery)

    def retract(self, delivery) -> DeliveryResult:
        group = self.group()
        item = delivery.live_item() if hasattr(delivery, "live_item") else None
        item = item or delivery.item()
        waits = remove_item(item, delivery_id=delivery.pk)
        wait = next((w for w in waits if w.group_id == group.pk), None)
        if wait is None:
            wait = self._latest_wait(group, item)
        if wait is None:
            return DeliveryResult(
                state="revoked", message="该稿件不在此屏幕组的节目单中。"
            )
        wait.delivery_id = delivery.pk
        wait.save(update_fields=["delivery_id"])
        pending = unconfirmed_devices(group, wait.seq).count()
        receipt = {"group": group.slug, "removal": wait.pk, "until_seq": wait.seq}
        if confirm_removal(wait):
            return self._confirmed(wait, receipt)
        return DeliveryResult(
            state="awaiting_confirmation",
            receipt=receipt,
            message=f"已从节目单撤下，等待 {pending} 台设备确认新节目单。",
        )

    def _latest_wait(self, group, item):
        content_type = ContentType.objects.get_for_model(item.__class__)
        return (
            RemovalWait.objects.filter(
                group=group, item_key=f"{content_type.model}:{item.pk}"
            )
            .order_by("-requested_at", "-pk")
            .first()
        )

    def _confirmed(self, wait, receipt) -> DeliveryResult:
        seconds = round(wait.took.total_seconds(), 1)
        return DeliveryResult(
            state="revoked",
            receipt={
                **receipt,
                "confirmed_at": timezone.localtime(wait.confirmed_at).isoformat(),
                "confirmation_seconds": seconds,
            },
            message=f"全部设备已切换到新节目单，用时 {seconds} 秒。",
        )

    def check_confirmation(self, delivery) -> DeliveryResult | None:
        if delivery.action != "retract":
            return None
        wait = (
            RemovalWait.objects.filter(
                pk=(delivery.receipt or {}).get("removal")
            ).first()
            or RemovalWait.objects.filter(delivery_id=delivery.pk).first()
        )
        if wait is None:
            return None
        if not confirm_removal(wait):
            return None
        return self._confirmed(wait, dict(delivery.receipt or {}))
