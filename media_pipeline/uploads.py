"""The resumable upload protocol.

1. ``start_upload`` creates a :class:`Video` (``uploading``) and an
   :class:`Upload` with the declared size (refused above
   ``PUFA_MAX_UPLOAD_BYTES``).
2. Local storage: the client sends chunks with ``write_chunk(offset, bytes)``;
   a chunk at the wrong offset is refused with the current offset, which is
   also what a client asks for to resume after a reload or a dropped line.
   S3: the client asks ``part_url(n)`` for a presigned URL and sends part n
   straight to the bucket; ``uploaded_parts`` lists what arrived, to resume.
3. ``complete_upload`` checks the size, sniffs the first bytes (a text file or
   a playlist is refused at once: :func:`media_pipeline.refusals.refuse`
   leaves no row and no file behind), moves the bytes to ``originals/`` in
   private storage and queues the probe job.

An upload that nobody touched (a chunk written, a part URL asked for) for
``PUFA_UPLOAD_EXPIRY_HOURS`` is aborted by :func:`expire_uploads`, which the
media reaper runs; part files under ``uploads/`` that no upload owns any more
go the same way.

The HTTP views and ``manage.py pufa_media ingest`` both go through here.
"""

import logging
import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from . import probe, refusals
from .jobs import create_job
from .models import JobKind, Upload, Video, VideoStatus
from .storage import delete_names, is_s3, local_path, private_storage

logger = logging.getLogger("pufa.media")

S3_MIN_PART = 5 * 1024 * 1024
S3_MAX_PARTS = 10000
# Uploads aborted per reaper run; the rest wait for the next run.
EXPIRE_BATCH = 100
# Listing the part files costs a request per page on S3: once in five minutes.
PART_SWEEP_SECONDS = 300


class UploadError(Exception):
    """The request cannot be honoured; ``str(exc)`` is shown to the uploader."""

    status = 400

    def __init__(self, message: str, status: int = 400, offset: int | None = None):
        super().__init__(message)
        self.status = status
        self.offset = offset


def uses_s3() -> bool:
    return is_s3(private_storage())


def chunk_size() -> int:
    size = settings.PUFA_MEDIA_UPLOAD_CHUNK_BYTES
    return max(size, S3_MIN_PART) if uses_s3() else size


def start_upload(user, filename: str, size: int, title: str = "") -> Upload:
    """Create the video and its upload session; raise UploadError if refused."""
    if size <= 0:
        raise UploadError("文件为空。")
    if size > settings.PUFA_MAX_UPLOAD_BYTES:
        limit = settings.PUFA_MAX_UPLOAD_BYTES / 1024**2
        raise UploadError(f"文件太大，最大 {limit:.0f} MB。", status=413)
    if uses_s3() and size > chunk_size() * S3_MAX_PARTS:
        raise UploadError("文件太大。", status=413)
    filename = os.path.basename(filename or "")[:200] or "video"
    title = (title or Path(filename).stem)[:255]
    with transaction.atomic():
        video = Video.objects.create(
            title=title, original_filename=filename, uploaded_by=user
        )
        upload = Upload.objects.create(
            video=video, filename=filename, size=size, created_by=user
        )
        if uses_s3():
            _start_multipart(upload)
    # A database restored or recreated under a kept cache may hand out an id
    # that a refused video had.
    refusals.forget(video.pk)
    logger.info("started upload upload=%s video=%s size=%s", upload.pk, video.pk, size)
    return upload


def _original_name(upload: Upload) -> str:
    return f"originals/{upload.video_id}/{upload.pk.hex}"


def _s3(storage):
    return storage.connection.meta.client


def _s3_key(storage, name: str) -> str:
    return storage._normalize_name(name)


def _start_multipart(upload: Upload) -> None:
    storage = private_storage()
    key = _s3_key(storage, _original_name(upload))
    response = _s3(storage).create_multipart_upload(
        Bucket=storage.bucket_name, Key=key, ContentType="application/octet-stream"
    )
    upload.s3_key = key
    upload.s3_upload_id = response["UploadId"]
    upload.save(update_fields=["s3_key", "s3_upload_id"])


def write_chunk(upload_id, offset: int, data: bytes) -> int:
    """Write ``data`` at ``offset`` (local storage); return the new offset."""
    storage = private_storage()
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.s3_upload_id:
            raise UploadError("此上传直接发送到对象存储。", status=409)
        if offset != upload.offset:
            raise UploadError("分片位置不一致。", status=409, offset=upload.offset)
        if offset + len(data) > upload.size:
            raise UploadError(
                "数据超过了声明的文件大小。", status=413, offset=upload.offset
            )
        path = local_path(storage, upload.part_name)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        mode = "r+b" if os.path.exists(path) else "wb"
        with open(path, mode) as handle:
            handle.seek(offset)
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        upload.offset = offset + len(data)
        upload.save(update_fields=["offset", "updated_at"])
    return upload.offset


