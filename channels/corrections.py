"""The correction planner: how each destination takes a corrected item.

From a destination's capabilities the planner picks one method: update in
place, delete and re-publish, append a correction notice, or a task for a
person. Editors see the plan before sign-off; the outbox follows it.
"""

from dataclasses import dataclass

from django.utils import timezone

from .models import Action, Delivery, DeliveryState, Destination

METHOD_LABELS = {
    "update_in_place": "原位更新",
    "delete_and_republish": "删除后重新发布",
    "append_notice": "追加更正说明",
    "manual": "需人工处理",
    "first_publish": "首次发布（无需更正）",
}


@dataclass(frozen=True)
class CorrectionPlan:
    destination: Destination
    method: str
    explanation: str

    @property
    def label(self) -> str:
        return METHOD_LABELS[self.method]


def _delivered_rows(item_rows):
    return item_rows.filter(
        action__in=[Action.PUBLISH, Action.UPDATE],
        state__in=[
            DeliveryState.DELIVERED,
            DeliveryState.AWAITING_CONFIRMATION,
            DeliveryState.UNCERTAIN,
        ],
    )


def plan_for(destination: Destination, item_rows) -> CorrectionPlan:
    """Return the plan for a correction given the item's rows to ``destination``."""
    capabilities = destination.capabilities
    delivered = _delivered_rows(item_rows)
    first = delivered.order_by("sequence").first()
    if first is None:
        return CorrectionPlan(destination, "first_publish", "该渠道尚未收到此稿件。")
    if destination.config.get("correction_mode") == "notice":
        # The destination's owner chose to keep the original and publish a
        # notice (WeChat accounts that avoid deleting read articles).
        return CorrectionPlan(
            destination, "append_notice", "保留原稿，另发一篇附更正说明的稿件。"
        )
    edits = delivered.filter(action=Action.UPDATE).count()
    too_old = bool(
        capabilities.max_item_age
        and first.delivered_at
        and timezone.now() - first.delivered_at > capabilities.max_item_age
    )
    budget_left = capabilities.edit_budget is None or edits < capabilities.edit_budget
    if capabilities.update_in_place and budget_left and not too_old:
        note = "渠道将重新审核修改内容。" if capabilities.needs_rereview else ""
        return CorrectionPlan(
            destination, "update_in_place", "直接更新已发布内容。" + note
        )
    if capabilities.delete and not too_old:
        return CorrectionPlan(
            destination, "delete_and_republish", "先删除原稿，再发布更正后的稿件。"
        )
    if not capabilities.delete and not too_old and capabilities.update_in_place:
        return CorrectionPlan(
            destination, "append_notice", "修改次数已用完，将发布附更正说明的新稿件。"
        )
    reason = "稿件已超过渠道允许修改的期限" if too_old else "渠道不支持修改或删除"
    return CorrectionPlan(destination, "manual", f"{reason}，请渠道发布人员人工处理。")


def plan_for_delivery(delivery: Delivery) -> CorrectionPlan:
    return plan_for(
        delivery.destination,
        delivery.item_rows().filter(sequence__lt=delivery.sequence),
    )


def plan_for_item(item) -> list[CorrectionPlan]:
    """Return the plan of every targeted destination for correcting ``item``."""
    from .outbox import destinations_for

    plans = []
    for destination in destinations_for(item):
        rows = Delivery.objects.for_item(item).filter(destination=destination)
        plans.append(plan_for(destination, rows))
    return plans
