"""What Pufa keeps about its WeChat accounts and the posts sent to them.

A :class:`WeChatPost` is one post (one ``draft/add`` and one
``freepublish/submit``) of up to eight articles; each article is one item's
``channels.Delivery``. The post row is written before each remote step, so a
worker that dies between ``draft/add`` and ``freepublish/submit`` leaves the
draft's ``media_id`` behind and the next attempt submits that draft instead
of making a second one.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cms.encryption import EncryptedTextField


class PostState(models.TextChoices):
    COMPOSED = "composed", "已编排"
    DRAFTING = "drafting", "正在生成草稿"
    DRAFT_CREATED = "draft_created", "草稿已创建"
    SUBMITTING = "submitting", "正在提交发布"
    AWAITING_CONFIRMATION = "awaiting_confirmation", "等待微信确认"
    DELIVERED = "delivered", "已发布"
    REJECTED = "rejected", "发布失败/被拒"
    REVOKED = "revoked", "已删除/被封禁"
    FAILED = "failed", "失败"
    UNCERTAIN = "uncertain", "结果未知"


FINAL_POST_STATES = {
    PostState.DELIVERED,
    PostState.REJECTED,
    PostState.REVOKED,
    PostState.FAILED,
}

# publish_status of freepublish/get and of the callback event.
PUBLISH_STATUS = {
    0: "发布成功",
    1: "发布中",
    2: "原创检测未通过",
    3: "常规发布失败",
    4: "平台审核未通过",
    5: "成功后被用户删除",
    6: "成功后被系统封禁",
}


class WeChatPost(models.Model):
    """One WeChat post (推送) of up to eight articles, the first the headline."""

    destination = models.ForeignKey(
        "channels.Destination", on_delete=models.CASCADE, related_name="wechat_posts"
    )
    state = models.CharField(
        "状态", max_length=24, choices=PostState.choices, default=PostState.COMPOSED
    )
    draft_media_id = models.CharField("草稿 media_id", max_length=128, blank=True)
    publish_id = models.CharField("publish_id", max_length=64, blank=True, db_index=True)
    article_id = models.CharField("article_id", max_length=128, blank=True, db_index=True)
    publish_status = models.SmallIntegerField("微信发布状态", null=True, blank=True)
    reason = models.TextField("说明", blank=True)
    # A batch the channel desk scheduled (its slot and a chunk of eight),
    # made into this post when its first delivery was sent.
    batch = models.CharField(max_length=96, blank=True)
    # The delivery whose worker runs the post's remote steps now; the claim
    # lives as long as that row's own outbox lease (owner and state).
    claim_delivery_id = models.BigIntegerField(null=True, blank=True)
    claim_owner = models.CharField(max_length=128, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    composed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="编排人",
    )
    created_at = models.DateTimeField("编排时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "batch"],
                condition=~models.Q(batch=""),
                name="wechat_post_batch_once",
            )
        ]
        verbose_name = "微信推送"
        verbose_name_plural = "微信推送"

    def __str__(self):
        first = self.articles.order_by("index").first()
        return f"{self.destination.name} · {first.title if first else self.pk}"

    @property
    def slot(self) -> str:
        return f"wechat-post-{self.pk}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_POST_STATES

    def status_label(self) -> str:
        if self.publish_status is None:
            return ""
        return PUBLISH_STATUS.get(self.publish_status, str(self.publish_status))


class WeChatPostArticle(models.Model):
    """One article of a post: which item's delivery it carries, at which index."""

    post = models.ForeignKey(WeChatPost, on_delete=models.CASCADE, related_name="articles")
    index = models.PositiveSmallIntegerField("位置")
    delivery = models.ForeignKey(
        "channels.Delivery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wechat_articles",
    )
    title = models.CharField("标题", max_length=255, blank=True)
    article_url = models.URLField("文章链接", max_length=1024, blank=True)
    deleted = models.BooleanField("已删除", default=False)

    class Meta:
        ordering = ["post", "index"]
        constraints = [
            models.UniqueConstraint(fields=["post", "index"], name="wechat_article_index")
        ]
        verbose_name = "推送中的文章"
        verbose_name_plural = "推送中的文章"


class WeChatCallbackEvent(models.Model):
    """A publish-job event received on the callback URL, once per status."""

    destination = models.ForeignKey(
        "channels.Destination", on_delete=models.CASCADE, related_name="+"
    )
    publish_id = models.CharField(max_length=64)
    publish_status = models.SmallIntegerField()
    event = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    repeats = models.PositiveIntegerField("重复次数", default=0)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "publish_id", "publish_status"],
                name="wechat_callback_once",
            )
        ]


class WeChatQuotaUsage(models.Model):
    """How often an account called one API on one day (Asia/Shanghai)."""

    destination = models.ForeignKey(
        "channels.Destination", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    api = models.CharField(max_length=64)
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "day", "api"], name="wechat_quota_day"
            )
        ]


class WeChatAsset(models.Model):
    """An image already uploaded to an account, so retries reuse it."""

    destination = models.ForeignKey(
        "channels.Destination", on_delete=models.CASCADE, related_name="+"
    )
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)
    url = models.CharField(max_length=1024, blank=True)
    media_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "sha256", "kind"], name="wechat_asset_once"
            )
        ]


class WeChatAccessToken(models.Model):
    """The access token of one AppID, read by every process of the site.

    Web workers, the delivery worker and the scheduler are separate processes,
    so the token lives in the database, not in a per-process cache. Whoever
    holds the refresh lease (``refresh_owner`` until ``refresh_until``) is the
    only one that calls ``stable_token``; the others wait for its row.
    """

    appid = models.CharField(max_length=64, unique=True)
    token = EncryptedTextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refresh_owner = models.CharField(max_length=128, blank=True)
    refresh_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "公众号 access_token"
        verbose_name_plural = "公众号 access_token"


class WeChatAccountHealth(models.Model):
    """The last known health of an account, shown on the dashboard and /healthz."""

    destination = models.OneToOneField(
        "channels.Destination", on_delete=models.CASCADE, related_name="wechat_health"
    )
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(max_length=16, blank=True)
    last_error_message = models.TextField(blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    needs_attention = models.BooleanField(default=False)

    class Meta:
        verbose_name = "公众号健康状态"
        verbose_name_plural = "公众号健康状态"

    @classmethod
    def record(cls, destination_id, *, ok, code="", message="", paused_until=None):
        """Record the outcome of a call (never a secret: codes and messages only)."""
        now = timezone.now()
        if ok:
            updated = cls.objects.filter(destination_id=destination_id).update(
                last_ok_at=now, needs_attention=False
            )
            if not updated:
                cls.objects.get_or_create(
                    destination_id=destination_id, defaults={"last_ok_at": now}
                )
            return
        values = {"last_error_at": now, "last_error_code": code}
        if message:
            values["last_error_message"] = message
        if paused_until is not None:
            values["paused_until"] = paused_until
        if code and code not in {"45009", "45011"}:
            values["needs_attention"] = True
        row, created = cls.objects.get_or_create(
            destination_id=destination_id, defaults=values
        )
        if not created:
            cls.objects.filter(pk=row.pk).update(**values)

    @property
    def is_healthy(self) -> bool:
        if self.needs_attention:
            return False
        return not (self.paused_until and self.paused_until > timezone.now())
