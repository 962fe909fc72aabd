"""Every hostile input is refused with a clear reason and leaves nothing behind."""

import pytest

from media_pipeline.models import JobState, MediaJob, Upload, VideoStatus

from .conftest import stored_files

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("clip", "reason"),
    [
        ("text", "文本文件"),
        ("playlist", "HLS 播放列表"),
        ("bomb", "图片"),
        ("corrupt", "文件已损坏"),
        ("truncated", "文件不完整"),
    ],
)
def test_hostile_file_is_refused_and_leaves_no_files(
    ingest, clips, settings, clip, reason
):
    video = ingest(clips[clip])

    assert video.status == VideoStatus.REJECTED
    assert reason in video.status_message
    assert not video.original and not video.outputs and not video.sha256
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == []
    assert stored_files(settings.PUBLIC_MEDIA_ROOT) == []
    assert not Upload.objects.exists()
    assert not MediaJob.objects.exclude(state=JobState.FAILED).exists()


def test_too_long_video_is_refused(ingest, clips, settings):
    settings.PUFA_MEDIA_MAX_SECONDS = 2

    video = ingest(clips["vertical"])

    assert video.status == VideoStatus.REJECTED
    assert "视频太长" in video.status_message
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == []


def test_too_short_video_is_refused(ingest, clips, settings):
    settings.PUFA_MEDIA_MIN_SECONDS = 5

    video = ingest(clips["noaudio"])

    assert video.status == VideoStatus.REJECTED
    assert "视频太短" in video.status_message


def test_absurd_dimensions_are_refused(ingest, clips, settings):
    settings.PUFA_MEDIA_MAX_DIMENSION = 300

    video = ingest(clips["vertical"])

    assert video.status == VideoStatus.REJECTED
    assert "画面尺寸过大" in video.status_message


def test_refused_upload_never_reaches_the_probe_job(ingest, clips):
    video = ingest(clips["playlist"])

    assert video.status == VideoStatus.REJECTED
    assert not MediaJob.objects.filter(video=video).exists()


def test_image_bomb_is_refused_as_an_image_upload(clips):
    from media_pipeline.renditions import ImageRejected, validate_image

    with open(clips["bomb"], "rb") as handle, pytest.raises(ImageRejected) as error:
        validate_image(handle)
    assert "像素过多" in str(error.value)
