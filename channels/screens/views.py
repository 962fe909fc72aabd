"""Public endpoints of the screens channel: playlists, media, player, heartbeats.

Playlists are conditional-GET friendly: ``ETag`` is the playlist version (and
orientation), ``Last-Modified`` the compile time; HEAD answers with the same
headers, ``Content-Length`` included, as GET.

Pairing: ``/screens/player/`` without a valid token is the pairing page. It
registers a random hardware key together with a random claim secret (256
bits; only its hash is stored), shows the pairing code the server assigns,
and polls ``/screens/devices/claim``. After a 屏幕运维 member has approved
the device by that code, the first claim with the right secret answers the
device token, once; every later claim gets 409. The code only tells the
operator which device to approve: it is never enough to claim anything. A
claim is one indexed lookup and one hash comparison, and guessing a
256-bit secret is hopeless, so claims are not rate-limited.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import time

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
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from media_pipeline.storage import public_storage

from .compiler import compile_group
from .media import MEDIA_PREFIX
from .models import (
    MIN_CLAIM_SECRET_LENGTH,
    DeviceStatus,
    PlaylistSnapshot,
    PlayReport,
    RemovalWait,
    ScreenDevice,
    ScreenGroup,
    free_pairing_code,
    hash_token,
    reported_snapshot,
)
from .playlist import confirm_removal
from .smil import render_smil

logger = logging.getLogger("pufa.screens")

SNAPSHOT_CACHE_SECONDS = 5
MAX_PLAYS_PER_HEARTBEAT = 500
PAIRING_POLL_SECONDS = 3


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
    token = request.GET.get("device", "")
    device = ScreenDevice.for_token(token)
    if device is None or device.group is None:
        return _pairing_page(request, rejected=bool(token))
    config = {
        "device": device.pk,
        "name": device.name,
        "group": device.group.slug,
        "orientation": device.orientation,
        "token": token,
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


def _pairing_page(request, rejected):
    """Render the pairing page; 403 when the URL carried a token that is refused."""
    config = {
        "register": reverse("screens_register"),
        "claim": reverse("screens_claim"),
        "player": reverse("screens_player"),
        "rejected": rejected,
        "pollSeconds": PAIRING_POLL_SECONDS,
    }
    response = render(
        request,
        "screens/pairing.html",
        {"config": config, "rejected": rejected},
        status=403 if rejected else 200,
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
        # The player goes back to its pairing page on this status, and only on it.
        return _error("设备令牌无效或设备已停用。", 403, status="unauthorised")
    payload = _json_object(request)
    if payload is None:
        return _error("心跳内容不是有效的 JSON 对象。", 400)

    now = timezone.now()
    version = str(payload.get("playlist_version") or "")[:64]
    snapshot = reported_snapshot(device.group, version)
    device.last_seen_at = now
    device.current_item = str(payload.get("current_item") or "")[:255]
    if version:
        device.reported_version = version
    if snapshot is not None:
        device.reported_seq = max(device.reported_seq, snapshot.seq)
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


def _json_object(request):
    """Return the request body as a dict, or None when it is not a JSON object."""
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _error(message, http_status, **extra):
    response = JsonResponse({"error": message, **extra}, status=http_status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def register(request):
    """A player announces itself; an operator approves it in the admin.

    With a ``claim_secret`` (the pairing page) the hardware key is bound to
    that secret: a registration with the same key and another secret, or
    none, is refused with 409 and changes nothing.
    """
    payload = _json_object(request)
    if payload is None:
        return _error("注册内容不是有效的 JSON 对象。", 400)
    key = str(payload.get("hardware_key") or "").strip()
    secret = str(payload.get("claim_secret") or "")
    if not key or len(key) > 128:
        return _error("缺少硬件标识（hardware_key）。", 400)
    if secret and not MIN_CLAIM_SECRET_LENGTH <= len(secret) <= 128:
        return _error(
            f"配对密钥（claim_secret）应为 {MIN_CLAIM_SECRET_LENGTH}–128 个字符的随机串。",
            400,
        )

    if not ScreenDevice.objects.filter(hardware_key=key).exists():
        refused = _registration_refused(request)
        if refused is not None:
            return refused
    device, created = _get_or_create_device(key, secret, payload)
    if not created and (device.claim_secret_hash or secret):
        if not device.claim_secret_matches(secret):
            return _error("这个硬件标识已由另一台播放器注册。", 409, status="conflict")
        _update_detected_screen(device, payload)
    if device.status != DeviceStatus.APPROVED and not device.pairing_code:
        device.assign_pairing_code()

    if created:
        logger.info("screen device registered device=%s", device.pk)
    answer = {
        "device": device.pk,
        "status": device.status,
        "message": f"设备状态：{device.get_status_display()}",
    }
    if device.pairing_code:
        answer["pairing_code"] = device.pairing_code
    return JsonResponse(answer, status=201 if created else 200)


# Registration is open to any screen on the network, so it is bounded: new
# devices per client address per hour, and devices waiting for approval.
NEW_DEVICES_PER_ADDRESS_PER_HOUR = 60
MAX_PENDING_DEVICES = 500


def _registration_refused(request):
    """Return a 429 answer when a new registration would exceed the bounds."""
    pending = ScreenDevice.objects.filter(status=DeviceStatus.PENDING).count()
    if pending >= MAX_PENDING_DEVICES:
        logger.warning("screen registration refused pending=%s", pending)
        return _throttled(
            "待审核的设备过多，请屏幕运维先在后台审核或移除已有设备。", 3600
        )
    address = request.META.get("REMOTE_ADDR", "")
    hour = int(time.time() // 3600)
    key = f"screens:register:{address}:{hour}"
    try:
        cache.add(key, 0, 3600)
        count = cache.incr(key)
    except Exception:
        return None  # the cache is down: registration stays possible
    if count > NEW_DEVICES_PER_ADDRESS_PER_HOUR:
        logger.warning("screen registration throttled address=%s", address)
        return _throttled("注册过于频繁，请稍后再试。", 3600 - int(time.time()) % 3600)
    return None


def _throttled(message, retry_after):
    response = _error(message, 429, status="throttled")
    response["Retry-After"] = str(max(1, retry_after))
    return response


def _get_or_create_device(key, secret, payload):
    """Return (device, created); a new device waits for approval with a code."""
    orientation = payload.get("orientation")
    if orientation not in ("landscape", "portrait"):
        orientation = "landscape"
    defaults = {
        "orientation": orientation,
        "width": _positive(payload.get("width"), 1920),
        "height": _positive(payload.get("height"), 1080),
        "location": str(payload.get("location") or "")[:255],
        "claim_secret_hash": hash_token(secret) if secret else "",
    }
    for _ in range(3):
        code = free_pairing_code()
        # A pairing page names nothing; its code names it until an operator does.
        default_name = f"屏幕 {code}" if secret else key
        defaults["name"] = str(payload.get("name") or default_name)[:128]
        try:
            with transaction.atomic():
                return ScreenDevice.objects.get_or_create(
                    hardware_key=key, defaults={**defaults, "pairing_code": code}
                )
        except IntegrityError:
            continue  # Another new device took the same code a moment ago.
    raise RuntimeError("no free pairing code")


def _update_detected_screen(device, payload):
    """Keep what a waiting pairing page detects now: the screen may have turned."""
    if device.status == DeviceStatus.APPROVED:
        return
    orientation = payload.get("orientation")
    if orientation in ("landscape", "portrait"):
        device.orientation = orientation
    device.width = _positive(payload.get("width"), device.width)
    device.height = _positive(payload.get("height"), device.height)
    device.save(update_fields=["orientation", "width", "height"])


@csrf_exempt
@require_POST
def claim(request):
    """Answer a waiting pairing page: its device token once approved, else why not."""
    payload = _json_object(request)
    if payload is None:
        return _error("领取内容不是有效的 JSON 对象。", 400)
    key = str(payload.get("hardware_key") or "").strip()
    secret = str(payload.get("claim_secret") or "")
    if not key or not secret:
        return _error("缺少硬件标识（hardware_key）或配对密钥（claim_secret）。", 400)
    device = (
        ScreenDevice.objects.select_related("group").filter(hardware_key=key).first()
    )
    if device is None:
        return _error("没有这个硬件标识的设备，请重新注册。", 404, status="unknown")
    if not device.claim_secret_matches(secret):
        return _error("配对密钥与注册时不符。", 403, status="refused")
    if device.status == DeviceStatus.PENDING:
        return _claim_answer(device, 202, message="等待屏幕运维审核。")
    if device.status == DeviceStatus.REVOKED:
        return _error(
            "设备已停用，请屏幕运维在后台重新审核。",
            403,
            status=device.status,
            pairing_code=device.pairing_code,
        )

    token = device.claim_token()
    if token is None:
        return _error(
            "播放令牌已经领取过。如这块屏幕没有在播放，请在后台停用本设备后重新审核。",
            409,
            status="claimed",
        )

    logger.info("screen device claimed its token device=%s", device.pk)
    player_url = reverse("screens_player") + "?device=" + token
    return _claim_answer(
        device,
        200,
        token=token,
        player=player_url,
        group=device.group.slug if device.group else "",
    )


def _claim_answer(device, http_status, **extra):
    answer = {"status": device.status, "pairing_code": device.pairing_code, **extra}
    response = JsonResponse(answer, status=http_status)
    response["Cache-Control"] = "no-store"
    return response


def _positive(value, default):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 < number <= 16384 else default
