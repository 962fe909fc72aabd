"""Public endpoints of the screens channel: playlists, media, player, heartbeats.

Playlists are conditional-GET friendly: ``ETag`` is the playlist version (and
orientation), ``Last-Modified`` the compile time; HEAD answers with the same
headers, ``Content-Length`` included, as GET.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from media_pipeline.storage import public_storage

from .compiler import compile_group
from .media import MEDIA_PREFIX
from .models import (
    PlaylistSnapshot,
    PlayReport,
    RemovalWait,
    ScreenDevice,
    ScreenGroup,
    parse_version,
)
from .playlist import confirm_removal
from .smil import render_smil

logger = logging.getLogger("pufa.screens")

SNAPSHOT_CACHE_SECONDS = 5
MAX_PLAYS_PER_HEARTBEAT = 500


def _latest(slug):
    """Return (version, created_at, snapshot id, orientation) of a group's playlist.

    Only these small values are cached, so a poll answered with 304 never
    loads or renders the playlist itself.
    """
    key = f"pufa:screens:snapshot:{slug}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    group = ScreenGroup.objects.filter(slug=slug).first()
    if group is None:
        raise Http404("没有这个屏幕组。")
    snapshot = group.latest_snapshot() or compile_group(group)
    value = (snapshot.version, snapshot.created_at, snapshot.pk, group.orientation)
    cache.set(key, value, SNAPSHOT_CACHE_SECONDS)
    return value


def _manifest(snapshot_id):
    return PlaylistSnapshot.objects.values_list("manifest", flat=True).get(
        pk=snapshot_id
    )


def _not_modified(request, etag, modified):
    match = request.headers.get("If-None-Match")
    if match:
        return etag in [tag.strip() for tag in match.split(",")]
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    return since is not None and since >= int(modified.timestamp())


def _base_url(request) -> str:
    return getattr(settings, "PUFA_SCREENS_BASE_URL", "") or request.build_absolute_uri(
        "/"
    )


def _headers(response, etag, modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(int(modified.timestamp()))
    response["Cache-Control"] = "no-cache"
    return response


def _conditional(request, etag, modified, content_type, make_body):
    etag = quote_etag(etag)
    if _not_modified(request, etag, modified):
        return _headers(HttpResponseNotModified(), etag, modified)
    body = make_body()
    response = HttpResponse(body, content_type=content_type)
    response["Content-Length"] = str(len(body))
    return _headers(response, etag, modified)


@require_http_methods(["GET", "HEAD"])
def playlist_smil(request, group):
    version, created_at, snapshot_id, default_orientation = _latest(group)
    orientation = request.GET.get("orientation", "")
    if orientation not in ("landscape", "portrait"):
        orientation = default_orientation
    base = _base_url(request)

    def body():
        key = (
            "pufa:screens:smil:"
            + hashlib.sha256(
                f"{group}|{version}|{orientation}|{base}".encode()
            ).hexdigest()
        )
        rendered = cache.get(key)
        if rendered is None:
            rendered = render_smil(_manifest(snapshot_id), version, orientation, base)
            cache.set(key, rendered, 3600)
        return rendered

    return _conditional(
        request, f"{version}-{orientation}", created_at, "application/smil+xml", body
    )


@require_http_methods(["GET", "HEAD"])
def playlist_manifest(request, group):
    version, created_at, snapshot_id, _ = _latest(group)

    def body():
        key = f"pufa:screens:manifest:{group}:{version}"
        rendered = cache.get(key)
        if rendered is None:
            document = {
                "version": version,
                "generated_at": created_at.isoformat(),
                **_manifest(snapshot_id),
            }
            rendered = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
            cache.set(key, rendered, 3600)
        return rendered

    return _conditional(request, version, created_at, "application/json", body)


@require_http_methods(["GET", "HEAD"])
def media_file(request, name):
    """Serve a content-hashed media file; its URL never changes meaning."""
    storage = public_storage()
    path = MEDIA_PREFIX + name
    if "/" in name or not storage.exists(path):
        raise Http404("媒体文件不存在。")
    try:
        local_path = storage.path(path)
    except NotImplementedError:
        return HttpResponseRedirect(storage.url(path))
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(open(local_path, "rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["ETag"] = quote_etag(name.split(".", 1)[0])
    return response


@require_GET
def player(request):
    device = ScreenDevice.for_token(request.GET.get("device", ""))
    if device is None or device.group is None:
        return render(
            request,
            "screens/player_unauthorised.html",
            status=403,
        )
    config = {
        "device": device.pk,
        "name": device.name,
        "group": device.group.slug,
        "orientation": device.orientation,
        "token": request.GET["device"],
        "manifest": f"/screens/{device.group.slug}/manifest.json",
        "heartbeat": f"/screens/devices/{device.pk}/heartbeat",
        "heartbeatSeconds": device.group.heartbeat_seconds,
        "pollSeconds": device.group.poll_seconds,
    }
    response = render(
        request, "screens/player.html", {"config": config, "device": device}
    )
    response["Cache-Control"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def service_worker(request):
    from django.contrib.staticfiles import finders

    path = finders.find("screens/player-sw.js")
    with open(path, "rb") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="text/javascript")
    # The worker controls the whole /screens/ scope, so it is served from there.
    response["Service-Worker-Allowed"] = "/screens/"
    response["Cache-Control"] = "no-cache"
    return response


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


@csrf_exempt
@require_POST
def heartbeat(request, device_id):
    device = ScreenDevice.for_token(_bearer(request))
    if device is None or device.pk != device_id:
        return JsonResponse({"error": "设备令牌无效或设备已停用。"}, status=403)
    try:
        payload = json.loads(request.body or b"{}")
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return JsonResponse({"error": "心跳内容不是有效的 JSON 对象。"}, status=400)

    now = timezone.now()
    version = str(payload.get("playlist_version") or "")[:64]
    seq = parse_version(version)
    device.last_seen_at = now
    device.current_item = str(payload.get("current_item") or "")[:255]
    if version:
        device.reported_version = version
        device.reported_seq = max(device.reported_seq, seq)
    device.save(
        update_fields=[
            "last_seen_at",
            "current_item",
            "reported_version",
            "reported_seq",
        ]
    )
    accepted = _record_plays(device, payload.get("plays"))
    for wait in RemovalWait.objects.filter(
        group_id=device.group_id,
        confirmed_at__isnull=True,
        seq__lte=device.reported_seq,
    ).select_related("group"):
        confirm_removal(wait, now)

    latest = device.group.latest_snapshot() if device.group else None
    return JsonResponse(
        {
            "ok": True,
            "accepted_plays": accepted,
            "playlist_version": latest.version if latest else "",
        }
    )


def _record_plays(device, plays) -> list[str]:
    if not isinstance(plays, list):
        return []
    accepted = []
    for play in plays[:MAX_PLAYS_PER_HEARTBEAT]:
        if not isinstance(play, dict):
            continue
        play_id = str(play.get("id") or "")[:64]
        started = parse_datetime(str(play.get("started_at") or ""))
        if not play_id or started is None:
            continue
        try:
            with transaction.atomic():
                PlayReport.objects.create(
                    device=device,
                    play_id=play_id,
                    item_key=str(play.get("key") or "")[:64],
                    title=str(play.get("title") or "")[:255],
                    started_at=started,
                    duration_seconds=float(play.get("duration") or 0),
                    playlist_version=str(play.get("playlist_version") or "")[:64],
                )
        except IntegrityError:
            pass  # Already received: the player resends until acknowledged.
        except (TypeError, ValueError):
            continue
        accepted.append(play_id)
    return accepted


@csrf_exempt
@require_POST
def register(request):
    """A new player announces itself; an operator approves it in the admin."""
    try:
        payload = json.loads(request.body or b"{}")
        key = str(payload.get("hardware_key") or "").strip()
    except (ValueError, AttributeError):
        return JsonResponse({"error": "注册内容不是有效的 JSON。"}, status=400)
    if not key or len(key) > 128:
        return JsonResponse({"error": "缺少硬件标识（hardware_key）。"}, status=400)
    orientation = payload.get("orientation")
    if orientation not in ("landscape", "portrait"):
        orientation = "landscape"
    device, created = ScreenDevice.objects.get_or_create(
        hardware_key=key,
        defaults={
            "name": str(payload.get("name") or key)[:128],
            "orientation": orientation,
            "width": _positive(payload.get("width"), 1920),
            "height": _positive(payload.get("height"), 1080),
            "location": str(payload.get("location") or "")[:255],
        },
    )
    if created:
        logger.info("screen device registered device=%s", device.pk)
    status = device.get_status_display()
    return JsonResponse(
        {
            "device": device.pk,
            "status": device.status,
            "message": f"设备状态：{status}",
        },
        status=201 if created else 200,
    )


def _positive(value, default):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 < number <= 16384 else default
