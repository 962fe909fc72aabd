"""Destinations, the delivery outbox and what the channels publish from it.

A :class:`Delivery` row is the state of one (item revision, destination,
action); queues and tasks only say "look at the rows now". See
:mod:`channels.outbox` for how rows move between states.
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from cms.encryption import EncryptedJSONField, is_sealed
from cms.models.items import Channel


class Policy(models.TextChoices):
    AUTOMATIC = "automatic", "自动分发"
    CURATED = "curated", "人工编排"


# Web, app and feeds take every approved item; the others are edited by hand.
DEFAULT_POLICY = {
    Channel.WEB: Policy.AUTOMATIC,
    Channel.APP: Policy.AUTOMATIC,
    Channel.FEEDS: Policy.AUTOMATIC,
    Channel.WECHAT: Policy.CURATED,
    Channel.SCREENS: Policy.CURATED,
    Channel.NEWSPAPER: Policy.CURATED,
}


class BreakerState(models.TextChoices):
    CLOSED = "closed", "正常"
    OPEN = "open", "熔断"
    HALF_OPEN = "half_open", "试探恢复"


class Destination(models.Model):
    """One concrete target (发布渠道账号): a WeChat account, a screen group …"""

    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    name = models.CharField("名称", max_length=128)
    slug = models.SlugField("标识", max_length=64, unique=True)
    config = models.JSONField("配置", default=dict, blank=True)
    credentials_data = EncryptedJSONField("凭据（加密保存）", blank=True, default=dict)
    active = models.BooleanField("启用", default=True)
    policy = models.CharField(
        "分发策略", max_length=16, choices=Policy.choices, blank=True
    )
    breaker_state = models.CharField(
        "熔断状态",
        max_length=16,
        choices=BreakerState.choices,
        default=BreakerState.CLOSED,
    )
    breaker_failures = models.PositiveIntegerField("连续失败次数", default=0)
    breaker_opened_at = models.DateTimeField(null=True, blank=True)
    breaker_retry_at = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField("暂停至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel", "name"]
        verbose_name = "发布渠道账号"
        verbose_name_plural = "发布渠道账号"

    def __str__(self):
        return f"{self.get_channel_display()} · {self.name}"

    def save(self, *args, **kwargs):
        if not self.policy:
            self.policy = DEFAULT_POLICY.get(self.channel, Policy.AUTOMATIC)
        super().save(*args, **kwargs)

    def credentials(self) -> dict:
        """Return the decrypted credentials (never log them).

        Raise ``CredentialsUnreadable`` (a transient delivery error) when the
        stored credentials cannot be decrypted with the configured keys.
        """
        if is_sealed(self.credentials_data):
            from .adapters.base import CredentialsUnreadable

            raise CredentialsUnreadable(self.name)
        return dict(self.credentials_data or {})

    def set_credentials(self, values: dict) -> None:
        self.credentials_data = dict(values)

    @property
    def is_curated(self) -> bool:
        return self.policy == Policy.CURATED

    def adapter(self):
        from .adapters import get_adapter_class

        return get_adapter_class(self.channel)(self)

    def has_adapter(self) -> bool:
        from .adapters import registered_channels

        return self.channel in registered_channels()

    @property
    def capabilities(self):
        from .adapters.base import Capabilities

        if not self.has_adapter():
            return Capabilities()
        return self.adapter().capabilities


class Action(models.TextChoices):
    PUBLISH = "publish", "发布"
    UPDATE = "update", "更正"
    RETRACT = "retract", "撤稿"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    AWAITING_CONFIRMATION = "awaiting_confirmation", "等待渠道确认"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"
    REJECTED = "rejected", "被渠道拒绝"
    UNCERTAIN = "uncertain", "结果未知"
    CANCELLED = "cancelled", "已取消"
    REVOKED = "revoked", "已撤下"


# States after which a row never moves again except delivered → revoked.
FINAL_STATES = {
    DeliveryState.DELIVERED,
    DeliveryState.FAILED,
    DeliveryState.REJECTED,
    DeliveryState.CANCELLED,
    DeliveryState.REVOKED,
}
# A later row of the same item and destination waits while one of these runs.
BLOCKING_STATES = {
    DeliveryState.PENDING,
    DeliveryState.SENDING,
    DeliveryState.AWAITING_CONFIRMATION,
}


class DeliveryQuerySet(models.QuerySet):
    def for_item(self, item):
        return self.filter(
            content_type=ContentType.objects.get_for_model(item.__class__),
            object_id=str(item.pk),
        )

    def open(self):
        return self.exclude(state__in=FINAL_STATES)


class Delivery(models.Model):
    """One attempt-tracked delivery (分发记录) of an item revision."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=64, db_index=True)
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    item_title = models.CharField("稿件标题", max_length=255, blank=True)
    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, related_name="deliveries"
    )
    action = models.CharField("动作", max_length=16, choices=Action.choices)
    state = models.CharField(
        "状态",
        max_length=24,
        choices=DeliveryState.choices,
        default=DeliveryState.PENDING,
        db_index=True,
    )
    idempotency_key = models.CharField(max_length=128, unique=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    lease_owner = models.CharField(max_length=128, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Higher first: retractions jump the queue.
    priority = models.IntegerField(default=0)
    # Embargo: the engine holds the row until then.
    scheduled_for = models.DateTimeField("定时", null=True, blank=True)
    # A curated destination's row waits here until a channel publisher picks it.
    held = models.BooleanField("待编排", default=False)
    receipt = models.JSONField("回执", default=dict, blank=True)
    last_error = models.TextField("错误", blank=True)
    sequence = models.PositiveIntegerField(default=0)
    slot = models.CharField("批次", max_length=64, blank=True, db_index=True)
    position = models.PositiveIntegerField("批次内位置", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "分发记录"
        verbose_name_plural = "分发记录"
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "destination", "sequence"],
                name="delivery_item_dest_seq",
            ),
            models.Index(fields=["state", "priority", "id"], name="delivery_claim"),
        ]

    def __str__(self):
        return (
            f"{self.item_title or self.object_id} → {self.destination} ({self.action})"
        )

    def item(self):
        """Return the item as approved in ``revision`` (or as stored now)."""
        if self.revision_id:
            return self.revision.as_object()
        return self.live_item()

    def live_item(self):
        model = self.content_type.model_class()
        instance = model._default_manager.filter(pk=self.object_id).first()
        if instance is not None and hasattr(instance, "specific"):
            return instance.specific
        return instance

    def item_rows(self):
        """Every delivery of the same item to the same destination."""
        return Delivery.objects.filter(
            content_type_id=self.content_type_id,
            object_id=self.object_id,
            destination_id=self.destination_id,
        )

    def previous_receipt(self) -> dict:
        """Return the receipt of the last delivered publish or update before this."""
        row = (
            self.item_rows()
            .filter(
                action__in=[Action.PUBLISH, Action.UPDATE],
                state__in=[
                    DeliveryState.DELIVERED,
                    DeliveryState.AWAITING_CONFIRMATION,
                    DeliveryState.UNCERTAIN,
                ],
                sequence__lt=self.sequence,
            )
            .order_by("-sequence")
            .first()
        )
        return dict(row.receipt) if row else {}

    @property
    def is_final(self):
        return self.state in FINAL_STATES


