"""Make a video's outputs public on approval and withdraw them on retraction.

Until :func:`promote_video` runs, every file of a video lives in private
storage only. Promotion copies the current outputs (not the original) to the
public storage under the same content-keyed names, so public URLs are
immutable; :func:`withdraw_video` deletes those copies and returns the URLs
that caches must purge. The cms app calls both from its publish signals.
"""

import logging

from django.db import transaction
from django.utils import timezone

from .models import Video
from .storage import copy_between, delete_names, private_storage, public_storage

logger = logging.getLogger("pufa.media")


def _current_names(video: Video) -> list[str]:
    names = []
    for entry in (video.outputs or {}).values():
        names += [entry["prefix"] + name for name in entry.get("all", [])]
    return names


def promote_video(video: Video) -> list[str]:
    """Mark the video approved and copy its current outputs to public storage.

    A video approved before its processing finished is promoted again by the
    job that switches its outputs, so approval never has to wait for ffmpeg.
    """
    source, target = private_storage(), public_storage()
    names = _current_names(video)
    for name in names:
        copy_between(source, target, name)
    stale = [name for name in video.public_files if name not in names]
    with transaction.atomic():
        Video.objects.filter(pk=video.pk).update(
            public_files=names, published_at=video.published_at or timezone.now()
        )
    delete_names(target, stale)
    video.refresh_from_db()
    logger.info("promoted video video=%s files=%s", video.pk, len(names))
    return names


def withdraw_video(video: Video) -> list[str]:
    """Delete the video's public copies; return the URLs to purge from caches."""
    storage = public_storage()
    urls = [storage.url(name) for name in video.public_files]
    delete_names(storage, video.public_files)
    Video.objects.filter(pk=video.pk).update(public_files=[], published_at=None)
    video.refresh_from_db()
    logger.info("withdrew video video=%s files=%s", video.pk, len(urls))
    return urls
