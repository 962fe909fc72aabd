"""Promote an item's media when it is published and withdraw it when retracted.

Wagtail's publish signals fire for every publish (admin, workflow approval,
scheduler, management command), so approval is what makes media public:

- on ``page_published`` / ``published``: each image of the item (cover,
  poster, variants, image blocks) is made public at once, inside the publish
  transaction, so the first public render of the item already links to public
  copies; then, after the commit, each video (page field, ad variants, video
  blocks in the body) is copied to public storage and each image gets its
  per-channel renditions (``media_pipeline.renditions``);
- on ``page_unpublished`` / ``unpublished``: media that no other live item
  uses is withdrawn from public storage and its URLs purged from the CDN.

Until then an image's originals and renditions are only in private storage
(see ``cms.models.images``).

Also registers the media job reaper with the scheduler and the media queue
with ``/healthz``, so that the pipeline itself never imports cms.
"""

import logging

from django.db import transaction
from django.dispatch import receiver
from wagtail.images import get_image_model
from wagtail.signals import page_published, page_unpublished, published, unpublished

from media_pipeline import jobs, publishing, renditions
from media_pipeline.models import Video, VideoStatus
from media_pipeline.signals import video_status_changed
from media_pipeline.storage import public_storage

from .health import register_check
from .scheduler import register_periodic

logger = logging.getLogger("pufa.media")

register_periodic("media_job_reaper", 15, jobs.reap)
register_check("media_jobs", jobs.queue_health)


def item_media(item) -> tuple[set[int], set[int]]:
    """Return the (video ids, image ids) an item uses."""
    item = getattr(item, "specific", item)
    videos, images = set(), set()
    image_model = get_image_model()
    holders = [
        item,
        *(getattr(item, "variants", None).all() if hasattr(item, "variants") else []),
    ]
    for holder in holders:
        for field in holder._meta.concrete_fields:
            related = getattr(field, "related_model", None)
            value = getattr(holder, field.attname, None)
            if not value:
                continue
            if related is Video:
                videos.add(value)
            elif related is image_model:
                images.add(value)
    body = getattr(item, "body", None)
    if body is not None and hasattr(body, "raw_data"):
        for block in body.raw_data:
            value = block.get("value") or {}
            if block.get("type") == "image" and value.get("image"):
                images.add(value["image"])
            elif block.get("type") == "video" and value.get("video"):
                videos.add(value["video"])
    return videos, images


def _live_items():
    """Yield every live item (pages and ads) that may hold media."""
    from .models import ArticlePage, PublicServiceAd, VideoPage

    yield from VideoPage.objects.live().specific()
    yield from ArticlePage.objects.live().specific()
    yield from PublicServiceAd.objects.filter(live=True)


def _still_used(exclude, kind: str) -> set[int]:
    used = set()
    for item in _live_items():
        if item.__class__ is exclude.__class__ and item.pk == exclude.pk:
            continue
        videos, images = item_media(item)
        used |= videos if kind == "video" else images
    return used


def make_item_images_public(item) -> None:
    """Copy the renditions of the item's images to public storage."""
    _videos, image_ids = item_media(item)
    for image in get_image_model().objects.filter(pk__in=image_ids):
        image.make_public()


def promote_item_media(item) -> None:
    video_ids, image_ids = item_media(item)
    for video in Video.objects.filter(pk__in=video_ids):
        publishing.promote_video(video)
    for image in get_image_model().objects.filter(pk__in=image_ids):
        image.make_public()
        try:
            renditions.make_channel_renditions(image)
        except renditions.ImageRejected as exc:
            logger.info("image unusable for channels image=%s reason=%s", image.pk, exc)


def withdraw_item_media(item) -> list[str]:
    video_ids, image_ids = item_media(item)
    urls = []
    keep_videos = _still_used(item, "video") if video_ids else set()
    for video in Video.objects.filter(pk__in=video_ids - keep_videos):
        urls += publishing.withdraw_video(video)
    keep_images = _still_used(item, "image") if image_ids else set()
    for image in get_image_model().objects.filter(pk__in=image_ids - keep_images):
        urls += image.make_private()
        urls += renditions.delete_channel_renditions(image.pk)
    return urls


def sync_public_images() -> dict:
    """Make exactly the images that live items use public; return counts.

    For data written before images were private, and as a repair after a
    failed promotion: ``manage.py pufa_images sync``.
    """
    used = set()
    for item in _live_items():
        used |= item_media(item)[1]
    made_public = made_private = 0
    public = public_storage()
    for image in get_image_model().objects.all():
        if public.exists(image.file.name):
            # An original written before originals were private.
            purge_urls([public.url(image.file.name)])
            public.delete(image.file.name)
        if image.pk in used:
            image.make_public()
            made_public += 1
        elif image.is_public or image.renditions.exists():
            if image.is_public:
                made_private += 1
            purge_urls(image.make_private())
    return {"public": made_public, "private": made_private}


def purge_urls(urls: list[str]) -> None:
    """Purge site-relative or absolute media URLs from the configured CDN."""
    if not urls:
        return
    from django.conf import settings
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    if not settings.WAGTAILFRONTENDCACHE:
        return
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    absolute = [url if "://" in url else base + url for url in urls]
    try:
        purge_urls_from_cache(absolute)
    except Exception:
        logger.exception("media cache purge failed urls=%s", len(absolute))


def _on_publish(instance):
    try:
        make_item_images_public(instance)
    except Exception:
        # Publishing must not fail because of media; promote() tries again.
        logger.exception("image promotion failed item=%s", instance.pk)

    def promote():
        try:
            promote_item_media(instance)
        except Exception:
            # Publishing must not fail because of media; the log says what broke.
            logger.exception("media promotion failed item=%s", instance.pk)

    transaction.on_commit(promote)


def _on_unpublish(instance):
    def withdraw():
        try:
            purge_urls(withdraw_item_media(instance))
        except Exception:
            logger.exception("media withdrawal failed item=%s", instance.pk)

    transaction.on_commit(withdraw)


@receiver(page_published)
def page_published_promote_media(sender, instance, **kwargs):
    _on_publish(instance)


@receiver(page_unpublished)
def page_unpublished_withdraw_media(sender, instance, **kwargs):
    _on_unpublish(instance)


@receiver(published)
def snippet_published_promote_media(sender, instance, **kwargs):
    from wagtail.models import Page

    if not isinstance(instance, Page):
        _on_publish(instance)


@receiver(unpublished)
def snippet_unpublished_withdraw_media(sender, instance, **kwargs):
    from wagtail.models import Page

    if not isinstance(instance, Page):
        _on_unpublish(instance)


@receiver(video_status_changed)
def demo_video_ready_attach(sender, video, **kwargs):
    from media_pipeline.demo import DEMO_TITLE

    if video.title == DEMO_TITLE and video.status == VideoStatus.READY:
        attach_demo_video(video)


def attach_demo_video(video: Video) -> int:
    """Give every video page without a video the demo video; return how many."""
    from .models import VideoPage

    count = 0
    for page in VideoPage.objects.filter(video__isnull=True):
        page.video = video
        revision = page.save_revision()
        if page.live:
            revision.publish()
        count += 1
    if count:
        logger.info("attached demo video video=%s pages=%s", video.pk, count)
    return count
