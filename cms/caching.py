"""HTTP caching of the public web site.

Three layers, all driven by the same rule (a published page seen by an
anonymous visitor is public; anything else is private):

1. HTTP headers: public pages send ``Cache-Control: public, max-age=…`` and a
   strong ``ETag`` and answer ``If-None-Match`` with 304; pages seen by a
   logged-in user, previews and drafts send ``private, no-store``.
2. A server-side cache of anonymous GET responses, keyed by scheme, host and
   path and kept in the ``pages`` cache (Redis in production, files under
   ``var/`` embedded, so that every process sees an invalidation).
   ``PageCacheMiddleware`` is the first Django middleware, and
   ``PageCacheWSGI`` wraps the WSGI application so a hit skips Django.
3. The CDN, purged through Wagtail's frontend cache on publish and unpublish.

Invalidation on publish/unpublish covers the page, its ancestors (column,
column index, home), the columns that feature it and, through a generation
number, every topic, tag and campaign listing. Publishing, retracting or
moving a column changes the navigation of every page: that moves the site
generation, which is part of every key, so the whole cache is dropped at once.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified

logger = logging.getLogger("pufa.cache")

KEY_PREFIX = "pufa:page:"
HOSTS_KEY = KEY_PREFIX + "hosts"
LISTING_GENERATION_KEY = KEY_PREFIX + "listing-generation"
SITE_GENERATION_KEY = KEY_PREFIX + "site-generation"
# Listings that show items from anywhere in the tree: cheaper to drop them all
# on every publish than to track which item appears where.
LISTING_PREFIXES = ("/topics/", "/tags/", "/campaigns/")
# Invalidation visits every host a page was cached under; a flood of made-up
# Host headers (possible where ALLOWED_HOSTS is "*") must not grow that list.
MAX_HOSTS = 32
# Headers that must never be replayed from the cache to another visitor.
PRIVATE_HEADERS = {"set-cookie", "vary"}
# Recomputed when a cached entry is served.
DROPPED_HEADERS = PRIVATE_HEADERS | {"content-length"}

PRIVATE_CACHE_CONTROL = "private, no-store"

# The WSGI front keeps what it read from the shared page cache for this long
# in process memory, so a hot page costs a dictionary lookup. An invalidation
# clears this memory at once in the process that publishes; other processes
# may serve the previous copy for up to this many seconds.
MEMO_SECONDS = 1.0
MEMO_MAX_ENTRIES = 1000
_memo = {}
# The site generation, read from the shared cache at most once per
# MEMO_SECONDS per process: (valid until, value).
_site_generation = [0.0, 0]


def page_cache():
    return caches[getattr(settings, "PUFA_PAGE_CACHE_ALIAS", "pages")]


def mark_cacheable(request, page=None):
    """Say that the response to ``request`` is a public page if nothing forbids it."""
    request._pufa_cacheable = True
    request._pufa_page = page


def _is_listing(path):
    return path.startswith(LISTING_PREFIXES)


def cache_key(scheme, host, path, generation=None):
    raw = f"{scheme}://{host.lower()}{path}"
    if generation is not None:
        raw += f"#{generation}"
    return KEY_PREFIX + hashlib.sha1(raw.encode("utf-8")).hexdigest()


def compute_etag(body):
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(if_none_match, etag):
    """Return True if an If-None-Match header names ``etag`` (weak comparison)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        if candidate.strip().removeprefix("W/") == bare:
            return True
    return False


def site_generation(cache=None):
    """Return the current site generation (moved on by :func:`invalidate_site`)."""
    now = time.monotonic()
    if _site_generation[0] > now:
        return _site_generation[1]
    value = (cache or page_cache()).get(SITE_GENERATION_KEY, 0)
    _site_generation[:] = [now + MEMO_SECONDS, value]
    return value


def _forget_memos():
    _memo.clear()
    _site_generation[0] = 0.0


def _lookup_key(cache, scheme, host, path):
    site = site_generation(cache)
    if _is_listing(path):
        listing = cache.get(LISTING_GENERATION_KEY, 0)
        return cache_key(scheme, host, path, f"{site}.{listing}")
    return cache_key(scheme, host, path, site)


def raw_host(meta):
    """Return the host a request names, the way Django's ``get_host`` finds it."""
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in meta:
        return meta["HTTP_X_FORWARDED_HOST"]
    if "HTTP_HOST" in meta:
        return meta["HTTP_HOST"]
    host = meta.get("SERVER_NAME", "")
    port = str(meta.get("SERVER_PORT", ""))
    if port and port not in ("80", "443"):
        host = f"{host}:{port}"
    return host


