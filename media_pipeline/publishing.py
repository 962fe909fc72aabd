"""Make a video's outputs public on approval and withdraw them on retraction.

Until :func:`promote_video` runs, every file of a video lives in private
storage only. Promotion copies the current outputs (not the original) to the
public storage under the same content-keyed names, so public URLs are
immutable; :func:`withdraw_video` deletes those copies and returns the URLs
that caches must purge. The cms app calls both from its publish signals.

Videos of identical content share one set of outputs (see
``jobs._reuse_outputs``), so their public copies are shared too: a public file
is deleted only when no other video's ``public_files`` lists it. Both
operations lock every video of that content while they copy or delete, so a
promotion and a withdrawal of two twins cannot interleave.
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


def _lock_twins(video: Video) -> set[str]:
    """Lock the videos sharing the video's content; return their public files.

    Output names are keyed by the source sha256, so only videos of the same
    content can list the same file. Call inside a transaction.
    """
    twins = (
        Video.objects.select_for_update()
        .filter(sha256=video.sha256)
        .order_by("pk")
        .values_list("pk", "public_files")
    )
    used = set()
    for pk, files in twins:
        if pk != video.pk:
            used.update(files or [])
    return used


def _public_files(video: Video) -> list[str]:
    # The row, not the instance, says what is public: the instance may be stale.
    rows = Video.objects.filter(pk=video.pk).values_list("public_files", flat=True)
    for files in rows:
        return files or []
    return video.public_files or []


def promote_video(video: Video) -> list[str]:
    """Mark the video approved and copy its current outputs to public storage.

    A video approved before its processing finished is promoted again by the
    job that switches its outputs, so approval never has to wait for ffmpeg.
    """
    source, target = private_storage(), public_storage()
    names = _current_names(video)
    with transaction.atomic():
        used_elsewhere = _lock_twins(video)
        previous = _public_files(video)
        for name in names:
            copy_between(source, target, name)
        Video.objects.filter(pk=video.pk).update(
            public_files=names, published_at=video.published_at or timezone.now()
        )
        stale = [n for n in previous if n not in names and n not in used_elsewhere]
        delete_names(target, stale)
    video.refresh_from_db()
    logger.info(
        "promoted video video=%s files=%s removed=%s", video.pk, len(names), len(stale)
    )
    return names


def withdraw_video(video: Video) -> list[str]:
    """Delete the video's public copies no other video uses; return their URLs.

    The URLs are those caches must purge; files still published by a video of
    the same content stay, and so do their cached copies.
    """
    storage = public_storage()
    with transaction.atomic():
        used_elsewhere = _lock_twins(video)
        previous = _public_files(video)
        removed = [name for name in previous if name not in used_elsewhere]
        Video.objects.filter(pk=video.pk).update(public_files=[], published_at=None)
        urls = [storage.url(name) for name in removed]
        delete_names(storage, removed)
    video.refresh_from_db()
    logger.info(
        "withdrew video video=%s files=%s kept=%s",
        video.pk,
        len(removed),
        len(previous) - len(removed),
    )
    return urls
