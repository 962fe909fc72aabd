"""The contract between the delivery outbox and a channel adapter.

An adapter turns one approved item revision into what its channel needs and
moves it there. The outbox calls it with a ``Delivery`` row that it has
claimed under a lease; the adapter never changes the row itself, it returns a
:class:`DeliveryResult` or raises one of the errors below, and the outbox
records the outcome. Every outbound call carries ``delivery.idempotency_key``
so a repeated attempt after a crash does not duplicate anything at the peer.

What an adapter reads from the delivery:

- ``delivery.action``: ``publish``, ``update`` (a correction) or ``retract``;
- ``delivery.item()``: the item as approved in ``delivery.revision`` (an
  ``ArticlePage``, ``VideoPage`` or ``PublicServiceAd``);
- ``delivery.destination``: ``channel``, ``name``, ``config`` (dict) and
  ``credentials()`` (dict, decrypted on demand);
- ``delivery.previous_receipt()``: the receipt of the last delivered publish of
  this item to this destination (what a retraction has to remove);
- ``delivery.idempotency_key`` (stable across retries).
"""

from dataclasses import dataclass, field
from datetime import timedelta


class DeliveryError(Exception):
    """Base of the errors an adapter raises; ``message`` is shown to people."""

    def __init__(self, message, *, detail=None):
        super().__init__(message)
        self.message = message
        self.detail = detail or {}


class TransientError(DeliveryError):
    """Try again later (timeouts, 5xx, busy, rate limits).

    ``retry_after`` (seconds) overrides the backoff when the peer says when.
    """

    def __init__(self, message, *, retry_after=None, detail=None):
        super().__init__(message, detail=detail)
        self.retry_after = retry_after


class CredentialsUnreadable(TransientError):
    """The destination's stored credentials cannot be decrypted with the
    configured keys; deliveries wait (and the breaker opens) until the keys
    are restored or the credentials are entered again."""

    def __init__(self, destination_name=""):
        super().__init__(
            f"渠道“{destination_name}”的凭据无法解密：加密密钥（PUFA_FIELD_KEYS 或 "
            "SECRET_KEY）与保存凭据时不同。请恢复原密钥，或在后台重新填写凭据。"
        )


class PermanentError(DeliveryError):
    """Retrying cannot help (bad configuration, invalid content)."""


class RejectedError(DeliveryError):
    """The channel received the item and refused it (platform review)."""


class UncertainError(DeliveryError):
    """The call may or may not have taken effect at the peer.

    The outbox records ``uncertain`` and asks ``check_confirmation`` or a
    person; it never reports such a delivery as success.
    """


@dataclass(frozen=True)
class Capabilities:
    """What a channel can do, read by the outbox and the correction planner."""

    update_in_place: bool = False
    delete: bool = True
    async_confirmation: bool = False
    # How many times a delivered item may be edited at the peer (None: any).
    edit_budget: int | None = None
    # An edit is reviewed again by the channel's own platform.
    needs_rereview: bool = False
    # Items older than this cannot be changed at the peer any more.
    max_item_age: timedelta | None = None


@dataclass(frozen=True)
class Finding:
    """One validation finding for an item on a channel."""

    channel: str
    message: str
    field: str = ""
    # "error" blocks delivery to the channel; "warning" is shown only.
    severity: str = "error"


@dataclass
class DeliveryResult:
    """The outcome of one adapter call.

    ``state`` is ``delivered``, ``awaiting_confirmation`` (the peer confirms
    later: by callback, polling or device reports) or ``revoked`` (a retraction
    took effect). ``receipt`` is what a person or a later retraction needs:
    remote ids, URLs, file names.
    """

    state: str
    receipt: dict = field(default_factory=dict)
    message: str = ""


class Adapter:
    """Base class of channel adapters; subclasses set ``channel`` and override."""

    channel = ""
    label = ""
    capabilities = Capabilities()

    def __init__(self, destination):
        self.destination = destination

    def validate(self, item) -> list[Finding]:
        """Return what keeps ``item`` from this channel (empty when fine)."""
        return []

    def preview(self, item) -> str:
        """Return HTML showing ``item`` as this channel will present it."""
        raise NotImplementedError

    def publish(self, delivery) -> DeliveryResult:
        raise NotImplementedError

    def update(self, delivery) -> DeliveryResult:
        """Apply a correction in place (only when ``update_in_place``)."""
        raise PermanentError("该渠道不支持原位更新。")

    def retract(self, delivery) -> DeliveryResult:
        raise NotImplementedError

    def check_confirmation(self, delivery) -> DeliveryResult | None:
        """Poll the peer for an ``awaiting_confirmation`` or ``uncertain`` row.

        Return None while the answer is still unknown.
        """
        return None