def _session_cookie_in(cookie_header):
    name = settings.SESSION_COOKIE_NAME + "="
    return name in cookie_header


def lookup(method, scheme, host, path, query, cookie_header):
    """Return the cached entry for an anonymous GET/HEAD, or None."""
    if method not in ("GET", "HEAD") or query or not host:
        return None
    if cookie_header and _session_cookie_in(cookie_header):
        return None
    cache = page_cache()
    try:
        return cache.get(_lookup_key(cache, scheme, host, path))
    except Exception:
        # A cache outage degrades to rendering, never to an error page.
        logger.exception("page cache lookup failed path=%s", path)
        return None


def store(request, response, etag):
    """Keep an anonymous public GET response for the next visitors."""
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return
    if settings.SESSION_COOKIE_NAME in request.COOKIES or response.cookies:
        return
    host = raw_host(request.META)
    if not host:
        return
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in DROPPED_HEADERS
    ]
    entry = (response.status_code, headers, response.content, etag)
    cache = page_cache()
    try:
        hosts = cache.get(HOSTS_KEY) or set()
        if host.lower() not in hosts:
            if len(hosts) >= MAX_HOSTS:
                return
            cache.set(HOSTS_KEY, hosts | {host.lower()}, None)
        key = _lookup_key(cache, request.scheme, host, request.path)
        cache.set(key, entry, settings.PUFA_PAGE_CACHE_SECONDS)
    except Exception:
        logger.exception("page cache store failed path=%s", request.path)


def entry_response(entry, if_none_match, head=False):
    """Build the HttpResponse of a cached entry (304 when the ETag matches)."""
    status, headers, body, etag = entry
    if etag_matches(if_none_match, etag):
        response = HttpResponseNotModified()
        for name, value in headers:
            if name.lower() in ("etag", "cache-control", "content-language"):
                response[name] = value
        return response
    response = HttpResponse(b"" if head else body, status=status)
    for name, value in headers:
        response[name] = value
    response["Content-Length"] = str(len(body))
    return response


def _viewer_is_private(request):
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # Never touch the session for a cookie-less visitor: that would add
        # "Vary: Cookie" and make every CDN keep one copy per cookie.
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _page_is_private(page):
    if page is None:
        return False
    if not page.live:
        return True
    return bool(page.get_view_restrictions())


