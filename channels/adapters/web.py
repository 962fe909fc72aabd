"""The web channel: the live site, or pages baked to a static docroot.

A *live* destination (``config["mode"] == "live"``, the default) is the
Wagtail site itself: publishing purges the caches in front of the page, a
retraction unpublishes it, purges, and leaves the path answering 410 Gone.

A *static* destination (页面静态化, ``config["mode"] == "static"``) renders the
page and writes it under a docroot, either a local folder
(``config["docroot"]``) or an S3 prefix (``config["s3"]``: ``bucket``,
``prefix``, ``endpoint_url``, ``region``; credentials ``access_key`` and
``secret_key``). Files are written to a temporary name and renamed, so a
reader never sees half a page; the receipt carries the content hash. A
retraction deletes the page and leaves a ``410.gone`` marker that the nginx
configuration in the README turns into 410 Gone.

When a page's path changes (a new slug, a move), the page baked at the old
path is replaced by a small redirect page (``<meta http-equiv="refresh">``
and a canonical link; on S3 also the ``x-amz-website-redirect-location``
that S3 website hosting answers with 301), so old links keep working without
Pufa behind the docroot. The receipt lists the old paths (``redirects``); a
retraction removes the page at the path of the last receipt and turns every
one of those redirects into a 410 marker too.

A deleted page can no longer say where it was: its retraction takes the path
from the last receipt, and the live site answers 410 Gone there as well.
"""

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory
from django.utils.html import escape

from . import register
from .base import (
    Adapter,
    Capabilities,
    DeliveryResult,
    Finding,
    PermanentError,
    TransientError,
)

logger = logging.getLogger("pufa.channels.web")

GONE_MARKER = "410.gone"
PAGE_FILE = "index.html"


def page_path(page) -> str:
    parts = page.get_url_parts()
    if not parts or not parts[2]:
        raise PermanentError("该稿件没有公开网址（不在站点树中）。")
    return parts[2]


def purge(page) -> None:
    """Drop the cached copies of ``page`` here and at the CDN."""
    try:
        from cms import caching

        caching.invalidate_page(page)
        caching.purge_related(page)
    except ImportError:
        pass
    from django.conf import settings

    if getattr(settings, "WAGTAILFRONTENDCACHE", None):
        from wagtail.contrib.frontend_cache.utils import purge_page_from_cache

        purge_page_from_cache(page)


def render_page(page) -> bytes:
    """Render ``page`` as an anonymous visitor sees it."""
    from django.contrib.auth.models import AnonymousUser

    site = page.get_site()
    host = site.hostname if site else "localhost"
    request = RequestFactory().get(page_path(page), HTTP_HOST=host)
    request.user = AnonymousUser()
    response = page.serve(request)
    if hasattr(response, "render"):
        response = response.render()
    if response.status_code != 200:
        raise TransientError(f"页面渲染返回 {response.status_code}。")
    return response.content


def redirect_page(target: str) -> bytes:
    """Return the page left at a baked page's old path, pointing to ``target``."""
    href = escape(target)
    return (
        '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={href}">'
        f'<link rel="canonical" href="{href}"><meta name="robots" content="noindex">'
        "<title>页面已迁移</title></head><body>"
        f'<p>本页已迁移至 <a href="{href}">{href}</a>。</p></body></html>\n'
    ).encode()


class LocalDocroot:
    def __init__(self, root):
        self.root = Path(root)

    def _dir(self, url_path):
        relative = url_path.strip("/")
        target = (self.root / relative).resolve()
        if self.root.resolve() not in (target, *target.parents):
            raise PermanentError("页面路径超出静态目录。")
        return target

    def write(self, url_path, name, content: bytes, redirect_to="") -> str:
        folder = self._dir(url_path)
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, folder / name)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        return str(folder / name)

    def read(self, url_path, name):
        path = self._dir(url_path) / name
        return path.read_bytes() if path.exists() else None

    def delete(self, url_path, name):
        path = self._dir(url_path) / name
        if path.exists():
            path.unlink()


class S3Docroot:
    def __init__(self, options, credentials):
        import boto3

        self.bucket = options["bucket"]
        self.prefix = options.get("prefix", "").strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=options.get("endpoint_url") or None,
            region_name=options.get("region") or "us-east-1",
            aws_access_key_id=credentials.get("access_key") or None,
            aws_secret_access_key=credentials.get("secret_key") or None,
        )

    def _key(self, url_path, name):
        parts = [self.prefix, url_path.strip("/"), name]
        return "/".join(part for part in parts if part)

    def write(self, url_path, name, content: bytes, redirect_to="") -> str:
        key = self._key(url_path, name)
        extra = {"WebsiteRedirectLocation": redirect_to} if redirect_to else {}
        # One PUT replaces the object as a whole: readers see old or new.
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=content,
            ContentType="text/html; charset=utf-8",
            Metadata={"sha256": hashlib.sha256(content).hexdigest()},
            **extra,
        )
        return f"s3://{self.bucket}/{key}"

    def read(self, url_path, name):
        from botocore.exceptions import ClientError

        try:
            obj = self.client.get_object(
                Bucket=self.bucket, Key=self._key(url_path, name)
            )
        except ClientError:
            return None
        return obj["Body"].read()

    def delete(self, url_path, name):
        self.client.delete_object(Bucket=self.bucket, Key=self._key(url_path, name))


