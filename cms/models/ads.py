"""Public-service ads (公益广告): a snippet with drafts, revisions and workflow."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from .items import EditorialMixin, channel_targeting_panels


class AdTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.PublicServiceAd", on_delete=models.CASCADE, related_name="tagged_items"
    )


class PublicServiceAd(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    EditorialMixin,
    index.Indexed,
    ClusterableModel,
):
    """A public-service ad with variants per format and a flight window."""

    title = models.CharField("标题", max_length=255)
    slogan = models.CharField("广告语", max_length=128, blank=True)
    issuing_unit = models.CharField("发布单位", max_length=128)
    flight_start = models.DateTimeField("投放开始", null=True, blank=True)
    flight_end = models.DateTimeField("投放结束", null=True, blank=True)
    tags = ClusterTaggableManager(through=AdTag, blank=True, verbose_name="标签")

    panels = [
        FieldPanel("title"),
        FieldPanel("slogan"),
        FieldPanel("summary"),
        FieldPanel("issuing_unit"),
        MultiFieldPanel(
            [FieldPanel("flight_start"), FieldPanel("flight_end")], heading="投放时间"
        ),
        InlinePanel("variants", label="版式", min_num=1),
        FieldPanel("correction_note"),
        MultiFieldPanel(
            [FieldPanel("topics"), FieldPanel("campaigns"), FieldPanel("tags")],
            heading="分类",
        ),
        *channel_targeting_panels,
    ]
    search_fields = [
        index.SearchField("title"),
        index.SearchField("slogan"),
        index.SearchField("issuing_unit"),
        index.AutocompleteField("title"),
    ]

    class Meta:
        ordering = ["-flight_start", "title"]
        verbose_name = "公益广告"
        verbose_name_plural = "公益广告"

    def __str__(self):
        return self.title

    @property
    def item_kind(self):
        return "ad"

    def clean(self):
        super().clean()
        if self.flight_start and self.flight_end and self.flight_end <= self.flight_start:
            raise ValidationError({"flight_end": "投放结束时间必须晚于开始时间。"})

    def is_in_flight(self, now=None):
        now = now or timezone.now()
        if self.flight_start and now < self.flight_start:
            return False
        if self.flight_end and now >= self.flight_end:
            return False
        return True

    def get_preview_template(self, request, mode_name):
        return "cms/public_service_ad_preview.html"


class AdFormat(models.TextChoices):
    LANDSCAPE = "landscape", "横版图片 (16:9)"
    PORTRAIT = "portrait", "竖版图片 (9:16)"
    SQUARE = "square", "方形图片 (1:1)"
    VIDEO = "video", "视频"


class PublicServiceAdVariant(Orderable):
    ad = ParentalKey(PublicServiceAd, on_delete=models.CASCADE, related_name="variants")
    format = models.CharField("版式", max_length=16, choices=AdFormat.choices)
    image = models.ForeignKey(
        "cms.PufaImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="图片",
    )
    video = models.ForeignKey(
        "media_pipeline.Video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="视频",
    )
    duration_seconds = models.PositiveSmallIntegerField(
        "屏幕播放时长（秒）", default=15, help_text="图片版式在屏幕上停留的时长。"
    )

    panels = [
        FieldPanel("format"),
        FieldPanel("image"),
        FieldPanel("video"),
        FieldPanel("duration_seconds"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "版式"

    def clean(self):
        if self.format == AdFormat.VIDEO and not self.video_id:
            raise ValidationError({"video": "视频版式需要选择视频。"})
        if self.format != AdFormat.VIDEO and not self.image_id:
            raise ValidationError({"image": "图片版式需要选择图片。"})
