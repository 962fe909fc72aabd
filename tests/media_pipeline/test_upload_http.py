"""The resumable upload protocol and private file access, over HTTP."""

import json

import pytest
from django.test import Client

from media_pipeline.models import JobKind, MediaJob, Upload, Video, VideoStatus

from .conftest import drain, stored_files

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _create(client, size, filename="phone.mp4"):
    return client.post(
        "/pipeline/uploads/",
        json.dumps({"filename": filename, "size": size, "title": "居住权"}),
        content_type="application/json",
    )


def _put(client, url, offset, data):
    return client.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
    )


def test_chunked_upload_resumes_from_the_server_offset(uploader, clips, settings):
    settings.PUFA_MEDIA_UPLOAD_CHUNK_BYTES = 64 * 1024
    data = clips["noaudio"].read_bytes()
    client = _client(uploader)

    created = _create(client, len(data)).json()
    url = created["url"]
    assert created["offset"] == 0 and created["mode"] == "local"
    first = _put(client, url, 0, data[:65536])
    assert first.status_code == 204 and first["Upload-Offset"] == "65536"

    # A reload: the page has only the upload id and asks where to go on.
    resumed = _client(uploader).head(url)
    assert resumed["Upload-Offset"] == "65536"
    stale = _put(client, url, 0, data[:65536])
    assert stale.status_code == 409 and stale["Upload-Offset"] == "65536"
    offset = 65536
    while offset < len(data):
        response = _put(client, url, offset, data[offset : offset + 65536])
        assert response.status_code == 204
        offset = int(response["Upload-Offset"])

    done = client.post(created["complete_url"]).json()
    assert done["status"] == VideoStatus.PROBING
    drain({JobKind.PROBE, JobKind.TRANSCODE})
    status = client.get(created["status_url"]).json()
    assert status["status"] == VideoStatus.READY
    assert status["title"] == "居住权"
    assert [job["state"] for job in status["jobs"] if job["kind"] == "transcode"] == [
        "succeeded"
    ]
    assert not Upload.objects.exists()


def test_a_chunk_of_the_default_size_is_accepted(uploader, settings):
    # The widget sends chunks of PUFA_MEDIA_UPLOAD_CHUNK_BYTES (8 MiB), far
    # above Django's 2.5 MB limit for request bodies held in memory.
    size = settings.PUFA_MEDIA_UPLOAD_CHUNK_BYTES
    assert size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client = _client(uploader)
    created = _create(client, size + 10).json()
    assert created["chunk_size"] == size

    response = _put(client, created["url"], 0, b"\0" * size)

    assert response.status_code == 204 and response["Upload-Offset"] == str(size)
    assert Upload.objects.get().offset == size
    too_big = _put(client, created["url"], size, b"\0" * (size + 1))
    assert too_big.status_code == 413 and "分片过大" in too_big.json()["error"]
    assert Upload.objects.get().offset == size


def test_upload_over_the_size_cap_is_refused_before_any_byte(uploader, settings):
    settings.PUFA_MAX_UPLOAD_BYTES = 1000

    response = _create(_client(uploader), 1001)

    assert response.status_code == 413
    assert "文件太大" in response.json()["error"]
    assert not Video.objects.exists()


def test_chunk_past_declared_size_is_refused(uploader):
    client = _client(uploader)
    created = _create(client, 10).json()

    response = _put(client, created["url"], 0, b"x" * 11)

    assert response.status_code == 413
    assert Upload.objects.get().offset == 0


def test_incomplete_upload_cannot_be_completed(uploader):
    client = _client(uploader)
    created = _create(client, 10).json()
    _put(client, created["url"], 0, b"x" * 5)

    response = client.post(created["complete_url"])

    assert response.status_code == 409
    assert response.json()["offset"] == 5


def test_text_upload_is_rejected_at_completion_with_nothing_left(
    uploader, editor, make_user, settings
):
    client = _client(uploader)
    body = "我是一段文字，不是视频。".encode() * 10
    created = _create(client, len(body), "trick.mp4").json()
    _put(client, created["url"], 0, body)

    done = client.post(created["complete_url"]).json()

    assert done["status"] == VideoStatus.REJECTED
    assert done["id"] == created["video_id"] and done["title"] == "居住权"
    assert "文本文件" in done["message"]
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == []
    assert not Video.objects.exists() and not Upload.objects.exists()
    assert not MediaJob.objects.exists()
    # The page polls the status after a reload: the reason is still there.
    for user in (uploader, editor):
        status = _client(user).get(created["status_url"])
        assert status.status_code == 200 and status["Cache-Control"] == "no-store"
        assert {k: status.json()[k] for k in ("status", "message", "jobs")} == {
            "status": "rejected",
            "message": done["message"],
            "jobs": [],
        }
    other = _client(make_user(groups=["自媒体创作者"]))
    assert other.get(created["status_url"]).status_code == 404


