"""Pages of the editorial model: home, columns (专栏), articles, short videos."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .. import search as cjk
from ..blocks import ArticleBodyBlock
from .items import EditorialMixin, channel_targeting_panels


class RestrictionsOnceMixin:
    """Look a page's view restrictions up once per page instance.

    Serving a page asks for them twice (Wagtail's ``before_serve_page`` check
    and the page cache's public/private decision), each time costing two
    queries. The same QuerySet object is returned, so its results are read
    once; anything that chains on it (``order_by``) still queries afresh.
    """

    def get_view_restrictions(self):
        restrictions = self.__dict__.get("_view_restrictions")
        if restrictions is None:
            restrictions = super().get_view_restrictions()
            self.__dict__["_view_restrictions"] = restrictions
        return restrictions


class HomePage(RestrictionsOnceMixin, Page):
    intro = models.TextField("首页导语", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel("featured_columns", label="首页推荐专栏"),
    ]
    subpage_types = ["cms.ColumnIndexPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "首页"

    def route(self, request, path_components):
        """Find the page for a URL with one query on ``url_path``.

        Wagtail walks the tree one level at a time (two queries per level);
        none of Pufa's page types routes its own sub-URLs, so the page whose
        ``url_path`` matches is the page Wagtail would find. A path that
        matches nothing falls back to Wagtail's walk.
        """
        from django.http import Http404

        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "/".join(path_components) + "/"
        page = (
            Page.objects.filter(url_path=url_path, path__startswith=self.path)
            .order_by("path")
            .first()
        )
        if page is None:
            return super().route(request, path_components)
        if not page.live:
            raise Http404
        return page.specific.route(request, [])

    def get_context(self, request, *args, **kwargs):
        from .. import listing
        from .taxonomy import Campaign, LegalTopic

        context = super().get_context(request, *args, **kwargs)
        columns = [
            row.column.specific
            for row in self.featured_columns.select_related("column")
            if row.column.live
        ]
        context["featured_columns"] = [
            {"column": column, "items": column.items_for_home()} for column in columns
        ]
        context["latest_items"] = list(listing.web_items()[:10])
        context["current_campaigns"] = Campaign.objects.all().current()
        context["ads"] = listing.ads_in_flight()[:3]
        context["topics"] = LegalTopic.objects.all()
        return context


class HomeFeaturedColumn(Orderable):
    page = ParentalKey(
        HomePage, on_delete=models.CASCADE, related_name="featured_columns"
    )
    column = models.ForeignKey(
        "cms.ColumnPage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="专栏",
    )

    panels = [FieldPanel("column")]


class ColumnIndexPage(RestrictionsOnceMixin, Page):
    intro = models.TextField("导语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms.ColumnPage"]
    parent_page_types = ["cms.HomePage"]

    class Meta:
        verbose_name = "专栏列表"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["columns"] = (
            ColumnPage.objects.child_of(self).live().public().order_by("path")
        )
        return context


class ColumnPage(RestrictionsOnceMixin, Page):
    """A featured column (专栏) with an editor-curated, ordered featured list."""

    intro = models.TextField("专栏简介", blank=True)
    cover_image = models.ForeignKey(
        "cms.PufaImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="封面图",
    )
    editor_note = RichTextField("编者按", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("cover_image"),
        FieldPanel("editor_note"),
        InlinePanel("featured_items", label="精选稿件（按顺序）"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("search_text"),
    ]
    subpage_types = ["cms.ArticlePage", "cms.VideoPage"]
    parent_page_types = ["cms.ColumnIndexPage"]

    class Meta:
        verbose_name = "专栏"
        verbose_name_plural = "专栏"

    def current_featured(self, now=None):
        """Return the featured items to show now: pinned first, then editor order.

        Only live, public items targeted at the web are returned, whatever a
        row points at: a row saved before the chooser was limited to items, or
        an item retracted or put behind a view restriction since, is skipped.
        """
        from .. import listing

        now = now or timezone.now()
        rows = [row for row in self.featured_items.all() if row.is_current(now)]
        rows.sort(key=lambda row: (not row.pinned, row.sort_order or 0))
        wanted = [row.item_id for row in rows]
        showable = {item.pk: item for item in listing.web_items().filter(pk__in=wanted)}
        return [showable[pk] for pk in wanted if pk in showable]

    def latest_children(self):
        """Return the column's live items for the web, newest first."""
        from .. import listing

        return listing.web_items().child_of(self)

    def items_for_home(self, count=4):
        """Return the featured items, then the newest, up to ``count``."""
        items = self.current_featured()[:count]
        seen = {item.pk for item in items}
        for item in self.latest_children()[: count + len(seen)]:
            if len(items) >= count:
                break
            if item.pk not in seen:
                items.append(item)
        return items

    def get_context(self, request, *args, **kwargs):
        from .. import listing

        context = super().get_context(request, *args, **kwargs)
        featured = self.current_featured()
        context["featured"] = featured
        context["items"] = listing.paginate(
            request, self.latest_children().exclude(pk__in=[p.pk for p in featured])
        )
        return context

    def search_text(self):
        """Return the segmented text the search index keeps for this column."""
        return cjk.index_text(self.title, self.intro, cjk.plain_text(self.editor_note))


# The page types a column may feature: the item pages the site renders as cards.
FEATURABLE_PAGE_TYPES = ["cms.ArticlePage", "cms.VideoPage"]


class ColumnFeaturedItem(Orderable):
    page = ParentalKey(
        ColumnPage, on_delete=models.CASCADE, related_name="featured_items"
    )
    item = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="稿件",
    )
    pinned = models.BooleanField("置顶", default=False)
    feature_from = models.DateTimeField("推荐开始", null=True, blank=True)
    feature_until = models.DateTimeField("推荐结束", null=True, blank=True)

    panels = [
        PageChooserPanel("item", page_type=FEATURABLE_PAGE_TYPES, heading="稿件"),
        FieldPanel("pinned"),
        FieldPanel("feature_from"),
        FieldPanel("feature_until"),
    ]

    def clean(self):
        super().clean()
        if self.item_id is None:
            return
        model = self.item.specific_class
        if model is None or model._meta.label not in FEATURABLE_PAGE_TYPES:
            raise ValidationError({"item": "只能推荐图文稿件或短视频稿件。"})

    def is_current(self, now):
        if self.feature_from and now < self.feature_from:
            return False
        if self.feature_until and now >= self.feature_until:
            return False
        return True


