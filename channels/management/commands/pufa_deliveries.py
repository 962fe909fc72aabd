"""List deliveries for operators and scripts."""

import json

from django.core.management.base import BaseCommand, CommandError

from channels.models import Delivery, DeliveryState
from cms.models.items import Channel


class Command(BaseCommand):
    help = (
        "列出分发记录（稿件、版本、渠道账号、渠道、动作、状态、尝试次数、回执、错误）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--state", choices=DeliveryState.values)
        parser.add_argument("--channel", choices=Channel.values)
        parser.add_argument("--limit", type=int, default=200)
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, state, channel, limit, json: bool, **options):
        if limit < 1:
            raise CommandError("--limit 必须大于 0")
        rows = Delivery.objects.select_related("destination").order_by("-id")
        if state:
            rows = rows.filter(state=state)
        if channel:
            rows = rows.filter(destination__channel=channel)
        records = [self.record(row) for row in rows[:limit]]
        if json:
            self.stdout.write(_dumps(records))
            return
        if not records:
            self.stdout.write("没有符合条件的分发记录。")
            return
        header = (
            "id",
            "item",
            "rev",
            "destination",
            "channel",
            "action",
            "state",
            "attempts",
            "receipt",
            "error",
        )
        self.stdout.write("\t".join(header))
        for r in records:
            self.stdout.write(
                "\t".join(
                    str(v)
                    for v in (
                        r["id"],
                        r["item"],
                        r["revision"],
                        r["destination"],
                        r["channel"],
                        r["action"],
                        r["state"],
                        r["attempts"],
                        _dumps(r["receipt"]) if r["receipt"] else "-",
                        r["last_error"] or "-",
                    )
                )
            )

    @staticmethod
    def record(row):
        return {
            "id": row.pk,
            "item": row.item_title or f"{row.content_type_id}:{row.object_id}",
            "item_ref": f"{row.content_type_id}:{row.object_id}",
            "revision": row.revision_id,
            "destination": row.destination.slug,
            "channel": row.destination.channel,
            "action": row.action,
            "state": row.state,
            "attempts": row.attempts,
            "receipt": row.receipt,
            "last_error": row.last_error,
            "created_at": row.created_at.isoformat(),
            "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        }


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
