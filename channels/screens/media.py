"""Screen media: content-hashed public copies of what a screen plays.

Each file a playlist names is stored once in public storage as
``screens/media/<sha256>.<ext>``; the name changes whenever the bytes do, so
players and CDNs may cache it forever. The media pipeline makes the screen
masters (fixed canvas, burned subtitles) and the screen image renditions; this
module only picks them and copies them under their hash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile

from django.core.files import File
from django.core.files.base import ContentFile

from media_pipeline.storage import private_storage, public_storage

from .models import Orientation

logger = logging.getLogger("pufa.screens")

MEDIA_PREFIX = "screens/media/"
MIME = {
    "mp4": "video/mp4",
    "webm": "video/webm",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
IMAGE_PROFILE = {
    Orientation.LANDSCAPE: ("screen_landscape", "fill-1920x1080"),
    Orientation.PORTRAIT: ("screen_portrait", "fill-1080x1920"),
}


class MediaUnavailable(Exception):
    """Nothing playable yet; ``transient`` says whether waiting can help."""

    def __init__(self, message, *, transient=False):
        super().__init__(message)
        self.message = message
        self.transient = transient


def _extension(name: str, default: str) -> str:
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    return "jpg" if ext == "jpeg" else (ext or default)


def store_bytes(data: bytes, ext: str) -> dict:
    """Store ``data`` under its hash; return the media reference."""
    digest = hashlib.sha256(data).hexdigest()
    name = f"{MEDIA_PREFIX}{digest}.{ext}"
    storage = public_storage()
    if not storage.exists(name):
        storage.save(name, ContentFile(data))
    return {"sha256": digest, "name": f"{digest}.{ext}", "mime": MIME.get(ext, "")}


def store_file(storage, source_name: str, ext: str) -> dict:
    """Copy a (possibly large) stored file under its hash, streaming it."""
    hasher = hashlib.sha256()
    with tempfile.TemporaryFile() as spool:
        with storage.open(source_name, "rb") as source:
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                hasher.update(chunk)
                spool.write(chunk)
        digest = hasher.hexdigest()
        name = f"{MEDIA_PREFIX}{digest}.{ext}"
        target = public_storage()
        if not target.exists(name):
            spool.seek(0)
            target.save(name, File(spool))
    return {"sha256": digest, "name": f"{digest}.{ext}", "mime": MIME.get(ext, "")}


def _image_ref(image, orientation) -> dict:
    profile, wagtail_filter = IMAGE_PROFILE[orientation]
    try:
        from media_pipeline.renditions import channel_rendition
    except ImportError:
        channel_rendition = None
    if channel_rendition is not None:
        rendition = channel_rendition(image, profile)
        # Read through the storages registry: it is where the pipeline wrote.
        with public_storage().open(rendition.file.name, "rb") as handle:
            return store_bytes(handle.read(), "jpg")
    rendition = image.get_rendition(wagtail_filter)
    with rendition.file.open("rb") as handle:
        return store_bytes(handle.read(), _extension(rendition.file.name, "jpg"))


def _video_source(video, orientation):
    """Return (storage, name) of the best playable file of ``video``."""
    output_name = getattr(video, "output_name", None)
    public_files = getattr(video, "public_files", None) or []
    candidates = []
    if output_name is not None:
        candidates = [
            output_name("screens", str(orientation)),
            output_name("transcode", "mp4"),
        ]
    for name in candidates:
        if name:
            storage = public_storage() if name in public_files else private_storage()
            return storage, name
    # Limitation: without a screen master from the media pipeline the
    # original upload is played as is (no fixed canvas, no burned subtitles).
    if video.original and video.status == "ready":
        return private_storage(), video.original.name
    return None, None


def _video_duration(video, storage, name) -> float:
    if video.duration_seconds:
        return float(video.duration_seconds)
    import av

    with storage.open(name, "rb") as handle, av.open(handle) as container:
        if container.duration:
            return container.duration / 1_000_000
    return 0.0


def video_media(video) -> dict:
    if video is None:
        raise MediaUnavailable("稿件没有视频，无法上屏。")
    if getattr(video, "status", "ready") in ("uploading", "probing", "processing"):
        raise MediaUnavailable("视频仍在处理中，稍后自动重试。", transient=True)
    media = {"kind": "video", "duration": 0.0}
    for orientation in Orientation:
        storage, name = _video_source(video, orientation)
        if name is None:
            raise MediaUnavailable("视频没有可上屏的文件（屏幕母版或转码文件）。")
        if not media["duration"]:
            media["duration"] = round(_video_duration(video, storage, name), 3)
        media[str(orientation)] = store_file(storage, name, _extension(name, "mp4"))
    if media["duration"] <= 0:
        raise MediaUnavailable("无法读取视频时长，不能编入节目单。")
    return media


def item_media(item) -> dict:
    """Return the playable media of an approved item for both orientations."""
    kind = item.item_kind
    if kind == "video":
        return video_media(item.video)
    if kind == "ad":
        return _ad_media(item)
    raise MediaUnavailable("屏幕只播放短视频和公益广告，图文稿件不能上屏。")


def _ad_media(ad) -> dict:
    variants = {v.format: v for v in ad.variants.all()}
    video = variants.get("video")
    if video and video.video_id:
        return video_media(video.video)
    picks = {
        Orientation.LANDSCAPE: ("landscape", "square", "portrait"),
        Orientation.PORTRAIT: ("portrait", "square", "landscape"),
    }
    media = {"kind": "image", "duration": 0.0}
    for orientation, order in picks.items():
        variant = next(
            (variants[f] for f in order if f in variants and variants[f].image_id), None
        )
        if variant is None:
            raise MediaUnavailable("公益广告没有可上屏的图片或视频版式。")
        media[str(orientation)] = _image_ref(variant.image, orientation)
        media["duration"] = max(
            media["duration"], float(variant.duration_seconds or 15)
        )
    return media
