"""Taxonomy snippets: legal topics, audiences and key-date campaigns."""

import calendar
import datetime
import logging
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable
from wagtail.search import index

logger = logging.getLogger("pufa.cms")

MONTH_DAY_HELP = "格式 MM-DD，例如 12-04。2 月 29 日在平年按 2 月 28 日计算。"


def validate_month_day(value):
    """Refuse a month-day that is not MM-DD or that no year has (02-30, 04-31)."""
    match = re.fullmatch(r"(\d{2})-(\d{2})", value)
    if not match:
        raise ValidationError("请使用 MM-DD 格式，例如 12-04。", code="format")
    month, day = map(int, match.groups())
    if not 1 <= month <= 12:
        raise ValidationError("月份应在 01 到 12 之间。", code="month")
    # 2024 is a leap year: 02-29 exists in some years and is accepted.
    if not 1 <= day <= calendar.monthrange(2024, month)[1]:
        raise ValidationError(
            "%(month)d 月没有 %(day)d 日，请填写存在的日期。",
            code="day",
            params={"month": month, "day": day},
        )


def month_day_in(year, value):
    """Return the date of the month-day ``value`` in ``year``.

    A day past the month's end (02-29 in a common year) falls on its last day.
    """
    month, day = map(int, value.split("-"))
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


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
        "每年开始 (MM-DD)",
        max_length=5,
        blank=True,
        validators=[validate_month_day],
        help_text=MONTH_DAY_HELP,
    )
    recurring_end = models.CharField(
        "每年结束 (MM-DD)",
        max_length=5,
        blank=True,
        validators=[validate_month_day],
        help_text=MONTH_DAY_HELP,
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
        try:
            start = month_day_in(year, self.recurring_start)
            end = month_day_in(year, self.recurring_end)
            if end < start:
                end = month_day_in(year + 1, self.recurring_end)
        except ValueError:
            # Rows saved before the month-day validation may hold any text.
            logger.warning(
                "skipped campaign window campaign=%s start=%s end=%s",
                self.pk,
                self.recurring_start,
                self.recurring_end,
            )
            return None
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
