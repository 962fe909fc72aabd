"""Booking items on screen groups and taking them off, as one operation each.

The screens adapter, the admin and the demo all go through these functions, so
a booking and a removal look the same whoever asks for them.
"""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from .compiler import compile_group
from .media import item_media
from .models import PlaylistEntry, RemovalWait, ScreenGroup

logger = logging.getLogger("pufa.screens")


def _key(item):
    return ContentType.objects.get_for_model(item.__class__), str(item.pk)


def book_item(
    group: ScreenGroup, item, *, revision_id=None, **options
) -> PlaylistEntry:
    """Put the approved ``item`` on ``group``'s playlist (or refresh it) and compile.

    ``options`` may set ``priority``, ``share_of_voice``, ``is_emergency``,
    ``is_filler``, ``daypart`` and the flight window; an ad's own flight window
    is used unless one is given.
    """
    media = item_media(item)
    content_type, object_id = _key(item)
    defaults = {
        "title": item.title[:255],
        "caption": (getattr(item, "screen_caption", "") or "")[:64],
        "media": media,
        "revision_id": revision_id,
        "flight_start": getattr(item, "flight_start", None),
        "flight_end": getattr(item, "flight_end", None),
        **options,
    }
    with transaction.atomic():
        entry, created = PlaylistEntry.objects.update_or_create(
            group=group,
            content_type=content_type,
            object_id=object_id,
            defaults=defaults,
        )
    logger.info(
        "screen entry %s group=%s item=%s",
        "booked" if created else "refreshed",
        group.slug,
        entry.item_key,
    )
    compile_group(group)
    return entry


def remove_item(item, *, delivery_id=None) -> list[RemovalWait]:
    """Take ``item`` off every group's playlist at once; return what to confirm."""
    content_type, object_id = _key(item)
    now = timezone.now()
    waits = []
    with transaction.atomic():
        entries = list(
            PlaylistEntry.objects.select_for_update()
            .filter(content_type=content_type, object_id=object_id)
            .select_related("group")
        )
        groups = {entry.group_id: entry.group for entry in entries}
        PlaylistEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
        for group in groups.values():
            snapshot = compile_group(group, now)
            waits.append(
                RemovalWait.objects.create(
                    group=group,
                    item_key=f"{content_type.model}:{object_id}",
                    title=str(getattr(item, "title", object_id))[:255],
                    seq=snapshot.seq,
                    delivery_id=delivery_id,
                    requested_at=now,
                )
            )
    for wait in waits:
        logger.info(
            "screen entry removed group=%s item=%s until_seq=%s",
            wait.group.slug,
            wait.item_key,
            wait.seq,
        )
    return waits


def unconfirmed_devices(group: ScreenGroup, seq: int):
    """Approved devices of ``group`` that have not reported ``seq`` or later."""
    return group.devices.filter(status="approved", reported_seq__lt=seq)


def confirm_removal(wait: RemovalWait, now=None) -> bool:
    """Mark ``wait`` confirmed when every device runs the new playlist."""
    if wait.confirmed_at is not None:
        return True
    if unconfirmed_devices(wait.group, wait.seq).exists():
        return False
    wait.confirmed_at = now or timezone.now()
    wait.save(update_fields=["confirmed_at"])
    logger.info(
        "screen removal confirmed group=%s item=%s seconds=%.1f",
        wait.group.slug,
        wait.item_key,
        wait.took.total_seconds(),
    )
    return True
