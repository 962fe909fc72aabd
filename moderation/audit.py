"""The tamper-evident audit log: an append-only, hash-chained list of decisions.

Each entry's hash covers its own fields and the hash of the entry before it,
so editing or deleting any row breaks the chain from that row on. Appends are
serialised by locking the single :class:`AuditChainHead` row, which also keeps
the last sequence number and hash (deleting the newest rows is caught too).

Other apps never import this module: they send ``cms.signals.audit_event``
and :func:`on_audit_event` records it. Moderation code calls :func:`record`.
"""

import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("pufa.moderation")

GENESIS = "0" * 64


def _plain(data):
    """Return ``data`` as it will read back from a JSON column."""
    return json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))


def compute_hash(
    prev_hash,
    *,
    seq,
    created_at,
    action,
    actor_id,
    actor_label,
    object_type,
    object_id,
    object_label,
    data,
):
    payload = json.dumps(
        [
            prev_hash,
            seq,
            created_at.isoformat(timespec="microseconds"),
            action,
            actor_id,
            actor_label,
            object_type,
            object_id,
            object_label,
            data,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _entry_hash(entry, prev_hash):
    return compute_hash(
        prev_hash,
        seq=entry.seq,
        created_at=entry.created_at,
        action=entry.action,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        object_type=entry.object_type,
        object_id=entry.object_id,
        object_label=entry.object_label,
        data=entry.data,
    )


def _describe(obj):
    if obj is None:
        return "", "", ""
    meta = obj._meta
    label = str(getattr(obj, "title", "") or obj)[:255]
    return f"{meta.app_label}.{meta.model_name}", str(obj.pk), label


def record(action, *, actor=None, obj=None, data=None):
    """Append one decision to the audit log and return the new entry."""
    from .models import AuditChainHead, AuditEntry

    object_type, object_id, object_label = _describe(obj)
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_label = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_label = actor.get_username()
    created_at = timezone.now()
    plain = _plain(data)
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            created_at=created_at,
            action=action,
            actor_id=actor_id,
            actor_label=actor_label,
            object_type=object_type,
            object_id=object_id,
            object_label=object_label,
            data=plain,
            prev_hash=head.entry_hash,
        )
        entry.entry_hash = _entry_hash(entry, head.entry_hash)
        entry.save()
        head.seq = entry.seq
        head.entry_hash = entry.entry_hash
        head.save(update_fields=["seq", "entry_hash"])
    logger.info("audit recorded action=%s seq=%s", action, entry.seq)
    return entry


@dataclass(frozen=True)
class ChainStatus:
    intact: bool
    checked: int
    broken_seq: int | None = None
    problem: str = ""

    def describe(self):
        if self.intact:
            return f"intact ({self.checked} entries)"
        return f"broken at entry {self.broken_seq}: {self.problem}"


def verify_chain():
    """Walk the chain from the start and return its :class:`ChainStatus`."""
    from .models import AuditChainHead, AuditEntry

    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainStatus(False, checked, expected_seq, "entry missing (deleted)")
        if entry.prev_hash != prev_hash:
            return ChainStatus(
                False, checked, entry.seq, "previous hash does not match"
            )
        if _entry_hash(entry, prev_hash) != entry.entry_hash:
            return ChainStatus(False, checked, entry.seq, "content was changed")
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.entry_hash != prev_hash):
        return ChainStatus(
            False, checked, checked + 1, "newest entries missing (deleted)"
        )
    return ChainStatus(True, checked)


def on_audit_event(sender, action, actor=None, obj=None, data=None, **kwargs):
    """Record an ``audit_event`` sent by another app.

    A failure propagates: a decision must not be made without its record.
    """
    record(action, actor=actor, obj=obj, data=data)
