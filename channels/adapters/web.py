"""The web channel adapter."""

from . import register
from .base import Adapter, DeliveryResult


class WebAdapter(Adapter):
    channel = "web"

    def publish(self, delivery) -> DeliveryResult:
        return DeliveryResult("delivered")

    def retract(self, delivery) -> DeliveryResult:
        return DeliveryResult("revoked")


register("web", WebAdapter)
