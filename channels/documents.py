"""Items as channel-neutral documents: ninjs 3.1 and the fields feeds need.

The app channel serves these documents; other channels (the newspaper JSON)
may reuse :func:`ninjs_document`. Only published material goes in: media URLs
are the public ones the media pipeline promoted on approval.
"""

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.rich_text import expand_db_html

logger = logging.getLogger("pufa.channels")

KIND_TYPES = {"article": "text", "video": "video", "ad": "picture"}


def item_ref(item) -> str:
    """Return the stable public id of an item: ``page-12`` or ``ad-3``."""
    from wagtail.models import Page

    prefix = "page" if isinstance(item, Page) else "ad"
    return f"{prefix}-{item.pk}"


def item_uri(item) -> str:
    return "urn:pufa:item:" + item_ref(item)


def delivery_uri(delivery) -> str:
    """Return the uri of a delivery's item, also when the item is deleted."""
    from wagtail.models import Page

    model = delivery.content_type.model_class()
    prefix = "page" if model is not None and issubclass(model, Page) else "ad"
    return f"urn:pufa:item:{prefix}-{delivery.object_id}"


def resolve_ref(ref: str):
    """Return the live item behind ``page-12`` / ``ad-3`` or None."""
    from wagtail.models import Page

    from cms.models import PublicServiceAd

    prefix, _, pk = ref.partition("-")
    if not pk.isdigit():
        return None
    if prefix == "page":
        page = Page.objects.filter(pk=pk).first()
        return page.specific if page else None
    if prefix == "ad":
        return PublicServiceAd.objects.filter(pk=pk).first()
    return None


def content_type_of(item):
    return ContentType.objects.get_for_model(item.__class__)


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url or ""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def body_html(item) -> str:
    """Return the item's body as HTML with internal links expanded."""
    kind = getattr(item, "item_kind", "")
    try:
        if kind == "article":
            return str(item.body.render_as_block()) if item.body else ""
        if kind == "video":
            return expand_db_html(item.description or "")
    except Exception:
        logger.exception("body render failed item=%s", item.pk)
        return ""
    if kind == "ad":
        return f"<p>{item.slogan}</p>" if item.slogan else ""
    return ""


def web_url(item) -> str:
    if hasattr(item, "get_url_parts") and getattr(item, "live", True):
        try:
            return item.full_url or ""
        except Exception:
            return ""
    return ""


def video_media(item) -> dict:
    """Return the public MP4 of a video item: url, type, length, size, poster."""
    video = getattr(item, "video", None)
    if video is None:
        for variant in (
            getattr(item, "variants", None).all() if hasattr(item, "variants") else []
        ):
            if variant.video_id:
                video = variant.video
                break
    if video is None or not getattr(video, "public_mp4_url", None):
        return {}
    length = 0
    name = video.output_name("transcode", "mp4")
    if name:
        from django.core.files.storage import storages

        try:
            length = storages["public"].size(name)
        except Exception:
            length = 0
    return {
        "url": absolute(video.public_mp4_url),
        "type": "video/mp4",
        "length": length,
        "duration": video.duration_seconds,
        "width": video.width,
        "height": video.height,
        "poster": absolute(video.poster_url or ""),
    }


def cover_url(item) -> str:
    image = getattr(item, "cover_image", None) or getattr(item, "poster", None)
    if image is None:
        return ""
    try:
        return absolute(image.get_rendition("fill-1200x675").url)
    except Exception:
        logger.exception("cover rendition failed item=%s", item.pk)
        return ""


def _topics(item):
    try:
        return list(item.topics.all())
    except Exception:
        return []


def ninjs_document(item, *, revision_id=None, first_created=None) -> dict:
    """Return ``item`` as a ninjs 3.1 document (pubStatus usable)."""
    kind = getattr(item, "item_kind", "article")
    document = {
        "uri": item_uri(item),
        "type": KIND_TYPES.get(kind, "text"),
        "profile": f"pufa-{kind}",
        "version": str(revision_id or getattr(item, "latest_revision_id", "") or 1),
        "versionCreated": iso(
            getattr(item, "last_published_at", None) or timezone.now()
        ),
        "firstCreated": iso(
            first_created or getattr(item, "first_published_at", None) or timezone.now()
        ),
        "pubStatus": "usable",
        "language": "zh-Hans",
        "title": item.title,
        "slugline": getattr(item, "slug", "") or item_ref(item),
        "headlines": [{"role": "main", "value": item.title}],
        "altIds": [{"role": "pufa", "value": item_ref(item)}],
    }
    subtitle = getattr(item, "subtitle", "")
    if subtitle:
        document["headlines"].append({"role": "sub", "value": subtitle})
    descriptions = []
    if getattr(item, "summary", ""):
        descriptions.append({"role": "summary", "value": item.summary})
    if getattr(item, "correction_note", ""):
        descriptions.append({"role": "correction", "value": item.correction_note})
    if descriptions:
        document["descriptions"] = descriptions
    html = body_html(item)
    if html:
        document["bodies"] = [
            {
                "role": "main",
                "contentType": "text/html",
                "value": html,
                "charCount": len(html),
            }
        ]
    byline = getattr(item, "byline", "") or getattr(item, "issuing_unit", "")
    if byline:
        document["by"] = byline
    topics = _topics(item)
    if topics:
        document["subjects"] = [
            {"name": topic.name, "literal": topic.slug, "rel": "about"}
            for topic in topics
        ]
    url = web_url(item)
    if url:
        document["altIds"].append({"role": "webUrl", "value": url})
    if getattr(item, "compliance_number", ""):
        document["altIds"].append(
            {"role": "complianceNumber", "value": item.compliance_number}
        )
    document["renditions"] = _renditions(item)
    if not document["renditions"]:
        del document["renditions"]
    return document


def _renditions(item) -> list:
    renditions = []
    media = video_media(item)
    if media:
        rendition = {"name": "mp4", "href": media["url"], "contentType": "video/mp4"}
        for key, name in (("width", "width"), ("height", "height")):
            if media.get(key):
                rendition[name] = int(media[key])
        if media.get("duration"):
            rendition["duration"] = float(media["duration"])
        if media.get("length"):
            rendition["sizeInBytes"] = int(media["length"])
        renditions.append(rendition)
        if media.get("poster"):
            renditions.append(
                {"name": "poster", "href": media["poster"], "contentType": "image/jpeg"}
            )
    cover = cover_url(item)
    if cover:
        renditions.append({"name": "cover", "href": cover, "contentType": "image/jpeg"})
    return renditions


def canceled_document(uri: str, *, version: str, title: str = "") -> dict:
    """Return the ninjs document that tells receivers to withdraw an item."""
    document = {
        "uri": uri,
        "pubStatus": "canceled",
        "version": version,
        "versionCreated": iso(timezone.now()),
        "language": "zh-Hans",
    }
    if title:
        document["title"] = title
    return document