def part_url(upload: Upload, number: int) -> str:
    """Return a presigned URL the browser PUTs part ``number`` to (S3)."""
    if not upload.s3_upload_id:
        raise UploadError("此上传不使用对象存储。", status=409)
    if not 1 <= number <= S3_MAX_PARTS:
        raise UploadError("分片编号无效。")
    storage = private_storage()
    # The parts bypass Pufa: asking for their URLs is what keeps the upload alive.
    Upload.objects.filter(pk=upload.pk).update(updated_at=timezone.now())
    return _s3(storage).generate_presigned_url(
        "upload_part",
        Params={
            "Bucket": storage.bucket_name,
            "Key": upload.s3_key,
            "UploadId": upload.s3_upload_id,
            "PartNumber": number,
        },
        ExpiresIn=settings.PUFA_MEDIA_SIGNED_URL_SECONDS,
    )


def uploaded_parts(upload: Upload) -> list[dict]:
    """Return ``[{"number", "size", "etag"}]`` of the parts the bucket holds."""
    storage = private_storage()
    parts, marker = [], 0
    while True:
        response = _s3(storage).list_parts(
            Bucket=storage.bucket_name,
            Key=upload.s3_key,
            UploadId=upload.s3_upload_id,
            PartNumberMarker=marker,
        )
        for part in response.get("Parts", []):
            parts.append(
                {
                    "number": part["PartNumber"],
                    "size": part["Size"],
                    "etag": part["ETag"],
                }
            )
        if not response.get("IsTruncated"):
            return parts
        marker = response["NextPartNumberMarker"]


def current_offset(upload: Upload) -> int:
    if upload.s3_upload_id:
        return sum(part["size"] for part in uploaded_parts(upload))
    return upload.offset


def complete_upload(upload: Upload) -> Video:
    """Turn the received bytes into the video's original and queue the probe."""
    storage = private_storage()
    video = upload.video
    final = _original_name(upload)
    if upload.s3_upload_id:
        _complete_multipart(upload)
    elif upload.offset != upload.size:
        raise UploadError("文件尚未上传完整。", status=409, offset=upload.offset)
    else:
        _move_local(storage, upload.part_name, final)

    with storage.open(final, "rb") as handle:
        head = handle.read(4096)
    try:
        probe.sniff(head)
    except probe.Rejected as exc:
        # No row names these bytes yet, so refuse() would not find them.
        delete_names(storage, [final])
        refusals.refuse(video, str(exc))
        return video

    with transaction.atomic():
        Video.objects.filter(pk=video.pk).update(
            original=final, status=VideoStatus.PROBING, status_message=""
        )
        upload.delete()
        video.refresh_from_db()
        create_job(video, JobKind.PROBE)
    logger.info("completed upload video=%s", video.pk)
    return video


def _move_local(storage, part: str, final: str) -> None:
    source, target = local_path(storage, part), local_path(storage, final)
    if source and target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return
    with storage.open(part, "rb") as handle:
        storage.save(final, File(handle))
    storage.delete(part)


def _complete_multipart(upload: Upload) -> None:
    storage = private_storage()
    parts = uploaded_parts(upload)
    received = sum(part["size"] for part in parts)
    if received != upload.size:
        raise UploadError("文件尚未上传完整。", status=409, offset=received)
    _s3(storage).complete_multipart_upload(
        Bucket=storage.bucket_name,
        Key=upload.s3_key,
        UploadId=upload.s3_upload_id,
        MultipartUpload={
            "Parts": [{"PartNumber": p["number"], "ETag": p["etag"]} for p in parts]
        },
    )


def abort_upload(upload: Upload) -> None:
    """Drop an unfinished upload with its bytes and its video."""
    storage = private_storage()
    if upload.s3_upload_id:
        _abort_multipart(storage, upload)
    else:
        delete_names(storage, [upload.part_name])
    video_id = upload.video_id
    Video.objects.filter(pk=video_id).delete()
    logger.info("aborted upload video=%s", video_id)


def _abort_multipart(storage, upload: Upload) -> None:
    from botocore.exceptions import ClientError

    try:
        _s3(storage).abort_multipart_upload(
            Bucket=storage.bucket_name, Key=upload.s3_key, UploadId=upload.s3_upload_id
        )
    except ClientError as exc:
        # A bucket lifecycle rule may have aborted it already.
        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise


