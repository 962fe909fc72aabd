"""RSS 2.0 (with Media RSS) and Atom feeds, rendered from feed entries.

Feeds: latest, videos, each column, each topic, in both formats. The current
feed holds the newest entries; older ones sit in RFC 5005 archive documents
linked with ``prev-archive``. Conditional GET answers from a cheap
fingerprint (newest change and count) before anything is rendered. A partner
token (``?token=``) gives the full text; every use is logged.
"""

import hashlib
import logging
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from django.conf import settings
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from cms.models import ColumnPage, LegalTopic

from .models import FeedEntry, PartnerFeedAccess, PartnerFeedToken

logger = logging.getLogger("pufa.channels.feeds")

PAGE_SIZE = 50
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


class HistoryExtension(BaseExtension):
    """RFC 5005 markers and the paging links feedgen leaves out of RSS."""

    def __init__(self):
        self.links = []
        self.archive = False
        self.complete = False

    def extend_ns(self):
        return {"fh": HISTORY_NS, "atom": ATOM_NS}

    def _mark(self, parent):
        if self.archive:
            xml_elem(f"{{{HISTORY_NS}}}archive", parent)
        if self.complete:
            xml_elem(f"{{{HISTORY_NS}}}complete", parent)

    def extend_rss(self, feed):
        channel = feed[0]
        for rel, href in self.links:
            xml_elem(f"{{{ATOM_NS}}}link", channel, rel=rel, href=href)
        self._mark(channel)
        return feed

    def extend_atom(self, feed):
        self._mark(feed)
        return feed


class HistoryEntryExtension(BaseEntryExtension):
    pass


class FeedSpec:
    """Which entries a feed shows, and its names."""

    def __init__(self, key, title, description, queryset, link):
        self.key = key
        self.title = title
        self.description = description
        self.queryset = queryset
        self.link = link


def base_url():
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def resolve_feed(name: str) -> FeedSpec:
    entries = FeedEntry.objects.all()
    site = settings.WAGTAIL_SITE_NAME
    if name == "latest":
        return FeedSpec(name, f"{site} · 最新", "最新发布的普法稿件", entries, "/")
    if name == "videos":
        return FeedSpec(
            name,
            f"{site} · 短视频",
            "最新普法短视频",
            entries.filter(kind="video").exclude(video_url=""),
            "/",
        )
    section, _, slug = name.partition("/")
    if section == "columns" and slug:
        column = ColumnPage.objects.live().filter(slug=slug).first()
        if column is None:
            raise Http404("没有这个专栏。")
        return FeedSpec(
            name,
            f"{site} · {column.title}",
            column.intro or column.title,
            entries.filter(column_slug=slug),
            column.url or "/",
        )
    if section == "topics" and slug:
        topic = LegalTopic.objects.filter(slug=slug).first()
        if topic is None:
            raise Http404("没有这个法律主题。")
        candidates = entries.filter(topic_slugs__icontains=f'"{slug}"')
        return FeedSpec(
            name,
            f"{site} · {topic.name}",
            f"法律主题：{topic.name}",
            candidates,
            f"/topics/{slug}/",
        )
    raise Http404("没有这个订阅源。")