class ItemPage(RestrictionsOnceMixin, EditorialMixin, Page):
    """Fields shared by the item pages: byline, source, cover."""

    byline = models.CharField("作者", max_length=64, blank=True)
    source = models.CharField("来源", max_length=128, blank=True)
    cover_image = models.ForeignKey(
        "cms.PufaImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="封面图",
    )

    parent_page_types = ["cms.ColumnPage"]
    subpage_types = []

    class Meta:
        abstract = True

    def plain_body_text(self):
        """Return the visible text of the item's own content, for search and meta."""
        return ""

    def search_text(self):
        """Return the segmented text the search index keeps for this item."""
        return cjk.index_text(
            self.title,
            getattr(self, "subtitle", ""),
            self.summary,
            self.plain_body_text(),
            self.byline,
            self.source,
        )

    taxonomy_panels = [
        MultiFieldPanel(
            [
                FieldPanel("topics"),
                FieldPanel("audiences"),
                FieldPanel("campaigns"),
                FieldPanel("tags"),
            ],
            heading="分类",
        )
    ]


class ArticleKind(models.TextChoices):
    EXPLAINER = "explainer", "普法解读"
    CASE = "case", "案例解读"
    NEWS = "news", "新闻"
    QA = "qa", "问答"


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(ItemPage):
    """An article (图文)."""

    kind = models.CharField(
        "类型",
        max_length=16,
        choices=ArticleKind.choices,
        default=ArticleKind.EXPLAINER,
    )
    subtitle = models.CharField("副标题", max_length=255, blank=True)
    body = StreamField(ArticleBodyBlock(), verbose_name="正文", blank=True)
    tags = ClusterTaggableManager(through=ArticleTag, blank=True, verbose_name="标签")

    content_panels = (
        Page.content_panels
        + [
            FieldPanel("kind"),
            FieldPanel("subtitle"),
            FieldPanel("summary"),
            FieldPanel("body"),
            FieldPanel("byline"),
            FieldPanel("source"),
            FieldPanel("cover_image"),
            FieldPanel("correction_note"),
        ]
        + ItemPage.taxonomy_panels
        + channel_targeting_panels
    )
    search_fields = Page.search_fields + [
        index.SearchField("subtitle"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("search_text"),
        index.FilterField("kind"),
    ]

    class Meta:
        verbose_name = "图文稿件"
        verbose_name_plural = "图文稿件"

    @property
    def item_kind(self):
        return "article"

    def plain_body_text(self):
        return cjk.plain_text(self.body)


class VideoTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.VideoPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class VideoPage(ItemPage):
    """A short video (短视频) with its poster and subtitles."""

    video = models.ForeignKey(
        "media_pipeline.Video",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="视频",
    )
    poster = models.ForeignKey(
        "cms.PufaImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="封面帧",
    )
    description = RichTextField("视频说明", blank=True)
    transcript = models.TextField("文字稿", blank=True)
    tags = ClusterTaggableManager(through=VideoTag, blank=True, verbose_name="标签")

    content_panels = (
        Page.content_panels
        + [
            FieldPanel("video"),
            FieldPanel("poster"),
            FieldPanel("summary"),
            FieldPanel("description"),
            FieldPanel("transcript"),
            FieldPanel("byline"),
            FieldPanel("source"),
            FieldPanel("cover_image"),
            FieldPanel("correction_note"),
        ]
        + ItemPage.taxonomy_panels
        + channel_targeting_panels
    )
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("transcript"),
        index.SearchField("search_text"),
    ]

    class Meta:
        verbose_name = "短视频稿件"
        verbose_name_plural = "短视频稿件"

    @property
    def item_kind(self):
        return "video"

    def plain_body_text(self):
        return "\n".join([cjk.plain_text(self.description), self.transcript])
