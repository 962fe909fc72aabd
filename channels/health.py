"""The channel engine's health: the oldest delivery still waiting to go out."""

from django.conf import settings
from django.utils import timezone

from .models import Delivery, DeliveryState


def oldest_pending_seconds() -> float:
    oldest = (
        Delivery.objects.filter(state=DeliveryState.PENDING, held=False)
        .exclude(scheduled_for__gt=timezone.now())
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return (timezone.now() - oldest).total_seconds() if oldest else 0.0


def check_oldest_pending():
    limit = getattr(settings, "PUFA_OLDEST_PENDING_LIMIT", 600)
    age = oldest_pending_seconds()
    return age <= limit, {"seconds": round(age, 1), "limit": limit}