def partner_token(request):
    """Return (token, error_response) for a ``?token=`` request."""
    raw = request.GET.get("token")
    if raw is None:
        return None, None
    token = PartnerFeedToken.for_token(raw)
    if token is None:
        return None, HttpResponse(
            "订阅令牌无效或已被撤销，请联系编辑部获取新的令牌。",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return token, None


def fingerprint(spec, fmt, page, full):
    stats = spec.queryset.aggregate(
        newest=Max("updated_at"), visible=Count("id", filter=Q(removed=False))
    )
    newest = stats["newest"] or datetime(2000, 1, 1, tzinfo=UTC)
    raw = f"{spec.key}|{fmt}|{page}|{full}|{newest.isoformat()}|{stats['visible']}"
    return (
        '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"',
        newest,
        stats["visible"],
    )


def not_modified(request, etag, newest):
    match = request.headers.get("If-None-Match")
    if match:
        return etag in [tag.strip() for tag in match.split(",")]
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return newest.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def feed_view(request, name, fmt, page=None):
    if fmt not in CONTENT_TYPES:
        raise Http404("不支持的订阅格式。")
    token, error = partner_token(request)
    if error is not None:
        return error
    spec = resolve_feed(name)
    full = token is not None
    etag, newest, visible = fingerprint(spec, fmt, page, full)
    archives = visible // PAGE_SIZE
    if page is not None and not 1 <= page <= archives:
        raise Http404("没有这一页存档。")
    if token is not None:
        _log_partner_use(token, request.path)

    if not_modified(request, etag, newest):
        response = HttpResponseNotModified()
    else:
        body = render_feed(spec, fmt, page, archives, full, request)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["ETag"] = etag
    response["Last-Modified"] = format_datetime(newest.astimezone(UTC), usegmt=True)
    response["Cache-Control"] = "private, no-store" if full else "public, max-age=60"
    return response


def _log_partner_use(token, path):
    PartnerFeedAccess.objects.create(token=token, path=path[:255])
    PartnerFeedToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    logger.info("partner feed read outlet_id=%s path=%s", token.pk, path)


def feed_url(spec, fmt, page=None):
    suffix = f"/archive/{page}" if page else ""
    return f"{base_url()}/feeds/{spec.key}{suffix}.{fmt}"


def _entries(spec, page):
    visible = spec.queryset.filter(removed=False)
    if page is None:
        return list(visible.order_by("-published_at", "-id")[:PAGE_SIZE])
    start = (page - 1) * PAGE_SIZE
    chunk = visible.order_by("published_at", "id")[start : start + PAGE_SIZE]
    return list(reversed(list(chunk)))


def render_feed(spec, fmt, page, archives, full, request) -> bytes:
    generator = FeedGenerator()
    generator.load_extension("media", atom=True, rss=True)
    generator.register_extension("history", HistoryExtension, HistoryEntryExtension)
    generator.id(feed_url(spec, "atom", page))
    generator.title(spec.title)
    generator.description(spec.description)
    generator.subtitle(spec.description)
    generator.language("zh-CN")
    generator.link(href=base_url() + spec.link, rel="alternate")
    generator.link(href=feed_url(spec, fmt, page), rel="self")
    generator.author({"name": settings.WAGTAIL_SITE_NAME})
    generator.generator("Pufa")
    history = generator.history
    links = []
    if page is None:
        if archives:
            links.append(("prev-archive", feed_url(spec, fmt, archives)))
    else:
        history.archive = True
        links.append(("current", feed_url(spec, fmt)))
        if page > 1:
            links.append(("prev-archive", feed_url(spec, fmt, page - 1)))
        if page < archives:
            links.append(("next-archive", feed_url(spec, fmt, page + 1)))
    if not archives and page is None:
        history.complete = True
    if fmt == "atom":
        for rel, href in links:
            generator.link(href=href, rel=rel)
    else:
        history.links = links

    entries = _entries(spec, page)
    newest = max((e.updated_at for e in entries), default=timezone.now())
    generator.updated(newest)
    generator.lastBuildDate(newest)
    for entry in reversed(entries):
        _add_entry(generator, entry, fmt, full)
    if fmt == "atom":
        return generator.atom_str(pretty=False)
    return generator.rss_str(pretty=False)


def _add_entry(generator, entry, fmt, full):
    item = generator.add_entry()
    link = entry.link or f"{base_url()}/"
    item.id(f"urn:pufa:item:{entry.uid}")
    item.guid(f"urn:pufa:item:{entry.uid}", permalink=False)
    item.title(entry.title)
    item.link(href=link, rel="alternate")
    item.published(entry.published_at)
    item.updated(entry.updated_at)
    if entry.author:
        item.author(
            {"name": entry.author, "email": "noreply@example.cn"}
            if fmt == "rss"
            else {"name": entry.author}
        )
    summary = entry.summary or entry.title
    if entry.correction_note:
        summary = f"{summary}\n【更正】{entry.correction_note}"
    item.description(summary)
    if full and entry.body_html:
        body = entry.body_html
        if entry.correction_note:
            body += f"<p><strong>更正：</strong>{entry.correction_note}</p>"
        item.content(body, type="CDATA" if fmt == "rss" else "html")
    if entry.video_url:
        item.enclosure(entry.video_url, str(entry.video_length or 0), entry.video_type)
        content = {
            "url": entry.video_url,
            "type": entry.video_type,
            "medium": "video",
            "expression": "full",
            "isDefault": "true",
        }
        if entry.video_length:
            content["fileSize"] = str(entry.video_length)
        if entry.video_duration:
            content["duration"] = str(int(round(entry.video_duration)))
        item.media.content(content, group=None)
        if entry.image_url:
            item.media.thumbnail({"url": entry.image_url}, group=None)
    return item