class WebAdapter(Adapter):
    channel = "web"
    label = "网站"
    capabilities = Capabilities(update_in_place=True, delete=True)

    @property
    def config(self):
        return (self.destination.config or {}) if self.destination else {}

    @property
    def is_static(self):
        return self.config.get("mode") == "static"

    def docroot(self):
        if self.config.get("s3"):
            return S3Docroot(self.config["s3"], self.destination.credentials())
        if self.config.get("docroot"):
            return LocalDocroot(self.config["docroot"])
        raise PermanentError("静态网站渠道未配置静态目录（docroot 或 s3）。")

    def validate(self, item) -> list[Finding]:
        if not hasattr(item, "get_url_parts"):
            return [
                Finding(
                    "web",
                    "公益广告不单独成页，网站渠道只在相关页面中展示。",
                    severity="warning",
                )
            ]
        return []

    def preview(self, item) -> str:
        """Return the page as the site renders it (the draft shown to editors)."""
        if hasattr(item, "make_preview_request"):
            try:
                response = item.make_preview_request()
                if hasattr(response, "render"):
                    response = response.render()
                html = response.content.decode()
                base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
                # The preview sits in an iframe's srcdoc: give relative URLs a home.
                return html.replace("<head>", f'<head><base href="{base}/">', 1)
            except Exception:
                logger.exception("web preview failed item=%s", item.pk)
        summary = escape(getattr(item, "summary", ""))
        return (
            f'<article class="pufa-web-preview"><h1>{escape(item.title)}</h1>'
            f"<p>{summary}</p></article>"
        )

    @staticmethod
    def _page(item):
        if item is None or not hasattr(item, "get_url_parts"):
            raise PermanentError("网站渠道只能发布页面类稿件。")
        return item

    @staticmethod
    def _is_embedded(item):
        """Public-service ads have no page: the site shows them in page slots."""
        return item is not None and not hasattr(item, "get_url_parts")

    def _refresh_ad_slots(self, ad, state):
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).select_related("root_page")
        site = site.first()
        if site is not None:
            # The home page lists the ads in flight; its cached copies go stale.
            purge(site.root_page.specific)
        logger.info(
            "web refreshed ad slots ad=%s state=%s", getattr(ad, "pk", None), state
        )
        return DeliveryResult(state, {"shown_on": "/", "kind": "ad"})

    def publish(self, delivery) -> DeliveryResult:
        item = delivery.live_item()
        if self._is_embedded(item):
            return self._refresh_ad_slots(item, "delivered")
        page = self._page(item)
        if not page.live:
            raise PermanentError("页面已不在线，未发布到网站。")
        path = page_path(page)
        receipt = {"url": page.full_url or path, "path": path}
        if self.is_static:
            receipt.update(self._bake(page, path))
            receipt.update(self._redirect_old_paths(delivery, path, receipt["url"]))
        purge(page)
        logger.info("web published page=%s static=%s", page.pk, self.is_static)
        return DeliveryResult("delivered", receipt)

    def update(self, delivery) -> DeliveryResult:
        return self.publish(delivery)

    def _bake(self, page, path):
        content = render_page(page)
        digest = hashlib.sha256(content).hexdigest()
        docroot = self.docroot()
        current = docroot.read(path, PAGE_FILE)
        if current is None or hashlib.sha256(current).hexdigest() != digest:
            location = docroot.write(path, PAGE_FILE, content)
        else:
            location = "unchanged"
        docroot.delete(path, GONE_MARKER)
        return {"sha256": digest, "file": location, "bytes": len(content)}

    def _redirect_old_paths(self, delivery, path, url) -> dict:
        """Leave a redirect where the page was baked before its path changed."""
        previous = delivery.previous_receipt()
        old_paths = list(previous.get("redirects", []))
        if previous.get("path") and previous["path"] != path:
            old_paths.append(previous["path"])
        old_paths = [p for p in dict.fromkeys(old_paths) if p != path]
        if not old_paths:
            return {}
        docroot = self.docroot()
        for old_path in old_paths:
            docroot.write(old_path, PAGE_FILE, redirect_page(url), redirect_to=url)
            docroot.delete(old_path, GONE_MARKER)
        logger.info("web redirected old paths count=%s to=%s", len(old_paths), path)
        return {"redirects": old_paths}

    def retract(self, delivery) -> DeliveryResult:
        from ..outbox import retracting
        from ..services import _unpublish, remember_retracted_url

        page = delivery.live_item()
        receipt = delivery.previous_receipt()
        if self._is_embedded(page) or (page is None and receipt.get("kind") == "ad"):
            return self._refresh_ad_slots(page, "revoked")
        path = receipt.get("path") or (page_path(page) if page else "")
        if page is not None:
            if page.live:
                with retracting():
                    _unpublish(page, delivery.created_by)
            remember_retracted_url(page)
            purge(page)
        if path:
            self._remember_gone(delivery, path)
        if self.is_static and path:
            docroot = self.docroot()
            for gone_path in [path, *receipt.get("redirects", [])]:
                docroot.delete(gone_path, PAGE_FILE)
                docroot.write(gone_path, GONE_MARKER, b"410 Gone\n")
        logger.info("web retracted path=%s", path)
        return DeliveryResult("revoked", {"path": path, "gone": True})

    @staticmethod
    def _remember_gone(delivery, path):
        """Answer 410 at the delivered path, also when the page is deleted."""
        from ..models import RetractedPath

        RetractedPath.objects.get_or_create(
            path=path,
            defaults={
                "content_type_id": delivery.content_type_id,
                "object_id": delivery.object_id,
            },
        )


register("web", WebAdapter)
