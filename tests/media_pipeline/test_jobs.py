"""Job supervision: a killed worker, cancel, bounded retries, the reaper."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from media_pipeline import jobs
from media_pipeline.models import JobKind, JobState, MediaJob, VideoStatus
from media_pipeline.uploads import ingest_file
from tests.subprocess_db import shared_database

from .conftest import TEST_MEDIA_SETTINGS, _ff, _source, stored_files
from .helpers import private_path, streams


def _job_row(database_url, job_id):
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url[len("sqlite:///") :]) as db:
            return db.execute(
                "SELECT state, progress FROM media_pipeline_mediajob WHERE id = ?",
                [job_id],
            ).fetchone()
    job = MediaJob.objects.get(pk=job_id)
    return job.state, job.progress


def _start_worker(database_url, job_id, preset="medium"):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PRIVATE_MEDIA_ROOT": str(django_settings.PRIVATE_MEDIA_ROOT),
        "PUBLIC_MEDIA_ROOT": str(django_settings.PUBLIC_MEDIA_ROOT),
        "PUFA_MEDIA_LADDER": ",".join(
            map(str, TEST_MEDIA_SETTINGS["PUFA_MEDIA_LADDER"])
        ),
        "PUFA_MEDIA_X264_PRESET": preset,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "pufa_media", "run-job", str(job_id)],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _children(pid) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(predicate, limit=120):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("long") / "long.mp4"
    _ff(
        *_source("360x640", 8),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-shortest",
        str(path),
    )
    return path


@pytest.fixture
def worker_owner(make_user):
    """An uploader that does not depend on the role groups of the data migration.

    Transactional tests flush the database, groups included.
    """
    from django.contrib.auth.models import Permission

    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="add_video"))
    return user


def _queued_transcode(uploader, clip):
    video = ingest_file(str(clip), uploader)
    probe_job = MediaJob.objects.get(video=video, kind=JobKind.PROBE)
    assert jobs.run_job(probe_job.pk).state == JobState.SUCCEEDED
    return video, MediaJob.objects.get(video=video, kind=JobKind.TRANSCODE)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_transcode_is_completed_after_the_reaper(
    worker_owner, long_clip, tmp_path
):
    video, job = _queued_transcode(worker_owner, long_clip)

    with shared_database(tmp_path) as database_url:
        # A slow preset keeps the main transcode running long enough to be
        # caught in the act on a fast machine too.
        worker = _start_worker(database_url, job.pk, preset="veryslow")
        children = []

        def transcoding():
            # Past the loudness pass (0-0.1) and with ffmpeg alive right now.
            state, progress = _job_row(database_url, job.pk)
            children[:] = _children(worker.pid)
            return state == "running" and 0.1 < progress < 0.95 and children

        started = _wait_until(transcoding)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert started, worker.stdout.read().decode()
        # ffmpeg dies with its worker instead of running on as an orphan.
        assert children
        assert _wait_until(lambda: not any(_alive(pid) for pid in children), 30)

    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.attempts == 1
    assert jobs.reap()["requeued"] == 0  # the lease has not expired yet
    later = timezone.now() + timedelta(
        seconds=django_settings.PUFA_MEDIA_LEASE_SECONDS + 1
    )
    assert jobs.reap(now=later)["requeued"] == 1
    MediaJob.objects.filter(pk=job.pk).update(not_before=timezone.now())

    finished = jobs.run_job(job.pk)

    assert finished.state == JobState.SUCCEEDED and finished.attempts == 2
    video.refresh_from_db()
    assert video.outputs["transcode"]["rungs"][-1]["height"] == 640
    top = streams(private_path(video.output_name("transcode", "mp4")))
    assert top["video"]["height"] == 640


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_a_running_job_and_its_ffmpeg(worker_owner, long_clip, tmp_path):
    video, job = _queued_transcode(worker_owner, long_clip)

    with shared_database(tmp_path) as database_url:
        worker = _start_worker(database_url, job.pk)
        assert _wait_until(lambda: _job_row(database_url, job.pk)[1] > 0)
        children = _children(worker.pid)
        if database_url.startswith("sqlite"):
            with sqlite3.connect(database_url[len("sqlite:///") :]) as db:
                db.execute(
                    "UPDATE media_pipeline_mediajob SET cancel_requested = 1 WHERE id = ?",
                    [job.pk],
                )
        else:
            jobs.cancel_job(job)
        assert worker.wait(timeout=60) == 0
        assert not any(_alive(pid) for pid in children)

    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    assert "transcode" not in MediaJob.objects.get(pk=job.pk).video.outputs


@pytest.mark.django_db
def test_video_deleted_during_its_transcode_leaves_no_outputs_and_the_worker_goes_on(
    ingest, clips, settings, monkeypatch
):
    video = ingest(clips["noaudio"], kinds={JobKind.PROBE})
    job = jobs.create_job(video, JobKind.TRANSCODE)
    real_save_tree = jobs.save_tree

    def editor_deletes_the_video(*args, **kwargs):
        # The outputs are stored; an editor deletes the video before the
        # pointer is switched to them.
        saved = real_save_tree(*args, **kwargs)
        type(video).objects.filter(pk=video.pk).delete()
        return saved

    monkeypatch.setattr(jobs, "save_tree", editor_deletes_the_video)
    finished = jobs.run_job(job.pk)  # does not raise
    monkeypatch.setattr(jobs, "save_tree", real_save_tree)

    assert finished is not None
    assert not MediaJob.objects.filter(pk=job.pk).exists()
    leftovers = [
        name
        for name in stored_files(settings.PRIVATE_MEDIA_ROOT)
        if "transcode" in name
    ]
    assert leftovers == []

    other = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    other.refresh_from_db()
    assert other.outputs["transcode"]["files"]["mp4"]


@pytest.mark.django_db
def test_transient_failures_are_retried_a_bounded_number_of_times(
    ingest, clips, settings, tmp_path
):
    video = ingest(clips["noaudio"], kinds={JobKind.PROBE})
    crashing = tmp_path / "ffmpeg"
    crashing.write_text("#!/bin/sh\nkill -9 $$\n")
    crashing.chmod(0o755)
    settings.FFMPEG_BINARY = str(crashing)
    job = jobs.create_job(video, JobKind.TRANSCODE)

    states = []
    for _ in range(settings.PUFA_MEDIA_MAX_ATTEMPTS):
        MediaJob.objects.filter(pk=job.pk).update(not_before=timezone.now())
        states.append(jobs.run_job(job.pk).state)

    assert states == [JobState.QUEUED] * (settings.PUFA_MEDIA_MAX_ATTEMPTS - 1) + [
        JobState.FAILED
    ]
    job.refresh_from_db()
    assert (
        job.error_kind == "transient"
        and job.attempts == settings.PUFA_MEDIA_MAX_ATTEMPTS
    )
    video.refresh_from_db()
    assert video.status == VideoStatus.FAILED
    assert "转码" in video.status_message


@pytest.mark.django_db
def test_reaper_resends_tasks_for_queued_jobs_whose_task_was_lost(ingest, clips):
    from django_tasks_db.models import DBTaskResult

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE})
    job = jobs.create_job(video, JobKind.TRANSCODE)  # on_commit never fires here

    assert jobs.reap()["resent"] == 1

    sent = [task.args_kwargs["args"] for task in DBTaskResult.objects.all()]
    assert [job.pk] in sent
    job.refresh_from_db()
    assert job.enqueued_at is not None
    assert jobs.reap()["resent"] == 0


@pytest.mark.django_db
def test_a_job_is_run_by_one_worker_only(ingest, clips):
    video = ingest(clips["noaudio"], kinds={JobKind.PROBE})
    job = jobs.create_job(video, JobKind.TRANSCODE)

    assert jobs.claim(job.pk, "worker-a") is not None
    assert jobs.claim(job.pk, "worker-b") is None
    assert jobs.run_job(job.pk, "worker-b") is None


@pytest.mark.django_db
def test_healthz_reports_the_media_queue(ingest, clips, client):
    video = ingest(clips["noaudio"], kinds={JobKind.PROBE})
    job = jobs.create_job(video, JobKind.TRANSCODE)

    body = client.get("/healthz").json()

    media = body["checks"]["media_jobs"]
    assert media["queued"] == 1 and media["ok"] is True
    MediaJob.objects.filter(pk=job.pk).update(
        not_before=timezone.now() - timedelta(hours=1)
    )
    body = client.get("/healthz").json()
    media = body["checks"]["media_jobs"]
    assert media["ok"] is False and media["oldest_queued_seconds"] >= 3600


@pytest.mark.django_db
def test_probe_renews_its_lease_while_it_decodes(uploader, long_clip, monkeypatch):
    from media_pipeline import probe

    video = ingest_file(str(long_clip), uploader)
    job = MediaJob.objects.get(video=video, kind=JobKind.PROBE)
    monkeypatch.setattr(jobs, "HEARTBEAT_EVERY", 0)
    real_probe = probe.probe
    leases = []

    def watched_probe(path, on_progress=None):
        def report(fraction):
            kept = on_progress(fraction)
            leases.append(MediaJob.objects.get(pk=job.pk).lease_expires_at)
            return kept

        return real_probe(path, on_progress=report)

    monkeypatch.setattr(probe, "probe", watched_probe)
    assert jobs.run_job(job.pk).state == JobState.SUCCEEDED

    # The lease moved on during the decode, not only once it ended.
    assert len(set(leases)) > 2 and leases == sorted(leases)


@pytest.mark.django_db
def test_probe_whose_job_was_taken_over_stops_and_writes_nothing(
    uploader, long_clip, monkeypatch
):
    from media_pipeline import probe

    video = ingest_file(str(long_clip), uploader)
    job = MediaJob.objects.get(video=video, kind=JobKind.PROBE)
    monkeypatch.setattr(jobs, "HEARTBEAT_EVERY", 0)
    real_probe = probe.probe
    fractions = []

    def reaped_mid_decode(path, on_progress=None):
        def report(fraction):
            fractions.append(fraction)
            if len(fractions) == 3:
                # The reaper gave the job to another worker meanwhile.
                MediaJob.objects.filter(pk=job.pk).update(worker="another-worker")
            return on_progress(fraction)

        return real_probe(path, on_progress=report)

    monkeypatch.setattr(probe, "probe", reaped_mid_decode)
    jobs.run_job(job.pk)

    assert len(fractions) == 3 and fractions[-1] < 0.5
    video.refresh_from_db()
    assert video.sha256 == "" and video.duration_seconds in (None, 0)
    assert not MediaJob.objects.filter(video=video, kind=JobKind.TRANSCODE).exists()
    assert MediaJob.objects.get(pk=job.pk).worker == "another-worker"


@pytest.mark.django_db
def test_a_video_declaring_too_long_a_duration_is_refused_before_decoding(
    ingest, long_clip, settings, monkeypatch
):
    from media_pipeline import probe

    settings.PUFA_MEDIA_MAX_SECONDS = 5
    decoded = []
    real_decode = probe._decode_all
    monkeypatch.setattr(
        probe, "_decode_all", lambda *a: decoded.append(1) or real_decode(*a)
    )

    from media_pipeline.refusals import refusal_for

    refused_id = ingest(long_clip, kinds={JobKind.PROBE})

    assert "视频太长" in refusal_for(refused_id).reason and decoded == []