def test_upload_refused_by_the_probe_reports_the_reason_to_the_poller(
    uploader, clips, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = clips["truncated"].read_bytes()
    client = _client(uploader)
    created = _create(client, len(data), "broken.mp4").json()
    _put(client, created["url"], 0, data)
    assert client.post(created["complete_url"]).json()["status"] == "probing"

    drain()

    status = client.get(created["status_url"]).json()
    assert status["status"] == "rejected" and "文件不完整" in status["message"]
    assert status["status_label"] == "已拒绝" and status["title"] == "居住权"
    assert not Video.objects.exists() and not MediaJob.objects.exists()
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == []
    srt = SimpleUploadedFile("subs.srt", clips["subs"].read_bytes())
    late = client.post(
        f"/pipeline/videos/{created['video_id']}/subtitles", {"subtitles": srt}
    )
    assert late.status_code == 404


def test_upload_needs_login_and_permission(make_user):
    anonymous = Client().post(
        "/pipeline/uploads/", "{}", content_type="application/json"
    )
    assert anonymous.status_code == 401
    outsider = _create(_client(make_user()), 10)
    assert outsider.status_code == 403


def test_creators_see_only_their_own_uploads_and_videos(make_user, uploader):
    other = make_user(groups=["自媒体创作者"])
    created = _create(_client(uploader), 10).json()

    assert _client(other).head(created["url"]).status_code == 404
    assert _client(other).get(created["status_url"]).status_code == 404
    assert _client(uploader).get(created["status_url"]).status_code == 200


def test_abandoned_upload_can_be_deleted_with_its_bytes(uploader, settings):
    client = _client(uploader)
    created = _create(client, 10).json()
    _put(client, created["url"], 0, b"x" * 5)

    assert client.delete(created["url"]).status_code == 204
    assert not Video.objects.exists()
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == []


def test_unapproved_video_is_reachable_only_by_its_owner_through_expiring_urls(
    ingest, clips, uploader, make_user, settings
):
    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    owner = _client(uploader)
    status = owner.get(f"/pipeline/videos/{video.pk}/status").json()
    preview = status["preview_url"]

    assert owner.get(preview).status_code == 200
    assert Client().get(preview).status_code == 403
    assert _client(make_user(groups=["自媒体创作者"])).get(preview).status_code == 403
    assert video.public_mp4_url is None and video.poster_url is None
    private_name = video.output_name("transcode", "mp4")
    assert Client().get(f"/media/{private_name}").status_code == 404
    assert stored_files(settings.PUBLIC_MEDIA_ROOT) == []

    settings.PUFA_MEDIA_SIGNED_URL_SECONDS = -1
    assert owner.get(preview).status_code == 403


def _public_file(url: str):
    """Return the public storage file a public URL names (or None)."""
    from django.conf import settings

    from media_pipeline.storage import public_storage

    assert url.startswith(settings.MEDIA_URL)
    name = url[len(settings.MEDIA_URL) :]
    storage = public_storage()
    return storage.path(name) if storage.exists(name) else None


def test_promoted_video_is_public_and_withdrawal_removes_it(ingest, clips):
    from media_pipeline.publishing import promote_video, withdraw_video

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})

    promote_video(video)
    mp4, hls, poster = video.public_mp4_url, video.public_hls_url, video.poster_url
    assert _public_file(mp4) and _public_file(poster)
    with open(_public_file(hls), "rb") as handle:
        assert handle.read().startswith(b"#EXTM3U")
    assert len(video.public_mp4_renditions()) == 2  # 320×480: no 360 rung
    # The original never leaves private storage.
    assert not _public_file("/media/" + video.original.name)

    urls = withdraw_video(video)
    assert mp4 in urls
    assert _public_file(mp4) is None
    assert video.public_mp4_url is None


def test_subtitles_added_later_remake_the_sidecar_and_screen_masters(
    ingest, clips, uploader
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    client = _client(uploader)
    srt = SimpleUploadedFile("subs.srt", clips["subs"].read_bytes())

    response = client.post(f"/pipeline/videos/{video.pk}/subtitles", {"subtitles": srt})

    assert response.status_code == 200
    assert {job["kind"] for job in response.json()["jobs"]} >= {"subtitles", "screens"}
    drain()
    video.refresh_from_db()
    assert video.status == VideoStatus.READY
    assert video.outputs["screens"]["subtitles_burned"] is True
    assert "vtt" in video.outputs["subtitles"]["files"]


def test_subtitles_that_are_not_srt_or_webvtt_are_refused(ingest, clips, uploader):
    from django.core.files.uploadedfile import SimpleUploadedFile

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    junk = SimpleUploadedFile("subs.srt", b"\x00\x01\x02 not subtitles")

    response = _client(uploader).post(
        f"/pipeline/videos/{video.pk}/subtitles", {"subtitles": junk}
    )

    assert response.status_code == 400
    assert "字幕" in response.json()["error"]
    video.refresh_from_db()
    assert not video.subtitles


def test_admin_upload_page_shows_the_widget_and_an_empty_state(make_user):
    from django.contrib.auth.models import Permission

    editor = make_user(groups=["编辑"])
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    response = _client(editor).get("/admin/media-pipeline/upload/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="pufa-upload"' in html and "还没有视频" in html
    assert "/static/media_pipeline/upload.js" in html


def test_admin_upload_page_is_refused_without_upload_permission(make_user):
    from django.contrib.auth.models import Permission

    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))

    assert _client(viewer).get("/admin/media-pipeline/upload/").status_code in (
        302,
        403,
    )
