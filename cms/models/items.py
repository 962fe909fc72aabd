"""Fields every item (稿件) shares: taxonomy, channel targeting, approval marks.

``compliance_number`` and ``correction_note`` are written by the moderation
workflow and read by every channel; the editorial model only stores them.
"""

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel


class Channel(models.TextChoices):
    WEB = "web", "网站"
    APP = "app", "客户端"
    WECHAT = "wechat", "微信公众号"
    SCREENS = "screens", "户外/室内屏"
    NEWSPAPER = "newspaper", "报纸"
    FEEDS = "feeds", "RSS/Atom 订阅"


# Limits each channel imposes on the fields it uses (characters, 字).
WECHAT_TITLE_MAX = 32
WECHAT_DIGEST_MAX = 128
WECHAT_AUTHOR_MAX = 16
SCREEN_CAPTION_MAX = 40
NEWSPAPER_HEADLINE_MAX = 40
NEWSPAPER_DECK_MAX = 120


class ChannelTargetingMixin(models.Model):
    """Which channels an item goes to, and the fields those channels need."""

    to_web = models.BooleanField("网站", default=True)
    to_app = models.BooleanField("客户端", default=True)
    to_wechat = models.BooleanField("微信公众号", default=False)
    to_screens = models.BooleanField("户外/室内屏", default=False)
    to_newspaper = models.BooleanField("报纸", default=False)
    to_feeds = models.BooleanField("RSS/Atom 订阅", default=True)

    wechat_title = models.CharField(
        "微信标题",
        max_length=WECHAT_TITLE_MAX,
        blank=True,
        help_text=f"不超过 {WECHAT_TITLE_MAX} 字；留空则使用标题。",
    )
    wechat_digest = models.CharField(
        "微信摘要",
        max_length=WECHAT_DIGEST_MAX,
        blank=True,
        help_text=f"不超过 {WECHAT_DIGEST_MAX} 字；留空则使用摘要。",
    )
    newspaper_headline = models.CharField(
        "见报标题", max_length=NEWSPAPER_HEADLINE_MAX, blank=True
    )
    newspaper_deck = models.CharField(
        "见报副题/导语", max_length=NEWSPAPER_DECK_MAX, blank=True
    )
    screen_caption = models.CharField(
        "屏幕字幕条",
        max_length=SCREEN_CAPTION_MAX,
        blank=True,
        help_text=f"不超过 {SCREEN_CAPTION_MAX} 字，显示在屏幕画面下方。",
    )

    class Meta:
        abstract = True

    @property
    def targeted_channels(self):
        """Return the channel values this item is targeted at, in a fixed order."""
        return [c.value for c in Channel if getattr(self, f"to_{c.value}")]

    def effective_wechat_title(self):
        return self.wechat_title or self.title

    def effective_wechat_digest(self):
        return self.wechat_digest or getattr(self, "summary", "")

    def channel_field_errors(self):
        """Return {field: message} for channel limits this item breaks."""
        errors = {}
        if self.to_wechat:
            title = self.effective_wechat_title()
            if len(title) > WECHAT_TITLE_MAX:
                errors["wechat_title"] = (
                    f"微信标题不能超过 {WECHAT_TITLE_MAX} 字（当前 {len(title)} 字），"
                    "请填写较短的微信标题。"
                )
            digest = self.effective_wechat_digest()
            if len(digest) > WECHAT_DIGEST_MAX:
                errors["wechat_digest"] = (
                    f"微信摘要不能超过 {WECHAT_DIGEST_MAX} 字（当前 {len(digest)} 字）。"
                )
        if self.to_newspaper:
            headline = self.newspaper_headline or self.title
            if len(headline) > NEWSPAPER_HEADLINE_MAX:
                errors["newspaper_headline"] = (
                    f"见报标题不能超过 {NEWSPAPER_HEADLINE_MAX} 字，请填写见报标题。"
                )
        if self.to_screens and len(self.screen_caption) > SCREEN_CAPTION_MAX:
            errors["screen_caption"] = f"屏幕字幕条不能超过 {SCREEN_CAPTION_MAX} 字。"
        if not self.targeted_channels:
            errors["to_web"] = "请至少选择一个发布渠道。"
        return errors

    def clean(self):
        super().clean()
        errors = self.channel_field_errors()
        if errors:
            raise ValidationError(errors)


channel_targeting_panels = [
    MultiFieldPanel(
        [
            FieldRowPanel(
                [
                    FieldPanel("to_web"),
                    FieldPanel("to_app"),
                    FieldPanel("to_wechat"),
                ]
            ),
            FieldRowPanel(
                [
                    FieldPanel("to_screens"),
                    FieldPanel("to_newspaper"),
                    FieldPanel("to_feeds"),
                ]
            ),
        ],
        heading="发布渠道",
    ),
    MultiFieldPanel(
        [
            FieldPanel("wechat_title", attrs={"data-pufa-counter": WECHAT_TITLE_MAX}),
            FieldPanel(
                "wechat_digest", attrs={"data-pufa-counter": WECHAT_DIGEST_MAX}
            ),
        ],
        heading="微信公众号",
        classname="collapsed",
    ),
    MultiFieldPanel(
        [FieldPanel("newspaper_headline"), FieldPanel("newspaper_deck")],
        heading="报纸",
        classname="collapsed",
    ),
    MultiFieldPanel([FieldPanel("screen_caption")], heading="屏幕", classname="collapsed"),
]


class EditorialMixin(ChannelTargetingMixin):
    """Taxonomy and approval marks shared by articles, videos and ads."""

    summary = models.TextField("摘要", max_length=500, blank=True)
    topics = ParentalManyToManyField("cms.LegalTopic", blank=True, verbose_name="法律主题")
    audiences = ParentalManyToManyField("cms.Audience", blank=True, verbose_name="受众")
    campaigns = ParentalManyToManyField("cms.Campaign", blank=True, verbose_name="主题宣传")
    compliance_number = models.CharField(
        "签发编号", max_length=20, blank=True, editable=False, db_index=True
    )
    correction_note = models.TextField(
        "更正说明", blank=True, help_text="修改已发布的稿件时必须填写，各渠道将一并展示。"
    )

    class Meta:
        abstract = True

    @property
    def item_kind(self):
        """Return the kind of item for channels: article, video or ad."""
        raise NotImplementedError
