"""The S3 path against an S3 endpoint on loopback (moto in server mode)."""

import json
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest
import requests
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone

from media_pipeline import jobs
from media_pipeline.models import JobKind, Upload, Video, VideoStatus

from .conftest import drain

pytestmark = pytest.mark.django_db

BUCKET = "pufa-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint):
    common = {
        "bucket_name": BUCKET,
        "endpoint_url": s3_endpoint,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        "file_overwrite": False,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "public", "querystring_auth": False},
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "location": "private",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
            },
        },
    }
    storages._storages = {}
    storages._backends = None
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    # Production makes the public prefix readable with a bucket policy (or a
    # CDN origin access); the private prefix is never opened.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    storages._storages = {}
    storages._backends = None


def _keys(client, prefix):
    response = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for item in response.get("Contents", [])]


def test_browser_uploads_straight_to_the_bucket_and_outputs_stay_private(
    s3, uploader, clips
):
    data = clips["noaudio"].read_bytes()
    client = Client()
    client.force_login(uploader)

    created = client.post(
        "/pipeline/uploads/",
        json.dumps({"filename": "phone.mp4", "size": len(data)}),
        content_type="application/json",
    ).json()
    assert created["mode"] == "s3" and created["parts"] == []
    part = client.post(
        created["parts_url"], json.dumps({"number": 1}), content_type="application/json"
    ).json()
    assert urlsplit(part["url"]).netloc == urlsplit(s3.meta.endpoint_url).netloc
    assert requests.put(part["url"], data=data, timeout=30).status_code == 200

    resumed = client.get(created["url"]).json()
    assert resumed["offset"] == len(data) and resumed["parts"][0]["number"] == 1
    assert client.post(created["complete_url"]).json()["status"] == "probing"
    drain({JobKind.PROBE, JobKind.TRANSCODE})

    status = client.get(created["status_url"]).json()
    assert status["status"] == VideoStatus.READY, status
    assert any(k.startswith("private/originals/") for k in _keys(s3, "private/"))
    assert any(k.endswith("master.m3u8") for k in _keys(s3, "private/media/"))
    assert _keys(s3, "public/") == []

    signed = status["preview_url"]
    assert "Signature" in signed
    assert requests.get(signed, timeout=30).status_code == 200
    unsigned = urlunsplit(urlsplit(signed)._replace(query=""))
    assert requests.get(unsigned, timeout=30).status_code == 403


def test_promotion_copies_outputs_to_the_public_prefix(s3, ingest, clips):
    from media_pipeline.publishing import promote_video, withdraw_video

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})

    promote_video(video)
    public = _keys(s3, "public/media/")
    assert any(k.endswith(".mp4") for k in public)
    assert requests.get(video.public_mp4_url, timeout=30).status_code == 200
    assert not any("originals" in key for key in _keys(s3, "public/"))

    withdraw_video(video)
    assert _keys(s3, "public/") == []


def test_abandoned_multipart_upload_is_aborted_by_the_reaper(s3, uploader, settings):
    client = Client()
    client.force_login(uploader)
    created = client.post(
        "/pipeline/uploads/",
        json.dumps({"filename": "phone.mp4", "size": 12 << 20}),
        content_type="application/json",
    ).json()
    part = client.post(
        created["parts_url"], json.dumps({"number": 1}), content_type="application/json"
    ).json()
    assert requests.put(part["url"], data=b"x" * (5 << 20), timeout=30).ok
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")
    Upload.objects.update(
        updated_at=timezone.now()
        - timedelta(hours=settings.PUFA_UPLOAD_EXPIRY_HOURS + 1)
    )

    assert jobs.reap()["expired_uploads"] == 1

    assert not s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")
    assert not Upload.objects.exists() and not Video.objects.exists()
    assert _keys(s3, "private/") == []


def test_asking_for_a_part_url_keeps_an_old_upload_alive(s3, uploader, settings):
    client = Client()
    client.force_login(uploader)
    created = client.post(
        "/pipeline/uploads/",
        json.dumps({"filename": "phone.mp4", "size": 100}),
        content_type="application/json",
    ).json()
    Upload.objects.update(
        updated_at=timezone.now()
        - timedelta(hours=settings.PUFA_UPLOAD_EXPIRY_HOURS + 1)
    )

    client.post(
        created["parts_url"], json.dumps({"number": 1}), content_type="application/json"
    )

    assert jobs.reap()["expired_uploads"] == 0
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")
    client.delete(created["url"])
    assert not s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")