def expire_uploads(now: datetime | None = None) -> int:
    """Abort uploads untouched for ``PUFA_UPLOAD_EXPIRY_HOURS``; return how many.

    Part files under ``uploads/`` that no upload owns and that are as old count
    too: they are uploads whose row is already gone.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.PUFA_UPLOAD_EXPIRY_HOURS)
    stale = Upload.objects.filter(updated_at__lt=cutoff).values_list("pk", flat=True)
    expired = sum(_expire(upload_id, cutoff) for upload_id in stale[:EXPIRE_BATCH])
    if _part_sweep_due():
        expired += _remove_orphan_parts(cutoff)
    return expired


def _expire(upload_id, cutoff: datetime) -> bool:
    try:
        with transaction.atomic():
            # Locked and checked again: a chunk may have arrived meanwhile.
            upload = (
                Upload.objects.select_for_update()
                .filter(pk=upload_id, updated_at__lt=cutoff)
                .first()
            )
            if upload is None:
                return False
            abort_upload(upload)
    except Exception:
        logger.exception("could not expire upload upload=%s", upload_id)
        return False
    return True


def _part_sweep_due() -> bool:
    try:
        return caches[refusals.MEDIA_CACHE].add(
            "media:part-sweep", True, PART_SWEEP_SECONDS
        )
    except Exception:
        logger.exception("could not read the part sweep mark")
        return True


def _remove_orphan_parts(cutoff: datetime) -> int:
    storage = private_storage()
    try:
        _folders, files = storage.listdir("uploads")
    except FileNotFoundError:
        return 0
    except Exception:
        logger.exception("could not list part files")
        return 0
    parts = {}
    for filename in files:
        stem, _dot, suffix = filename.partition(".")
        if suffix != "part":
            continue
        try:
            parts[uuid.UUID(stem)] = f"uploads/{filename}"
        except ValueError:
            continue
    owned = set(Upload.objects.filter(pk__in=parts).values_list("pk", flat=True))
    removed = 0
    for upload_id, name in parts.items():
        if upload_id in owned:
            continue
        try:
            if storage.get_modified_time(name) >= cutoff:
                continue
            delete_names(storage, [name])
        except Exception:
            logger.exception("could not remove part file name=%s", name)
            continue
        removed += 1
    return removed


def ingest_file(path: str, user=None, title: str = "", subtitles: str | None = None):
    """Send a local file through exactly the upload path; return the video."""
    size = os.path.getsize(path)
    upload = start_upload(user, os.path.basename(path), size, title)
    if subtitles:
        attach_subtitles(upload.video, Path(subtitles).read_bytes(), queue=False)
    with open(path, "rb") as handle:
        if upload.s3_upload_id:
            _send_parts_directly(upload, handle)
        else:
            offset = 0
            while block := handle.read(chunk_size()):
                offset = write_chunk(upload.pk, offset, block)
    return complete_upload(Upload.objects.get(pk=upload.pk))


def _send_parts_directly(upload: Upload, handle) -> None:
    import requests

    number = 1
    while block := handle.read(chunk_size()):
        response = requests.put(part_url(upload, number), data=block, timeout=300)
        response.raise_for_status()
        number += 1


def attach_subtitles(video: Video, data: bytes, queue: bool = True) -> None:
    """Store SRT/WebVTT subtitles for a video; remake screens and the sidecar."""
    from .jobs import PermanentError, validate_subtitles

    try:
        validate_subtitles(data)
    except PermanentError as exc:
        raise UploadError(str(exc)) from None
    if len(data) > 2 << 20:
        raise UploadError("字幕文件太大。")
    storage = private_storage()
    old = video.subtitles.name if video.subtitles else None
    remake = queue and video.status in (VideoStatus.READY, VideoStatus.PROCESSING)
    name = storage.save(f"subtitles/{video.pk}/{uuid.uuid4().hex}.txt", _bytes(data))
    with transaction.atomic():
        attached = Video.objects.filter(pk=video.pk).update(subtitles=name)
        video.subtitles.name = name
        if attached and remake:
            Video.objects.filter(pk=video.pk).update(status=VideoStatus.PROCESSING)
            create_job(video, JobKind.SUBTITLES)
            create_job(video, JobKind.SCREENS)
    if not attached:
        # Refused (and deleted) while the subtitles were on their way.
        delete_names(storage, [name])
        raise UploadError("视频已不存在。", status=404)
    if old:
        delete_names(storage, [old])


def _bytes(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)
