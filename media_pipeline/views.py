"""HTTP endpoints of the upload protocol, job progress and private file access.

Every endpoint needs a logged-in user with ``media_pipeline.add_video``;
creators see only their own uploads and videos, staff with
``media_pipeline.change_video`` see all. A refused video has no row any more;
its status is answered from what :mod:`media_pipeline.refusals` remembers.
"""

import json
import logging
import mimetypes
import os

from django.conf import settings
from django.core import signing
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import uploads
from .jobs import cancel_job
from .models import MediaJob, Upload, Video, VideoStatus
from .refusals import Refusal, refusal_for
from .storage import is_s3, private_storage

logger = logging.getLogger("pufa.media")

SIGNING_SALT = "pufa.media.private"


def _error(message: str, status: int = 400, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _may_upload(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.has_perm("media_pipeline.add_video")
    )


def _may_manage(user) -> bool:
    return user.has_perm("media_pipeline.change_video")


def may_view_video(user, video: Video) -> bool:
    """Return True if ``user`` may see this video's private files and status."""
    return _may_view_uploads_of(user, video.uploaded_by_id)


def _may_view_uploads_of(user, uploader_id: int | None) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return _may_manage(user) or uploader_id == user.pk


def _guarded(view):
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error("请先登录。", status=401)
        if not _may_upload(request.user):
            return _error("没有上传视频的权限。", status=403)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def _own_upload(request, upload_id) -> Upload:
    upload = get_object_or_404(Upload.objects.select_related("video"), pk=upload_id)
    if upload.created_by_id != request.user.pk:
        raise Http404
    return upload


def _upload_json(upload: Upload, offset: int | None = None) -> dict:
    data = {
        "id": str(upload.pk),
        "video_id": upload.video_id,
        "size": upload.size,
        "offset": upload.offset if offset is None else offset,
        "chunk_size": uploads.chunk_size(),
        "mode": "s3" if upload.s3_upload_id else "local",
        "url": reverse("media_pipeline:upload", args=[upload.pk]),
        "complete_url": reverse("media_pipeline:upload_complete", args=[upload.pk]),
        "status_url": reverse("media_pipeline:video_status", args=[upload.video_id]),
    }
    if upload.s3_upload_id:
        data["parts"] = uploads.uploaded_parts(upload)
        data["parts_url"] = reverse("media_pipeline:upload_parts", args=[upload.pk])
    return data


@require_POST
@_guarded
def create_upload(request):
    try:
        payload = json.loads(request.body or b"{}")
        size = int(payload.get("size", 0))
    except (ValueError, TypeError):
        return _error("请求格式错误。")
    try:
        upload = uploads.start_upload(
            request.user,
            str(payload.get("filename", "")),
            size,
            str(payload.get("title", "")),
        )
    except uploads.UploadError as exc:
        return _error(str(exc), exc.status)
    return JsonResponse(_upload_json(upload), status=201)


@require_http_methods(["GET", "HEAD", "PATCH", "PUT", "DELETE"])
@_guarded
def upload_detail(request, upload_id):
    upload = _own_upload(request, upload_id)
    if request.method in ("GET", "HEAD"):
        offset = uploads.current_offset(upload)
        response = JsonResponse(_upload_json(upload, offset))
        response["Upload-Offset"] = str(offset)
        response["Cache-Control"] = "no-store"
        return response
    if request.method == "DELETE":
        uploads.abort_upload(upload)
        return HttpResponse(status=204)
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        return _error("缺少 Upload-Offset。")
    # Read the stream, not request.body: a chunk is larger than Django's
    # in-memory body limit (DATA_UPLOAD_MAX_MEMORY_SIZE) by design.
    limit = uploads.chunk_size()
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _error("Content-Length 无效。")
    if declared > limit:
        return _error("分片过大。", status=413)
    chunk = request.read(limit + 1)
    if len(chunk) > limit:
        return _error("分片过大。", status=413)
    try:
        new_offset = uploads.write_chunk(upload.pk, offset, chunk)
    except uploads.UploadError as exc:
        response = _error(str(exc), exc.status, offset=exc.offset)
        if exc.offset is not None:
            response["Upload-Offset"] = str(exc.offset)
        return response
    response = HttpResponse(status=204)
    response["Upload-Offset"] = str(new_offset)
    return response


@require_POST
@_guarded
def upload_parts(request, upload_id):
    upload = _own_upload(request, upload_id)
    try:
        number = int(json.loads(request.body or b"{}").get("number", 0))
        url = uploads.part_url(upload, number)
    except (ValueError, TypeError):
        return _error("分片编号无效。")
    except uploads.UploadError as exc:
        return _error(str(exc), exc.status)
    return JsonResponse({"number": number, "url": url})


@require_POST
@_guarded
def upload_complete(request, upload_id):
    upload = _own_upload(request, upload_id)
    try:
        video = uploads.complete_upload(upload)
    except uploads.UploadError as exc:
        return _error(str(exc), exc.status, offset=exc.offset)
    return JsonResponse(video_status_json(video, request.user))


def video_status_json(video: Video, user) -> dict:
    jobs = [
        {
            "id": job.pk,
            "kind": job.kind,
            "kind_label": job.get_kind_display(),
            "state": job.state,
            "state_label": job.get_state_display(),
            "progress": round(job.progress, 3),
            "error": job.error,
        }
        for job in video.jobs.order_by("created_at", "id")
    ]
    data = {
        "id": video.pk,
        "title": video.title,
        "status": video.status,
        "status_label": video.get_status_display(),
        "message": video.status_message,
        "jobs": jobs,
        "status_url": reverse("media_pipeline:video_status", args=[video.pk]),
    }
    mp4 = video.output_name("transcode", "mp4")
    if mp4 and may_view_video(user, video):
        data["preview_url"] = private_url(mp4, user)
        poster = video.output_name("transcode", "poster")
        data["poster_url"] = private_url(poster, user) if poster else None
    return data


def refusal_status_json(refusal: Refusal) -> dict:
    """Return a refused video's status, shaped like :func:`video_status_json`."""
    return {
        "id": refusal.video_id,
        "title": refusal.title,
        "status": VideoStatus.REJECTED.value,
        "status_label": VideoStatus.REJECTED.label,
        "message": refusal.reason,
        "jobs": [],
        "status_url": reverse("media_pipeline:video_status", args=[refusal.video_id]),
    }


def _refused_video_status(user, video_id: int) -> dict:
    refusal = refusal_for(video_id)
    if refusal is None or not _may_view_uploads_of(user, refusal.uploaded_by_id):
        raise Http404
    return refusal_status_json(refusal)


@_guarded
def video_status(request, video_id):
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        data = _refused_video_status(request.user, video_id)
    elif may_view_video(request.user, video):
        data = video_status_json(video, request.user)
    else:
        raise Http404
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@_guarded
def video_subtitles(request, video_id):
    video = get_object_or_404(Video, pk=video_id)
    if not may_view_video(request.user, video):
        raise Http404
    upload = request.FILES.get("subtitles")
    if upload is None:
        return _error("请选择字幕文件。")
    try:
        uploads.attach_subtitles(video, upload.read((2 << 20) + 1))
    except uploads.UploadError as exc:
        return _error(str(exc), exc.status)
    return JsonResponse(video_status_json(video, request.user))


@require_POST
def job_cancel(request, job_id):
    if not (request.user.is_authenticated and _may_manage(request.user)):
        return HttpResponseForbidden("没有权限。")
    job = get_object_or_404(MediaJob, pk=job_id)
    cancel_job(job)
    return JsonResponse({"id": job.pk, "state": MediaJob.objects.get(pk=job.pk).state})


def private_url(name: str, user) -> str:
    """Return a short-lived URL for a private file, bound to ``user``."""
    storage = private_storage()
    if is_s3(storage):
        return storage.url(name)
    token = signing.dumps({"n": name, "u": user.pk}, salt=SIGNING_SALT, compress=True)
    return reverse("media_pipeline:private_file", args=[token])


def private_file(request, token):
    """Serve a private file to the user the signed token was issued to."""
    try:
        data = signing.loads(
            token, salt=SIGNING_SALT, max_age=settings.PUFA_MEDIA_SIGNED_URL_SECONDS
        )
    except signing.SignatureExpired:
        return HttpResponseForbidden("链接已过期。")
    except signing.BadSignature:
        raise Http404 from None
    if not request.user.is_authenticated or request.user.pk != data.get("u"):
        return HttpResponseForbidden("没有权限。")
    storage = private_storage()
    name = data["n"]
    if not storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="{os.path.basename(name)}"'
    return response