def finalize(request, response):
    """Give a page response its caching headers; store it or answer 304."""
    if getattr(request, "is_preview", False):
        response["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    if getattr(response, "streaming", False):
        return response
    if _viewer_is_private(request) or _page_is_private(request._pufa_page):
        response["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response

    etag = compute_etag(response.content)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={settings.PUFA_PAGE_MAX_AGE}"
    store(request, response, etag)
    if etag_matches(request.META.get("HTTP_IF_NONE_MATCH"), etag):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = response["Cache-Control"]
        return not_modified
    return response


class PageCacheMiddleware:
    """Serve anonymous GETs of published pages from the page cache.

    Placed first in ``MIDDLEWARE`` so that a hit costs one cache read; on a
    miss it lets the page render, then adds the caching headers and stores it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        entry = lookup(
            request.method,
            request.scheme,
            raw_host(meta),
            request.path,
            meta.get("QUERY_STRING", ""),
            meta.get("HTTP_COOKIE", ""),
        )
        if entry is not None:
            return entry_response(
                entry, meta.get("HTTP_IF_NONE_MATCH"), head=request.method == "HEAD"
            )
        response = self.get_response(request)
        if getattr(request, "_pufa_cacheable", False):
            response = finalize(request, response)
        return response


class PageCacheWSGI:
    """Answer page-cache hits before Django builds a request at all.

    Entries read from the shared page cache are kept for ``MEMO_SECONDS`` in
    process memory (see ``_memo``).
    """

    def __init__(self, application):
        self.application = application
        proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        self.proxy_header = proxy_header

    def _scheme(self, environ):
        if self.proxy_header:
            header, secure_value = self.proxy_header
            value = environ.get(header)
            if value is not None:
                return (
                    "https" if value.split(",")[0].strip() == secure_value else "http"
                )
        return environ.get("wsgi.url_scheme", "http")

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD") and not environ.get("QUERY_STRING"):
            path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
            try:
                path = path.encode("iso-8859-1").decode("utf-8")
            except UnicodeError:
                return self.application(environ, start_response)
            cookies = environ.get("HTTP_COOKIE", "")
            if not (cookies and _session_cookie_in(cookies)):
                entry = self._entry(
                    self._scheme(environ), raw_host(environ), path or "/"
                )
                if entry is not None:
                    return self._serve(entry, environ, start_response, method == "HEAD")
        return self.application(environ, start_response)

    def _entry(self, scheme, host, path):
        now = time.monotonic()
        memo_key = (scheme, host, path)
        remembered = _memo.get(memo_key)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        entry = lookup("GET", scheme, host, path, "", "")
        if entry is not None:
            if len(_memo) >= MEMO_MAX_ENTRIES:
                _memo.clear()
            _memo[memo_key] = (now + MEMO_SECONDS, entry)
        return entry

    def _serve(self, entry, environ, start_response, head):
        status, headers, body, etag = entry
        if etag_matches(environ.get("HTTP_IF_NONE_MATCH"), etag):
            kept = [
                (name, value)
                for name, value in headers
                if name.lower() in ("etag", "cache-control")
            ]
            start_response("304 Not Modified", kept)
            return [b""]
        start_response(f"{status} OK", [*headers, ("Content-Length", str(len(body)))])
        return [b"" if head else body]


# Invalidation ------------------------------------------------------------


def page_paths(page):
    """Return the site-relative paths a page is served at."""
    parts = page.get_url_parts()
    if not parts or not parts[2]:
        return set()
    return {parts[2]}


def related_pages(page):
    """Return the pages whose output lists ``page``: ancestors and featuring columns."""
    from .models import ColumnFeaturedItem

    pages = list(page.get_ancestors().filter(depth__gt=1).specific())
    featuring = ColumnFeaturedItem.objects.filter(item_id=page.pk).select_related(
        "page"
    )
    pages.extend(row.page for row in featuring)
    return pages


def invalidate_page(page):
    """Drop the cached copies of ``page`` and of the pages and listings showing it."""
    _forget_memos()
    cache = page_cache()
    paths = set(page_paths(page))
    for other in related_pages(page):
        paths |= page_paths(other)
    try:
        hosts = cache.get(HOSTS_KEY) or set()
        site = site_generation(cache)
        keys = [
            cache_key(scheme, host, path, site)
            for host in hosts
            for scheme in ("http", "https")
            for path in paths
        ]
        if keys:
            cache.delete_many(keys)
        try:
            cache.incr(LISTING_GENERATION_KEY)
        except ValueError:
            cache.set(LISTING_GENERATION_KEY, 1, None)
    except Exception:
        logger.exception("page cache invalidation failed page=%s", page.pk)
        return paths
    logger.info("invalidated page cache page=%s paths=%d", page.pk, len(paths))
    return paths


def listing_urls(page):
    """Return the absolute URLs of the topic, tag and campaign listings of a page."""
    from django.urls import reverse

    site = page.get_site()
    if site is None:
        return []
    root = site.root_url
    urls = []
    for relation, name in (("topics", "topic"), ("campaigns", "campaign")):
        manager = getattr(page, relation, None)
        if manager is None:
            continue
        for obj in manager.all():
            urls.append(root + reverse(f"cms:{name}", args=[obj.slug]))
    tags = getattr(page, "tags", None)
    if tags is not None:
        for tag in tags.all():
            urls.append(root + reverse("cms:tag", args=[tag.slug]))
    return urls


def purge_related(page):
    """Ask the CDN to drop the pages and listings that show ``page``.

    Wagtail's frontend cache app purges the page itself; this adds the pages
    that list it.
    """
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    from wagtail.contrib.frontend_cache.utils import PurgeBatch

    batch = PurgeBatch()
    batch.add_pages(related_pages(page))
    batch.add_urls(listing_urls(page))
    logger.info("purging frontend cache page=%s urls=%d", page.pk, len(batch.urls))
    batch.purge()


def invalidate_site():
    """Drop every cached page at once (the navigation of every page changed)."""
    _forget_memos()
    cache = page_cache()
    try:
        try:
            cache.incr(SITE_GENERATION_KEY)
        except ValueError:
            cache.set(SITE_GENERATION_KEY, 1, None)
    except Exception:
        logger.exception("page cache site invalidation failed")
        return
    _forget_memos()
    logger.info("invalidated the whole page cache")
