"""Template helpers of the public site: navigation, absolute URLs, labels."""

from django import template
from django.conf import settings

register = template.Library()

KIND_LABELS = {"video": "短视频", "ad": "公益广告"}


@register.simple_tag
def site_columns():
    """Return the main navigation's live columns (pk, title, url), in tree order.

    Kept in the page cache under the site generation, which publishing,
    retracting or moving a column moves on, so the change shows at once.
    """
    from cms import caching
    from cms.models import ColumnPage

    cache = caching.page_cache()
    try:
        key = f"{caching.KEY_PREFIX}nav:{caching.site_generation(cache)}"
        nav = cache.get(key)
    except Exception:
        key, nav = None, None
    if nav is None:
        nav = [
            {"pk": column.pk, "title": column.title, "url": column.url}
            for column in ColumnPage.objects.live().public().order_by("path")[:8]
        ]
        if key:
            try:
                cache.set(key, nav, 3600)
            except Exception:
                pass
    return nav


@register.simple_tag
def absolute_url(path):
    """Return ``path`` on the public base URL (canonical links, Open Graph)."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@register.simple_tag
def og_image_url(image):
    """Return the absolute URL of a 1200×630 share image, or an empty string."""
    if not image:
        return ""
    try:
        rendition = image.get_rendition("fill-1200x630")
    except Exception:
        # A missing or broken file must not take the page down with it.
        return ""
    return absolute_url(rendition.url)


@register.filter
def kind_label(page):
    """Return the badge text of an item: its article kind, 短视频 or 公益广告."""
    if hasattr(page, "get_kind_display"):
        return page.get_kind_display()
    return KIND_LABELS.get(getattr(page, "item_kind", ""), "")


@register.filter
def kind_class(page):
    return getattr(page, "kind", None) or getattr(page, "item_kind", "page")


@register.filter
def cover_of(page):
    """Return the image that represents an item in lists (cover, else poster)."""
    return getattr(page, "cover_image", None) or getattr(page, "poster", None)


@register.filter
def ad_image(ad, fmt="landscape"):
    """Return the image of an ad's variant in ``fmt``, else any image variant."""
    variants = [v for v in ad.variants.all() if v.image_id]
    for variant in variants:
        if variant.format == fmt:
            return variant.image
    return variants[0].image if variants else None


DEFAULT_DESCRIPTION = "法治宣传教育全媒体平台：以案说法、法律问答、普法短视频。"


@register.simple_tag
def meta_description(page=None):
    """Return the description of a page for search engines and share cards."""
    if page is None or page == "":
        return DEFAULT_DESCRIPTION
    for name in ("search_description", "summary", "intro"):
        value = getattr(page, name, "")
        if value:
            return " ".join(str(value).split())
    return DEFAULT_DESCRIPTION
