"""The hash-chained audit log: appends, tamper detection, command, admin view."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cms.signals import audit_event
from moderation.audit import record, verify_chain
from moderation.models import AuditEntry

pytestmark = pytest.mark.django_db


def make_entries(user, count=5):
    return [
        record("test.decision", actor=user, data={"n": n, "note": f"第{n}条"})
        for n in range(count)
    ]


def run_verify():
    out = io.StringIO()
    call_command("pufa_audit", "verify", stdout=out)
    return out.getvalue()


def test_entries_chain_to_each_other(make_user):
    entries = make_entries(make_user())
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.entry_hash
    assert verify_chain().intact
    assert run_verify().startswith("intact")


def test_editing_a_row_in_the_database_is_detected(make_user):
    entries = make_entries(make_user())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET action = %s WHERE seq = %s",
            ["test.forged", entries[2].seq],
        )
    status = verify_chain()
    assert not status.intact and status.broken_seq == entries[2].seq
    with pytest.raises(CommandError) as error:
        run_verify()
    assert f"entry {entries[2].seq}" in str(error.value)
    assert error.value.returncode == 1


def test_rehashing_an_edited_row_still_breaks_the_next_link(make_user):
    from moderation.audit import _entry_hash

    entries = make_entries(make_user())
    forged = AuditEntry.objects.get(seq=entries[1].seq)
    forged.data = {"n": 99}
    forged.entry_hash = _entry_hash(forged, forged.prev_hash)
    AuditEntry.objects.filter(pk=forged.pk).update(
        data=forged.data, entry_hash=forged.entry_hash
    )
    status = verify_chain()
    assert not status.intact and status.broken_seq == entries[2].seq


def test_deleting_a_row_in_the_database_is_detected(make_user):
    entries = make_entries(make_user())
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = %s", [entries[3].seq]
        )
    status = verify_chain()
    assert not status.intact and status.broken_seq == entries[3].seq


def test_deleting_the_newest_row_is_detected(make_user):
    entries = make_entries(make_user())
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = %s", [entries[-1].seq]
        )
    assert not verify_chain().intact


def test_other_apps_record_through_the_signal(make_user):
    user = make_user()
    audit_event.send(
        sender=None,
        action="delivery.delivered",
        actor=user,
        obj=user,
        data={"to": "web"},
    )
    entry = AuditEntry.objects.get(action="delivery.delivered")
    assert entry.actor_id == user.pk and entry.data == {"to": "web"}


def test_admin_view_shows_status_and_exports_csv(client, make_user):
    final = make_user("zs", groups=["终审"])
    entries = make_entries(final, 3)
    client.force_login(final)
    page = client.get("/admin/moderation/audit/").content.decode()
    assert "哈希链完整" in page
    export = b"".join(
        client.get("/admin/moderation/audit/export.csv").streaming_content
    )
    rows = list(csv.reader(io.StringIO(export.decode("utf-8-sig"))))
    assert rows[0][0] == "seq"
    assert [r[10] for r in rows[1:]][-1] == entries[-1].entry_hash

    AuditEntry.objects.filter(seq=entries[0].seq).update(actor_label="someone-else")
    page = client.get("/admin/moderation/audit/").content.decode()
    assert f"第 {entries[0].seq} 条" in page and "已断裂" in page


def test_audit_view_is_not_for_creators(client, make_user):
    client.force_login(make_user(groups=["自媒体创作者"]))
    assert client.get("/admin/moderation/audit/").status_code in (302, 403)
    assert client.get("/admin/moderation/audit/export.csv").status_code in (302, 403)
