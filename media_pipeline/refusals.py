"""Refused videos leave no rows and no files; only the reason is kept.

A video is refused when its upload completes (``probe.sniff`` on the first
bytes) or when the probe job finds it unacceptable. Both go through
:func:`refuse`, which deletes the ``Video`` row with its jobs and upload, then
its files, and keeps what the uploader needs to learn why (reason, title, file
name, uploader, time) in the ``media`` cache. That cache is shared by the web
processes and the workers and keeps an entry for a week (the alias's
``TIMEOUT``), so the status endpoint and ``manage.py pufa_media ingest`` can
answer for a refused video after its row is gone.

Usage::

    refuse(video, "这是一个文本文件，不是视频。")  # video.status is now rejected
    refusal = refusal_for(video_id)                # a Refusal, or None
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from .models import Video, VideoStatus
from .signals import video_status_changed
from .storage import delete_names, private_storage

logger = logging.getLogger("pufa.media")

MEDIA_CACHE = "media"


@dataclass(frozen=True)
class Refusal:
    """Why a video was refused, remembered after its rows are deleted."""

    video_id: int
    title: str
    reason: str
    uploaded_by_id: int | None
    filename: str
    refused_at: datetime


def _key(video_id: int) -> str:
    return f"media:refusal:{int(video_id)}"


def refuse(video: Video, reason: str) -> Refusal | None:
    """Delete a refused video with its jobs, upload and files; remember why.

    ``video`` stays usable in memory with status ``rejected`` and the reason as
    its ``status_message``. Return None if the row was already gone.
    """
    with transaction.atomic():
        try:
            video.refresh_from_db(from_queryset=Video.objects.select_for_update())
        except Video.DoesNotExist:
            return None
        refusal = Refusal(
            video_id=video.pk,
            title=video.title,
            reason=reason,
            uploaded_by_id=video.uploaded_by_id,
            filename=video.original_filename,
            refused_at=timezone.now(),
        )
        names = _owned_files(video)
        _remember(refusal)
        video.status, video.status_message = VideoStatus.REJECTED, reason
        video_status_changed.send(sender=Video, video=video)
        # A queryset delete leaves the instance's pk in place for the caller.
        Video.objects.filter(pk=video.pk).delete()

    _delete_files(video.pk, names)
    logger.info("rejected video video=%s reason=%s", video.pk, reason)
    return refusal


def refusal_for(video_id: int) -> Refusal | None:
    """Return why the video was refused while that is remembered, else None."""
    try:
        data = caches[MEDIA_CACHE].get(_key(video_id))
    except Exception:
        logger.exception("could not read refusal video=%s", video_id)
        return None
    try:
        return Refusal(**data) if data else None
    except TypeError:
        # Written by a version of this module with other fields.
        return None


def forget(video_id: int) -> None:
    """Drop what is remembered under this id, so a new video never shows it."""
    try:
        caches[MEDIA_CACHE].delete(_key(video_id))
    except Exception:
        logger.exception("could not forget refusal video=%s", video_id)


def _remember(refusal: Refusal) -> None:
    try:
        caches[MEDIA_CACHE].set(_key(refusal.video_id), asdict(refusal))
    except Exception:
        # The refusal stands; its uploader gets a 404 instead of the reason.
        logger.exception("could not remember refusal video=%s", refusal.video_id)


def _owned_files(video: Video) -> list[str]:
    """Return the private names of the video's files no other video shares."""
    names = [f.name for f in (video.original, video.subtitles) if f]
    for kind, entry in (video.outputs or {}).items():
        shared = (
            Video.objects.filter(**{f"outputs__{kind}__prefix": entry.get("prefix")})
            .exclude(pk=video.pk)
            .exists()
        )
        if not shared:
            names += [entry["prefix"] + n for n in entry.get("all", [])]
    return names


def _delete_files(video_id: int, names: list[str]) -> None:
    try:
        delete_names(private_storage(), names)
    except Exception:
        # Limitation: files the storage would not delete stay behind, named by
        # no row; the refusal itself is complete and the uploader is told.
        logger.exception("could not delete files of refused video video=%s", video_id)
