"""Taxonomy snippets: legal topics, audiences and key-date campaigns."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable
from wagtail.search import index

month_day_validator = RegexValidator(
    r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", "请使用 MM-DD 格式，例如 12-04。"
)


class LegalTopic(index.Indexed, models.Model):
    """A field of law readers browse by (宪法, 民法典, 劳动法 …)."""

    name = models.CharField("名称", max_length=64, unique=True)
    slug = models.SlugField("URL 标识", max_length=64, unique=True, allow_unicode=False)
    description = models.TextField("简介", blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = "法律主题"
        verbose_name_plural = "法律主题"

    def __str__(self):
        return self.name


class Audience(models.Model):
    """A group of readers an item is written for (青少年, 老年人, 企业 …)."""

    name = models.CharField("名称", max_length=64, unique=True)
    slug = models.SlugField("URL 标识", max_length=64, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = "受众"
        verbose_name_plural = "受众"

    def __str__(self):
        return self.name


class CampaignQuerySet(models.QuerySet):
    def current(self, on=None):
        """Return the campaigns whose window for the year contains ``on``."""
        on = on or timezone.localdate()
        return [c for c in self if c.is_active_on(on)]


class Campaign(ClusterableModel):
    """A key-date campaign (主题宣传) such as 国家宪法日 or 民法典宣传月.

    The window recurs every year between two month-days; a year can override
    it with its own dates (国家网络安全宣传周 moves every September).
    """

    name = models.CharField("名称", max_length=64, unique=True)
    slug = models.SlugField("URL 标识", max_length=64, unique=True)
    description = models.TextField("简介", blank=True)
    recurring_start = models.CharField(
        "每年开始 (MM-DD)", max_length=5, blank=True, validators=[month_day_validator]
    )
    recurring_end = models.CharField(
        "每年结束 (MM-DD)", max_length=5, blank=True, validators=[month_day_validator]
    )
    lead_days = models.PositiveSmallIntegerField(
        "提前预热天数", default=0, help_text="窗口开始前多少天在首页提前展示。"
    )

    objects = CampaignQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("recurring_start"),
        FieldPanel("recurring_end"),
        FieldPanel("lead_days"),
        InlinePanel("windows", label="按年设置的日期"),
    ]

    class Meta:
        ordering = ["recurring_start", "name"]
        verbose_name = "主题宣传"
        verbose_name_plural = "主题宣传"

    def __str__(self):
        return self.name

    def clean(self):
        if bool(self.recurring_start) != bool(self.recurring_end):
            raise ValidationError("每年开始和结束日期需同时填写。")

    def window_for(self, year):
        """Return the (start, end) dates of the campaign in ``year``, or None."""
        for window in self.windows.all():
            if window.year == year:
                return window.starts_on, window.ends_on
        if not self.recurring_start:
            return None
        start_month, start_day = map(int, self.recurring_start.split("-"))
        end_month, end_day = map(int, self.recurring_end.split("-"))
        start = datetime.date(year, start_month, start_day)
        end = datetime.date(year, end_month, end_day)
        if end < start:
            end = datetime.date(year + 1, end_month, end_day)
        return start, end

    def is_active_on(self, on):
        for year in (on.year - 1, on.year):
            window = self.window_for(year)
            if window is None:
                continue
            start, end = window
            if start - datetime.timedelta(days=self.lead_days) <= on <= end:
                return True
        return False


class CampaignWindow(Orderable):
    campaign = ParentalKey(Campaign, on_delete=models.CASCADE, related_name="windows")
    year = models.PositiveSmallIntegerField("年份")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")

    panels = [FieldPanel("year"), FieldPanel("starts_on"), FieldPanel("ends_on")]

    class Meta(Orderable.Meta):
        verbose_name = "年度日期"
        unique_together = [("campaign", "year")]

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError("结束日期不能早于开始日期。")
