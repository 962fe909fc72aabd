"""Uploads nobody touched for PUFA_UPLOAD_EXPIRY_HOURS are aborted by the reaper."""

import json
import os
import time
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from media_pipeline import jobs
from media_pipeline.models import Upload, Video

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _started(client, size=10, sent=b"x" * 5) -> dict:
    created = client.post(
        "/pipeline/uploads/",
        json.dumps({"filename": "phone.mp4", "size": size}),
        content_type="application/json",
    ).json()
    client.generic(
        "PATCH",
        created["url"],
        sent,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
    )
    return created


def _age(created: dict, hours: float) -> None:
    Upload.objects.filter(pk=created["id"]).update(
        updated_at=timezone.now() - timedelta(hours=hours)
    )


def test_abandoned_upload_is_aborted_with_its_video_and_part_file(uploader, settings):
    client = _client(uploader)
    abandoned, fresh = _started(client), _started(client)
    _age(abandoned, settings.PUFA_UPLOAD_EXPIRY_HOURS + 1)

    assert jobs.reap()["expired_uploads"] == 1

    assert list(Upload.objects.values_list("pk", flat=True)) == [uuid.UUID(fresh["id"])]
    assert list(Video.objects.values_list("pk", flat=True)) == [fresh["video_id"]]
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == [f"uploads/{fresh['id']}.part"]
    assert client.head(abandoned["url"]).status_code == 404
    assert client.head(fresh["url"])["Upload-Offset"] == "5"


def test_expiry_follows_the_setting(uploader, settings):
    settings.PUFA_UPLOAD_EXPIRY_HOURS = 1
    created = _started(_client(uploader))
    _age(created, 0.5)

    assert jobs.reap()["expired_uploads"] == 0
    later = timezone.now() + timedelta(hours=1)
    assert jobs.reap(now=later)["expired_uploads"] == 1
    assert not Upload.objects.exists() and not Video.objects.exists()


def test_a_chunk_keeps_an_old_upload_alive(uploader, settings):
    client = _client(uploader)
    created = _started(client)
    _age(created, settings.PUFA_UPLOAD_EXPIRY_HOURS + 1)

    client.generic(
        "PATCH",
        created["url"],
        b"y" * 5,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="5",
    )

    assert jobs.reap()["expired_uploads"] == 0
    assert Upload.objects.get().offset == 10


def test_old_part_file_without_an_upload_is_removed(uploader, settings):
    owned = _started(_client(uploader))
    folder = settings.PRIVATE_MEDIA_ROOT / "uploads"
    old, recent = folder / f"{uuid.uuid4()}.part", folder / f"{uuid.uuid4()}.part"
    old.write_bytes(b"left behind")
    recent.write_bytes(b"just written")
    long_ago = time.time() - (settings.PUFA_UPLOAD_EXPIRY_HOURS + 1) * 3600
    for path in (old, folder / f"{owned['id']}.part"):
        os.utime(path, (long_ago, long_ago))

    assert jobs.reap()["expired_uploads"] == 1

    assert not old.exists()
    assert recent.exists()
    # Its upload was touched lately, whatever the file's own time says.
    assert (folder / f"{owned['id']}.part").exists()
