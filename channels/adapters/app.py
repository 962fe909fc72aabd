"""The app channel adapter."""

from . import register
from .base import Adapter, DeliveryResult


class AppAdapter(Adapter):
    channel = "app"

    def publish(self, delivery) -> DeliveryResult:
        return DeliveryResult("delivered")

    def retract(self, delivery) -> DeliveryResult:
        return DeliveryResult("revoked")


register("app", AppAdapter)
