"""The newspaper adapter: one NewsML-G2 package per delivery, into a hot folder.

Destination config (``Destination.config``):

- ``hot_folder``: URL of the hot folder (see :mod:`.hotfolder`);
- ``provider``: provider name written into ``itemMeta`` (default ``pufa``);
- ``copyright_holder``: defaults to the site name;
- ``sections``: optional map of item kind to the suggested page section.

Credentials: ``username``/``password`` (FTP) or ``access_key``/``secret_key``/
``endpoint_url``/``region`` (S3).

Every package is the next version of the item's ``guid``: one more than the
highest version in the receipt of any earlier delivery of the item to this
destination, whatever became of that row (a retraction turns the rows it
removed ``revoked``, and a publish after it must not start again at 1). So a
correction replaces, a retraction kills and a later publish revives the story
the paper's system holds. File names are derived from the guid and version, so
a retried delivery overwrites its own files and never an earlier version's.
"""

from __future__ import annotations

import logging

from django.utils.html import format_html, format_html_join

from ..adapters.base import (
    Adapter,
    Capabilities,
    DeliveryResult,
    Finding,
    PermanentError,
    TransientError,
)
from .hotfolder import HotFolderError, deliver_files, open_hot_folder
from .newsml import Package, build_package, validate_news_item
from .printfields import print_fields

logger = logging.getLogger("pufa.newspaper")


class NewspaperAdapter(Adapter):
    channel = "newspaper"
    label = "报纸"
    capabilities = Capabilities(update_in_place=True, delete=True)

    def validate(self, item) -> list[Finding]:
        findings = []
        fields = print_fields(item, section_map=self.config.get("sections"))
        if len(fields.headline) > 40:
            findings.append(
                Finding(
                    self.channel,
                    "见报标题不能超过 40 字，请填写见报标题。",
                    "newspaper_headline",
                )
            )
        if not fields.body_text.strip():
            findings.append(Finding(self.channel, "稿件没有可见报的正文。", "body"))
        if not fields.byline:
            findings.append(
                Finding(
                    self.channel, "未填写作者，见报稿将没有署名。", "byline", "warning"
                )
            )
        return findings

    @property
    def config(self) -> dict:
        return self.destination.config or {}

    def preview(self, item) -> str:
        fields = print_fields(item, section_map=self.config.get("sections"))
        paragraphs = format_html_join(
            "", "<p>{}</p>", ((b.text,) for b in fields.blocks if b.kind == "p")
        )
        return format_html(
            '<article class="pufa-print-preview"><p class="section">{}</p>'
            '<h1>{}</h1><h2>{}</h2><p class="byline">{}</p>{}'
            '<p class="count">字数：{}</p></article>',
            fields.section,
            fields.headline,
            fields.deck,
            fields.byline,
            paragraphs,
            fields.word_count,
        )

    def _next_version(self, delivery) -> int:
        receipts = delivery.item_rows().filter(sequence__lt=delivery.sequence)
        versions = [
            int((receipt or {}).get("version") or 0)
            for receipt in receipts.values_list("receipt", flat=True)
        ]
        return max(versions, default=0) + 1

    def _deliver(self, delivery, action) -> DeliveryResult:
        version = self._next_version(delivery)
        package = build_package(
            delivery.item(), version=version, action=action, config=self.config
        )
        errors = validate_news_item(package.xml)
        if errors:
            raise PermanentError(
                "生成的 NewsML-G2 稿件未通过校验：" + errors[0],
                detail={"errors": errors[:20]},
            )
        self._write(delivery, package)
        state = "revoked" if action == "retract" else "delivered"
        logger.info(
            "newspaper package delivered destination=%s guid=%s version=%s action=%s",
            self.destination.name,
            package.guid,
            package.version,
            action,
        )
        return DeliveryResult(
            state=state,
            receipt=package.receipt(),
            message=f"已投递到热文件夹：{package.xml_name}",
        )

    def _write(self, delivery, package: Package) -> None:
        credentials = self.destination.credentials() or {}
        try:
            with open_hot_folder(
                self.config.get("hot_folder", ""), credentials
            ) as folder:
                deliver_files(folder, package.files)
        except HotFolderError as error:
            if error.transient:
                raise TransientError(error.message) from error
            raise PermanentError(error.message) from error

    def publish(self, delivery) -> DeliveryResult:
        return self._deliver(delivery, "publish")

    def update(self, delivery) -> DeliveryResult:
        return self._deliver(delivery, "update")

    def retract(self, delivery) -> DeliveryResult:
        return self._deliver(delivery, "retract")
