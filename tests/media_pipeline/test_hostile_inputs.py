"""Every hostile input is refused with a clear reason and leaves nothing behind.

A refused video leaves no Video, MediaJob or Upload row and no stored file;
its uploader still learns why from the status endpoint.
"""

import logging

import pytest
from django.test import Client

from media_pipeline.models import JobKind, JobState, MediaJob, Upload, Video
from media_pipeline.signals import video_status_changed
from media_pipeline.tasks import run_media_job
from media_pipeline.uploads import ingest_file

from .conftest import stored_files

pytestmark = pytest.mark.django_db

HOSTILE = [
    ("text", "文本文件"),
    ("playlist", "HLS 播放列表"),
    ("bomb", "图片"),
    ("corrupt", "文件已损坏"),
    ("truncated", "文件不完整"),
]


def _status(user, video_id):
    client = Client()
    client.force_login(user)
    return client.get(f"/pipeline/videos/{video_id}/status")


def _assert_nothing_left(settings):
    assert not Video.objects.exists()
    assert not MediaJob.objects.exists()
    assert not Upload.objects.exists()
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == []
    assert stored_files(settings.PUBLIC_MEDIA_ROOT) == []


def _assert_refused_with(uploader, video_id, reason):
    response = _status(uploader, video_id)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == video_id and body["status"] == "rejected"
    assert body["status_label"] == "已拒绝"
    assert reason in body["message"]
    assert body["jobs"] == []


@pytest.mark.parametrize(("clip", "reason"), HOSTILE)
def test_hostile_file_is_refused_and_leaves_no_rows_or_files(
    ingest, clips, settings, uploader, clip, reason
):
    video_id = ingest(clips[clip])

    _assert_nothing_left(settings)
    _assert_refused_with(uploader, video_id, reason)


def test_too_long_video_is_refused(ingest, clips, settings, uploader):
    settings.PUFA_MEDIA_MAX_SECONDS = 2

    video_id = ingest(clips["vertical"])

    _assert_nothing_left(settings)
    _assert_refused_with(uploader, video_id, "视频太长")


def test_too_short_video_is_refused(ingest, clips, settings, uploader):
    settings.PUFA_MEDIA_MIN_SECONDS = 5

    video_id = ingest(clips["noaudio"])

    _assert_nothing_left(settings)
    _assert_refused_with(uploader, video_id, "视频太短")


def test_absurd_dimensions_are_refused(ingest, clips, settings, uploader):
    settings.PUFA_MEDIA_MAX_DIMENSION = 300

    video_id = ingest(clips["vertical"])

    _assert_nothing_left(settings)
    _assert_refused_with(uploader, video_id, "画面尺寸过大")


def test_refused_upload_never_reaches_the_probe_job(uploader, clips):
    video = ingest_file(str(clips["playlist"]), uploader)

    assert video.status == "rejected" and "播放列表" in video.status_message
    assert not MediaJob.objects.exists()


def test_refusal_reason_is_shown_to_the_uploader_and_editors_only(
    ingest, clips, uploader, editor, make_user
):
    video_id = ingest(clips["corrupt"])

    assert _status(uploader, video_id).json()["status"] == "rejected"
    assert _status(editor, video_id).json()["status"] == "rejected"
    other = make_user(groups=["自媒体创作者"])
    assert _status(other, video_id).status_code == 404
    assert _status(uploader, video_id + 1000).status_code == 404


def test_refusal_remembers_what_was_uploaded_by_whom_and_when(ingest, clips, uploader):
    from django.utils import timezone

    from media_pipeline.refusals import refusal_for

    before = timezone.now()
    video_id = ingest(clips["corrupt"])

    refusal = refusal_for(video_id)
    assert refusal.video_id == video_id and refusal.uploaded_by_id == uploader.pk
    assert refusal.filename == "corrupt.mp4" and refusal.title == "corrupt"
    assert "文件已损坏" in refusal.reason
    assert before <= refusal.refused_at <= timezone.now()


def test_refusal_is_announced_and_logged_before_the_row_goes(ingest, clips, caplog):
    seen = []

    def listener(sender, video, **kwargs):
        exists = Video.objects.filter(pk=video.pk).exists()
        seen.append((video.pk, video.status, video.status_message, exists))

    video_status_changed.connect(listener)
    try:
        with caplog.at_level(logging.INFO, logger="pufa.media"):
            video_id = ingest(clips["truncated"])
    finally:
        video_status_changed.disconnect(listener)

    [(seen_id, status, message, existed)] = seen
    assert (seen_id, status, existed) == (video_id, "rejected", True)
    assert "文件不完整" in message
    assert f"rejected video video={video_id} reason=" in caplog.text


def test_worker_that_refused_a_file_goes_on_to_the_next_one(uploader, clips):
    hostile = ingest_file(str(clips["corrupt"]), uploader)
    good = ingest_file(str(clips["noaudio"]), uploader)

    states = []
    while job := MediaJob.objects.filter(state=JobState.QUEUED).order_by("id").first():
        if job.kind in (JobKind.PROBE, JobKind.TRANSCODE):
            states.append((job.video_id, job.kind, run_media_job.call(job.pk)))
        else:
            MediaJob.objects.filter(pk=job.pk).update(state=JobState.CANCELLED)

    assert states == [
        (hostile.pk, JobKind.PROBE, JobState.FAILED),
        (good.pk, JobKind.PROBE, JobState.SUCCEEDED),
        (good.pk, JobKind.TRANSCODE, JobState.SUCCEEDED),
    ]
    assert list(Video.objects.values_list("pk", flat=True)) == [good.pk]
    assert not MediaJob.objects.filter(video_id=hostile.pk).exists()


def test_image_bomb_is_refused_as_an_image_upload(clips):
    from media_pipeline.renditions import ImageRejected, validate_image

    with open(clips["bomb"], "rb") as handle, pytest.raises(ImageRejected) as error:
        validate_image(handle)
    assert "像素过多" in str(error.value)


def test_subtitles_arriving_after_a_refusal_leave_no_file(uploader, clips, settings):
    from media_pipeline.uploads import UploadError, attach_subtitles

    video = ingest_file(str(clips["truncated"]), uploader)
    run_media_job.call(MediaJob.objects.get(video=video).pk)

    with pytest.raises(UploadError) as error:
        attach_subtitles(video, clips["subs"].read_bytes())

    assert error.value.status == 404
    _assert_nothing_left(settings)