class DeliveryEvent(models.Model):
    """The history of a delivery row: every state change and attempt."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    message = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "分发事件"
        verbose_name_plural = "分发事件"


class RetractedPath(models.Model):
    """A URL path of a retracted page: the site answers ``410 Gone`` there."""

    path = models.CharField(max_length=512, unique=True)
    content_type = models.ForeignKey(
        ContentType, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    retracted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "已撤稿地址"
        verbose_name_plural = "已撤稿地址"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AppClient(models.Model):
    """An app that reads the app API with its own key and rate limit."""

    name = models.CharField("应用名称", max_length=128, unique=True)
    key_prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    rate_limit_per_minute = models.PositiveIntegerField("每分钟请求上限", default=120)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "客户端应用"
        verbose_name_plural = "客户端应用"

    def __str__(self):
        return self.name

    def issue_key(self) -> str:
        """Set a new key and return it; only its hash is kept."""
        key = "pk_" + secrets.token_urlsafe(24)
        self.key_prefix = key[:10]
        self.key_hash = _hash_secret(key)
        return key

    @classmethod
    def for_key(cls, key: str):
        if not key:
            return None
        return cls.objects.filter(key_hash=_hash_secret(key), active=True).first()


class AppDocument(models.Model):
    """The current ninjs document of an item as delivered to the app channel."""

    uri = models.CharField(max_length=255, unique=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=64)
    revision_id = models.PositiveIntegerField(null=True)
    document = models.JSONField(default=dict)
    pub_status = models.CharField(max_length=16, default="usable")
    change_seq = models.PositiveBigIntegerField(default=0, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]


class AppChange(models.Model):
    """One entry of the app change feed; the id is the cursor."""

    document = models.ForeignKey(
        AppDocument, on_delete=models.CASCADE, related_name="changes"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    revision_id = models.PositiveIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "action", "revision_id"], name="app_change_once"
            )
        ]


class FeedEntry(models.Model):
    """An item as the feeds show it; written by the feeds adapter."""

    uid = models.CharField(max_length=255, unique=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=64)
    revision_id = models.PositiveIntegerField(null=True)
    kind = models.CharField(max_length=16)
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    link = models.CharField(max_length=512)
    author = models.CharField(max_length=128, blank=True)
    column_slug = models.SlugField(max_length=255, blank=True, db_index=True)
    topic_slugs = models.JSONField(default=list, blank=True)
    correction_note = models.TextField(blank=True)
    video_url = models.CharField(max_length=512, blank=True)
    video_type = models.CharField(max_length=64, blank=True)
    video_length = models.PositiveBigIntegerField(default=0)
    video_duration = models.FloatField(null=True, blank=True)
    image_url = models.CharField(max_length=512, blank=True)
    published_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(db_index=True)
    removed = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["removed", "column_slug", "published_at"])]


class PartnerFeedToken(models.Model):
    """A revocable token that lets one media outlet read the full-text feeds."""

    outlet = models.CharField("媒体名称", max_length=128)
    token_prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "合作媒体订阅令牌"
        verbose_name_plural = "合作媒体订阅令牌"

    def __str__(self):
        return self.outlet

    def issue(self) -> str:
        token = "ft_" + secrets.token_urlsafe(24)
        self.token_prefix = token[:10]
        self.token_hash = _hash_secret(token)
        return token

    @classmethod
    def for_token(cls, token: str):
        if not token:
            return None
        return cls.objects.filter(
            token_hash=_hash_secret(token), revoked_at__isnull=True
        ).first()


class PartnerFeedAccess(models.Model):
    """One use of a partner token (which feed, when)."""

    token = models.ForeignKey(
        PartnerFeedToken, on_delete=models.CASCADE, related_name="uses"
    )
    path = models.CharField(max_length=255)
    at = models.DateTimeField(auto_now_add=True)
    status = models.PositiveSmallIntegerField(default=200)

    class Meta:
        ordering = ["-at"]
