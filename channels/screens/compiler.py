"""The playlist compiler: from booked entries to one snapshot per screen group.

A compiled playlist is a manifest (JSON) that both the SMIL writer and the
browser player read. It holds:

- ``loop``: what plays in order, repeated; entries with a share of voice
  appear several times, spread evenly; fillers pad a short loop up to the
  group's minimum; the lowest priorities are dropped past the maximum;
- ``emergency``: notices that interrupt the loop while they are in flight.

Flight windows and dayparts stay in the manifest as times, not as a filter of
"now", so a player keeps honouring them while it is offline. A daypart carries
its ``weekdays`` (ISO, Monday=1 … Sunday=7); a band that crosses midnight
belongs to the day it starts on. Entries whose flight ended, or starts beyond
the horizon, are left out; the periodic compile takes them in or out as time
passes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PlaylistEntry, PlaylistSnapshot, ScreenGroup

logger = logging.getLogger("pufa.screens")

HORIZON = timedelta(days=7)
MAX_REPEATS = 10


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _entry_payload(entry: PlaylistEntry) -> dict:
    daypart = None
    if entry.daypart_id:
        part = entry.daypart
        daypart = {
            "name": part.name,
            "start": part.start_time.strftime("%H:%M:%S"),
            "end": part.end_time.strftime("%H:%M:%S"),
            "weekdays": sorted(set(part.weekdays)),
        }
    media = entry.media or {}
    return {
        "key": entry.item_key,
        "title": entry.title,
        "caption": entry.caption,
        "kind": media.get("kind", "video"),
        "duration": float(media.get("duration") or 0),
        "media": {o: media[o] for o in ("landscape", "portrait") if o in media},
        "priority": entry.priority,
        "filler": entry.is_filler,
        "flight_start": _iso(entry.flight_start),
        "flight_end": _iso(entry.flight_end),
        "daypart": daypart,
        "anchor": timezone.localtime(entry.created_at).date().isoformat(),
    }


def _repeats(item: dict, others_seconds: float) -> int:
    share = item.get("share_of_voice")
    if not share or item["duration"] <= 0 or others_seconds <= 0:
        return 1
    share = min(max(share, 1), 90)
    wanted = share * others_seconds / ((100 - share) * item["duration"])
    return max(1, min(MAX_REPEATS, round(wanted)))


def _interleave(items: list[dict]) -> list[dict]:
    """Spread repeated items over the loop (smooth weighted round robin)."""
    weights = [item.pop("_repeats") for item in items]
    total = sum(weights)
    current = [0] * len(items)
    plays = [0] * len(items)
    loop = []
    for _ in range(total):
        for index, weight in enumerate(weights):
            current[index] += weight
        pick = max(range(len(items)), key=lambda i: current[i])
        current[pick] -= total
        plays[pick] += 1
        loop.append(dict(items[pick], play=plays[pick]))
    return loop


def build_manifest(group: ScreenGroup, entries, now: datetime) -> dict:
    """Return the manifest of ``group`` from its booked ``entries`` at ``now``."""
    horizon = now + HORIZON
    regular, fillers, emergencies = [], [], []
    for entry in entries:
        if entry.flight_end and entry.flight_end <= now:
            continue
        if entry.flight_start and entry.flight_start > horizon:
            continue
        payload = _entry_payload(entry)
        if payload["duration"] <= 0 or not payload["media"]:
            continue
        if payload["daypart"] and not payload["daypart"]["weekdays"]:
            continue  # A daypart on no day never plays (validation refuses one).
        payload["share_of_voice"] = entry.share_of_voice
        if entry.is_emergency:
            emergencies.append(payload)
        elif entry.is_filler:
            fillers.append(payload)
        else:
            regular.append(payload)
    regular.sort(key=lambda p: (-p["priority"], p["key"]))

    dropped = []
    while (
        len(regular) > 1
        and sum(p["duration"] for p in regular) > group.loop_max_seconds
    ):
        victim = regular.pop()
        dropped.append(
            {
                "key": victim["key"],
                "title": victim["title"],
                "reason": "超出轮播最长时长",
            }
        )

    base = sum(p["duration"] for p in regular)
    for item in regular:
        item["_repeats"] = _repeats(item, base - item["duration"])
    # Repeats may push past the maximum: shrink the biggest shares first.
    while sum(p["duration"] * p["_repeats"] for p in regular) > group.loop_max_seconds:
        worst = max(regular, key=lambda p: p["_repeats"])
        if worst["_repeats"] == 1:
            break
        worst["_repeats"] -= 1
    loop = _interleave(regular)
    for item in loop:
        item.pop("share_of_voice", None)

    length = sum(p["duration"] for p in loop)
    fillers.sort(key=lambda p: p["key"])
    if fillers and (length < group.loop_min_seconds or not loop):
        n = 0
        while n == 0 or (length < group.loop_min_seconds and n < 1000):
            filler = dict(fillers[n % len(fillers)], play=n // len(fillers) + 1)
            filler.pop("share_of_voice", None)
            loop.append(filler)
            length += filler["duration"]
            n += 1
    for item in emergencies:
        item.pop("share_of_voice", None)

    return {
        "group": group.slug,
        "name": group.name,
        "timezone": timezone.localtime(now).strftime("%z"),
        "loop_seconds": round(length, 3),
        "loop_min_seconds": group.loop_min_seconds,
        "loop_max_seconds": group.loop_max_seconds,
        "heartbeat_seconds": group.heartbeat_seconds,
        "poll_seconds": group.poll_seconds,
        "emergency": emergencies,
        "loop": loop,
        "dropped": dropped,
    }


def digest_of(manifest: dict) -> str:
    raw = json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


def compile_group(group: ScreenGroup, now: datetime | None = None) -> PlaylistSnapshot:
    """Compile ``group``; write a new snapshot only when the playlist changed."""
    now = now or timezone.now()
    entries = group.entries.select_related("daypart", "content_type").order_by("id")
    manifest = build_manifest(group, entries, now)
    digest = digest_of(manifest)
    latest = group.latest_snapshot()
    if latest is not None and latest.digest == digest:
        return latest
    seq = (latest.seq if latest else 0) + 1
    try:
        with transaction.atomic():
            snapshot = PlaylistSnapshot.objects.create(
                group=group, seq=seq, digest=digest, manifest=manifest, created_at=now
            )
    except IntegrityError:
        # Another process compiled the same group at the same moment.
        return compile_group(group, now)
    logger.info(
        "playlist compiled group=%s version=%s items=%d loop_seconds=%s",
        group.slug,
        snapshot.version,
        len(manifest["loop"]),
        manifest["loop_seconds"],
    )
    _forget_cached(group.slug)
    return snapshot


def compile_all(now: datetime | None = None) -> int:
    """Scheduler job: compile every group; return how many changed."""
    changed = 0
    for group in ScreenGroup.objects.all():
        before = group.latest_snapshot()
        after = compile_group(group, now)
        changed += int(before is None or after.pk != before.pk)
    return changed


def _forget_cached(slug: str) -> None:
    from django.core.cache import cache

    cache.delete(f"pufa:screens:snapshot:{slug}")
