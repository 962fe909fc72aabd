"""Public copies of videos that share outputs (the same file uploaded twice)."""

from pathlib import Path

import pytest

from media_pipeline.models import JobKind, JobState

pytestmark = pytest.mark.django_db

WEB = {JobKind.PROBE, JobKind.TRANSCODE}


def _public_exists(name: str) -> bool:
    from media_pipeline.storage import public_storage

    return Path(public_storage().path(name)).exists()


@pytest.fixture
def twins(ingest, clips):
    """Two published videos of identical content, hence one set of outputs."""
    from media_pipeline.publishing import promote_video

    first = ingest(clips["noaudio"], kinds=WEB)
    second = ingest(clips["noaudio"], kinds=WEB)
    assert first.outputs["transcode"]["prefix"] == second.outputs["transcode"]["prefix"]
    promote_video(first)
    promote_video(second)
    return first, second


def test_withdrawing_one_of_two_identical_videos_keeps_the_others_public_files(
    twins,
):
    from media_pipeline.publishing import withdraw_video

    first, second = twins

    urls = withdraw_video(first)

    assert first.public_files == [] and not first.is_public
    second.refresh_from_db()
    assert second.public_files and second.public_mp4_url
    assert all(_public_exists(name) for name in second.public_files)
    # Nothing was deleted, so there is nothing for the CDN to forget.
    assert urls == []


def test_withdrawing_the_last_video_using_shared_files_removes_them(twins):
    from media_pipeline.publishing import withdraw_video

    first, second = twins
    names = list(second.public_files)

    withdraw_video(first)
    urls = withdraw_video(second)

    assert names and not any(_public_exists(name) for name in names)
    assert len(urls) == len(names)


def test_new_outputs_of_one_twin_keep_the_files_the_other_still_publishes(
    twins, settings
):
    from media_pipeline.jobs import create_job, run_job

    first, second = twins
    shared = list(second.public_files)
    settings.PUFA_MEDIA_PROFILE_VERSION = 2

    job = run_job(create_job(first, JobKind.TRANSCODE).pk)

    assert job.state == JobState.SUCCEEDED
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.outputs["transcode"]["prefix"] != second.outputs["transcode"]["prefix"]
    assert not set(first.public_files) & set(shared)
    assert all(_public_exists(name) for name in first.public_files)
    assert second.public_files == shared
    assert all(_public_exists(name) for name in shared)


def test_new_outputs_of_an_unshared_video_remove_its_stale_public_files(
    ingest, clips, settings
):
    from media_pipeline.jobs import create_job, run_job
    from media_pipeline.publishing import promote_video

    video = ingest(clips["noaudio"], kinds=WEB)
    promote_video(video)
    old = list(video.public_files)
    settings.PUFA_MEDIA_PROFILE_VERSION = 2

    run_job(create_job(video, JobKind.TRANSCODE).pk)

    video.refresh_from_db()
    assert not any(_public_exists(name) for name in old)
    assert all(_public_exists(name) for name in video.public_files)
