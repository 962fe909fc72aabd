"""The media job protocol.

A :class:`~media_pipeline.models.MediaJob` row is the job's state; the task
queue only carries "look at job N now". A worker:

1. claims the row with one conditional UPDATE (``queued`` and due → ``running``
   with a lease), so two workers never run the same job;
2. renews the lease (heartbeat) while ffmpeg reports progress, and stops
   ffmpeg's process group when the row says cancel or the lease was lost;
3. writes outputs under a fresh prefix keyed by (source sha256, profile
   version), switches the video's pointer at the end, then marks the row
   ``succeeded``;
4. on error, marks it ``failed`` (permanent error, or attempts used up) or
   back to ``queued`` with a back-off (transient error).

The reaper (:func:`reap`, run by the scheduler) re-queues ``running`` rows
whose lease expired (the worker died), re-sends tasks for due ``queued``
rows whose task was lost and aborts uploads abandoned for longer than
``PUFA_UPLOAD_EXPIRY_HOURS``.

A probe that refuses the video deletes it with its jobs, the running one
included (:mod:`media_pipeline.refusals`); the worker then writes nothing more.

Usage::

    job = create_job(video, JobKind.TRANSCODE)   # enqueued on commit
    run_job(job.pk)                              # what the task runs
"""

import logging
import os
import socket
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import ffmpeg, probe, transcode
from .models import ErrorKind, JobKind, JobState, MediaJob, Video, VideoStatus
from .refusals import refuse
from .signals import video_status_changed
from .storage import (
    delete_names,
    fetch,
    local_path,
    private_storage,
    save_tree,
)

logger = logging.getLogger("pufa.media")

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
HEARTBEAT_EVERY = 2.0


class PermanentError(Exception):
    """Retrying cannot help; the message is shown to people as it is."""


class TransientError(Exception):
    """Retrying later may help."""


class LeaseLost(Exception):
    """The row was cancelled or taken over; stop without writing state."""


class VideoGone(LeaseLost):
    """The video (and so this job) was deleted while the job ran."""


# -- creating and dispatching ------------------------------------------------


def create_job(video: Video, kind: str) -> MediaJob:
    """Create a queued job and send its task once the transaction commits."""
    job = MediaJob.objects.create(
        video=video, kind=kind, max_attempts=settings.PUFA_MEDIA_MAX_ATTEMPTS
    )
    logger.info("queued media job job=%s kind=%s video=%s", job.pk, kind, video.pk)
    transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(job_id: int) -> None:
    """Send the task that tells a worker to look at this job."""
    from .tasks import run_media_job

    MediaJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    try:
        run_media_job.enqueue(job_id)
    except Exception:
        # The reaper re-sends tasks for queued rows, so a lost send loses nothing.
        logger.exception("could not enqueue media job job=%s", job_id)


def cancel_job(job: MediaJob) -> None:
    """Cancel a queued job at once; ask a running one to stop."""
    now = timezone.now()
    if MediaJob.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
        state=JobState.CANCELLED, finished_at=now
    ):
        logger.info("cancelled media job job=%s", job.pk)
    else:
        MediaJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            cancel_requested=True
        )
    _refresh_video_status(job.video_id)


# -- running -----------------------------------------------------------------


def claim(job_id: int, worker: str = WORKER_ID) -> MediaJob | None:
    """Take the job if it is queued and due; return it, or None."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.PUFA_MEDIA_LEASE_SECONDS)
    taken = MediaJob.objects.filter(
        pk=job_id, state=JobState.QUEUED, not_before__lte=now
    ).update(
        state=JobState.RUNNING,
        worker=worker,
        lease_expires_at=lease,
        heartbeat_at=now,
        started_at=now,
        attempts=F("attempts") + 1,
        progress=0.0,
    )
    if not taken:
        return None
    return MediaJob.objects.select_related("video").get(pk=job_id)


def run_job(job_id: int, worker: str = WORKER_ID) -> MediaJob | None:
    """Claim and run one job; never raise for the job's own failures.

    The job of a refused video is returned unsaved, as ``failed``: its row was
    deleted with the video.
    """
    job = claim(job_id, worker)
    if job is None:
        return None
    logger.info(
        "started media job job=%s kind=%s attempt=%s", job.pk, job.kind, job.attempts
    )
    heartbeat = Heartbeat(job, worker)
    try:
        with tempfile.TemporaryDirectory(prefix="pufa-media-") as workdir:
            HANDLERS[job.kind](job, Path(workdir), heartbeat)
    except (LeaseLost, ffmpeg.FFmpegCancelled):
        _finish_lost(job, worker)
    except probe.Rejected as exc:
        _reject_video(job, str(exc))
        return job
    except (PermanentError, transcode.NoCJKFont) as exc:
        _fail(job, worker, str(exc), ErrorKind.PERMANENT)
    except ffmpeg.FFmpegError as exc:
        kind = ErrorKind.TRANSIENT if exc.transient else ErrorKind.PERMANENT
        logger.info("ffmpeg failed job=%s stderr=%s", job.pk, exc.stderr_tail)
        _fail(job, worker, f"转码程序出错：{exc}", kind)
    except Exception as exc:
        logger.exception("media job crashed job=%s", job.pk)
        _fail(job, worker, f"处理出错：{exc.__class__.__name__}", ErrorKind.TRANSIENT)
    else:
        _succeed(job, worker)
    try:
        job.refresh_from_db()
    except MediaJob.DoesNotExist:
        # The video was deleted while the job ran.
        return job
    _refresh_video_status(job.video_id)
    return job


class Heartbeat:
    """Progress callback for ffmpeg that also renews the lease."""

    def __init__(self, job: MediaJob, worker: str):
        self.job = job
        self.worker = worker
        self.progress = 0.0
        self.last = 0.0

    def stage(self, start: float, span: float):
        """Return a callback mapping a sub-step's [0, 1] onto part of the job."""

        def report(fraction: float) -> bool:
            return self(start + span * fraction if fraction >= 0 else fraction)

        return report

    def __call__(self, fraction: float) -> bool:
        if fraction >= 0:
            self.progress = max(self.progress, fraction)
        now = time.monotonic()
        if now - self.last < HEARTBEAT_EVERY and fraction < 1.0:
            return True
        self.last = now
        return self.beat()

    def beat(self) -> bool:
        """Renew the lease; return False if the job is no longer ours to run."""
        now = timezone.now()
        kept = MediaJob.objects.filter(
            pk=self.job.pk,
            state=JobState.RUNNING,
            worker=self.worker,
            cancel_requested=False,
        ).update(
            heartbeat_at=now,
            lease_expires_at=now + timedelta(seconds=settings.PUFA_MEDIA_LEASE_SECONDS),
            progress=round(self.progress, 4),
        )
        return bool(kept)

    def check(self) -> None:
        if not self.beat():
            raise LeaseLost()


def _ours(job: MediaJob, worker: str):
    return MediaJob.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=worker)


def _succeed(job, worker):
    if _ours(job, worker).update(
        state=JobState.SUCCEEDED,
        progress=1.0,
        finished_at=timezone.now(),
        lease_expires_at=None,
        error="",
        error_kind=ErrorKind.NONE,
    ):
        logger.info("finished media job job=%s kind=%s", job.pk, job.kind)


def _fail(job, worker, message, error_kind):
    try:
        job.refresh_from_db(fields=["attempts", "max_attempts"])
    except MediaJob.DoesNotExist:
        logger.info("media job gone with its video job=%s", job.pk)
        return
    retry = error_kind == ErrorKind.TRANSIENT and job.attempts < job.max_attempts
    now = timezone.now()
    if retry:
        delay = 10 * 2 ** (job.attempts - 1)
        updated = _ours(job, worker).update(
            state=JobState.QUEUED,
            not_before=now + timedelta(seconds=delay),
            enqueued_at=None,
            lease_expires_at=None,
            worker="",
            error=message,
            error_kind=error_kind,
        )
        if updated:
            logger.info("media job will retry job=%s delay=%s", job.pk, delay)
        return
    if _ours(job, worker).update(
        state=JobState.FAILED,
        finished_at=now,
        lease_expires_at=None,
        error=message,
        error_kind=error_kind,
    ):
        logger.info("media job failed job=%s kind=%s", job.pk, job.kind)


def _finish_lost(job, worker):
    now = timezone.now()
    if MediaJob.objects.filter(
        pk=job.pk, state=JobState.RUNNING, worker=worker, cancel_requested=True
    ).update(state=JobState.CANCELLED, finished_at=now, lease_expires_at=None):
        logger.info("cancelled media job job=%s", job.pk)
    else:
        logger.info("media job lease lost job=%s", job.pk)


# -- the reaper --------------------------------------------------------------


def reap(now=None) -> dict:
    """Re-queue jobs whose worker stopped, re-send lost tasks, expire uploads.

    Return the counts: ``requeued``, ``failed``, ``resent``, ``expired_uploads``.
    """
    from .uploads import expire_uploads

    now = now or timezone.now()
    expired = MediaJob.objects.filter(state=JobState.RUNNING, lease_expires_at__lt=now)
    requeued = failed = 0
    for job in expired:
        base = MediaJob.objects.filter(
            pk=job.pk, state=JobState.RUNNING, lease_expires_at__lt=now
        )
        if job.cancel_requested:
            base.update(
                state=JobState.CANCELLED, finished_at=now, lease_expires_at=None
            )
        elif job.attempts >= job.max_attempts:
            failed += base.update(
                state=JobState.FAILED,
                finished_at=now,
                lease_expires_at=None,
                error="处理进程多次中断，已停止重试。",
                error_kind=ErrorKind.TRANSIENT,
            )
            _refresh_video_status(job.video_id)
        else:
            requeued += base.update(
                state=JobState.QUEUED,
                not_before=now,
                enqueued_at=None,
                lease_expires_at=None,
                worker="",
                error="处理进程中断，已重新排队。",
                error_kind=ErrorKind.TRANSIENT,
            )
    stale = now - timedelta(seconds=settings.PUFA_MEDIA_LEASE_SECONDS * 2)
    lost = list(
        MediaJob.objects.filter(state=JobState.QUEUED, not_before__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .values_list("pk", flat=True)
    )
    for job_id in lost:
        dispatch(job_id)
    _remove_abandoned_workdirs()
    expired_uploads = expire_uploads(now)
    if requeued or failed or lost or expired_uploads:
        logger.info(
            "reaped media jobs requeued=%s failed=%s resent=%s expired_uploads=%s",
            requeued,
            failed,
            len(lost),
            expired_uploads,
        )
    return {
        "requeued": requeued,
        "failed": failed,
        "resent": len(lost),
        "expired_uploads": expired_uploads,
    }


def _remove_abandoned_workdirs() -> None:
    """Delete work folders left by killed workers (their cleanup never ran)."""
    import shutil

    cutoff = time.time() - settings.PUFA_MEDIA_JOB_TIMEOUT * 2
    for folder in Path(tempfile.gettempdir()).glob("pufa-media-*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def queue_health() -> tuple[bool, dict]:
    """Health of the media queue: counts and the age of the oldest due job."""
    now = timezone.now()
    due = MediaJob.objects.filter(state=JobState.QUEUED, not_before__lte=now)
    oldest = due.order_by("not_before").values_list("not_before", flat=True).first()
    age = (now - oldest).total_seconds() if oldest else 0.0
    stuck = MediaJob.objects.filter(
        state=JobState.RUNNING, lease_expires_at__lt=now
    ).count()
    detail = {
        "queued": due.count(),
        "running": MediaJob.objects.filter(state=JobState.RUNNING).count(),
        "expired_leases": stuck,
        "oldest_queued_seconds": round(age, 1),
    }
    return age <= 600, detail


# -- handlers ----------------------------------------------------------------


def _source_path(video: Video, workdir: Path) -> str:
    storage = private_storage()
    path = local_path(storage, video.original.name)
    if path and os.path.exists(path):
        return path
    suffix = Path(video.original.name).suffix or ".bin"
    return str(fetch(storage, video.original.name, workdir / f"source{suffix}"))


def handle_probe(job: MediaJob, workdir: Path, heartbeat: Heartbeat) -> None:
    video = job.video
    if not video.original:
        raise PermanentError("原始文件不存在。")
    source = _source_path(video, workdir)
    heartbeat.check()
    try:
        result = probe.probe(source, on_progress=heartbeat.stage(0.0, 0.95))
    except probe.Abandoned:
        raise LeaseLost() from None
    digest = probe.sha256_of(source)
    heartbeat.check()
    width, height = result.display_size
    video.sha256 = digest
    Video.objects.filter(pk=video.pk).update(
        sha256=digest,
        width=width,
        height=height,
        duration_seconds=result.duration,
        rotation=result.rotation,
        frame_rate=result.frame_rate,
        is_vfr=result.is_vfr,
        is_hdr=result.is_hdr,
        has_audio=result.has_audio,
        video_codec=result.video_codec,
        audio_codec=result.audio_codec,
        probe=result.as_dict(),
        status=VideoStatus.PROCESSING,
        status_message="；".join(result.warnings),
    )
    # Subtitles may have been attached while the probe ran.
    video.refresh_from_db(fields=["subtitles"])
    with transaction.atomic():
        create_job(video, JobKind.TRANSCODE)
        create_job(video, JobKind.SCREENS)
        if video.subtitles:
            create_job(video, JobKind.SUBTITLES)


def output_key(video: Video, kind: str) -> str:
    key = f"{video.sha256}:v{settings.PUFA_MEDIA_PROFILE_VERSION}"
    if kind in (JobKind.SCREENS, JobKind.SUBTITLES):
        key += ":" + (subtitles_digest(video) or "nosub")
    return key


def subtitles_digest(video: Video) -> str:
    if not video.subtitles:
        return ""
    import hashlib

    with private_storage().open(video.subtitles.name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def _reuse_outputs(video: Video, kind: str, key: str) -> bool:
    """Point at outputs already made for the same key; return True if so."""
    if (video.outputs.get(kind) or {}).get("key") == key:
        return True
    twin = (
        Video.objects.filter(sha256=video.sha256, **{f"outputs__{kind}__key": key})
        .exclude(pk=video.pk)
        .first()
    )
    if twin is None:
        return False
    switch_outputs(video, kind, dict(twin.outputs[kind]))
    logger.info("reused outputs video=%s from=%s kind=%s", video.pk, twin.pk, kind)
    return True


def _new_prefix(video: Video, kind: str) -> str:
    version = settings.PUFA_MEDIA_PROFILE_VERSION
    return f"media/{video.sha256}/{kind}-v{version}/{uuid.uuid4().hex[:12]}/"


def handle_transcode(job: MediaJob, workdir: Path, heartbeat: Heartbeat) -> None:
    video = job.video
    key = output_key(video, JobKind.TRANSCODE)
    if _reuse_outputs(video, JobKind.TRANSCODE, key):
        return
    source = _source_path(video, workdir)
    rungs = transcode.ladder(video.width, video.height)
    rate = transcode.output_frame_rate(video.frame_rate or 25)
    measured = None
    if video.has_audio:
        analysis = ffmpeg.run(
            transcode.loudness_args(source),
            on_progress=heartbeat.stage(0.0, 0.1),
            duration=video.duration_seconds,
        )
        measured = transcode.parse_loudness(analysis.stderr)
    heartbeat.check()

    out = workdir / "out"
    out.mkdir()
    for rung in rungs:
        (out / rung.name).mkdir()
    args = transcode.transcode_args(
        source,
        rungs,
        frame_rate=rate,
        duration=video.duration_seconds or 1.0,
        has_audio=video.has_audio,
        measured=measured,
    )
    ffmpeg.run(
        args,
        cwd=str(out),
        duration=video.duration_seconds,
        on_progress=heartbeat.stage(0.1 if video.has_audio else 0.0, 0.85),
    )
    (out / "master.m3u8").write_text(
        transcode.master_playlist(rungs, video.has_audio, rate), encoding="utf-8"
    )
    posters = sorted(p.name for p in out.glob("poster-*.jpg"))
    if not posters:
        raise PermanentError("未能生成封面帧。")
    heartbeat.check()

    entry = {
        "key": key,
        "files": {
            "mp4": f"{rungs[-1].name}.mp4",
            "hls": "master.m3u8",
            "poster": posters[0],
        },
        "posters": posters,
        "rungs": [
            {
                "name": r.name,
                "width": r.width,
                "height": r.height,
                "mp4": f"{r.name}.mp4",
            }
            for r in rungs
        ],
        "loudness": measured or {},
    }
    _store_and_switch(video, JobKind.TRANSCODE, entry, out)


def handle_screens(job: MediaJob, workdir: Path, heartbeat: Heartbeat) -> None:
    video = job.video
    key = output_key(video, JobKind.SCREENS)
    if _reuse_outputs(video, JobKind.SCREENS, key):
        return
    source = _source_path(video, workdir)
    subtitles = font = None
    if video.subtitles:
        font = transcode.find_cjk_font()
        subtitles = str(_fetch_subtitles(video, workdir))
    out = workdir / "out"
    out.mkdir()
    ffmpeg.run(
        transcode.screen_master_args(source, subtitles, font),
        cwd=str(out),
        duration=video.duration_seconds,
        on_progress=heartbeat,
    )
    heartbeat.check()
    entry = {
        "key": key,
        "files": {"landscape": "landscape.mp4", "portrait": "portrait.mp4"},
        "subtitles_burned": bool(subtitles),
    }
    _store_and_switch(video, JobKind.SCREENS, entry, out)


def handle_subtitles(job: MediaJob, workdir: Path, heartbeat: Heartbeat) -> None:
    video = job.video
    if not video.subtitles:
        raise PermanentError("没有字幕文件。")
    key = output_key(video, JobKind.SUBTITLES)
    if _reuse_outputs(video, JobKind.SUBTITLES, key):
        return
    subtitles = _fetch_subtitles(video, workdir)
    out = workdir / "out"
    out.mkdir()
    ffmpeg.run(
        transcode.webvtt_args(str(subtitles)), cwd=str(out), on_progress=heartbeat
    )
    heartbeat.check()
    entry = {"key": key, "files": {"vtt": "sub.vtt"}}
    _store_and_switch(video, JobKind.SUBTITLES, entry, out)


def _fetch_subtitles(video: Video, workdir: Path) -> Path:
    """Copy the subtitles to a plain local name after checking they are text."""
    with private_storage().open(video.subtitles.name, "rb") as handle:
        data = handle.read(2 << 20)
    text = validate_subtitles(data)
    suffix = ".vtt" if text.lstrip("\ufeff").startswith("WEBVTT") else ".srt"
    path = workdir / f"sub{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def validate_subtitles(data: bytes) -> str:
    """Return the subtitles as text, or raise PermanentError with the reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise PermanentError("字幕文件编码无法识别，请使用 UTF-8。") from None
    if "-->" not in text:
        raise PermanentError("字幕文件不是 SRT 或 WebVTT 格式。")
    return text


def _store_and_switch(video: Video, kind: str, entry: dict, folder: Path) -> None:
    storage = private_storage()
    prefix = _new_prefix(video, kind)
    entry["prefix"] = prefix
    entry["all"] = save_tree(storage, prefix, folder)
    try:
        switch_outputs(video, kind, entry)
    except BaseException:
        delete_names(storage, [prefix + name for name in entry["all"]])
        raise


def switch_outputs(video: Video, kind: str, entry: dict) -> None:
    """Point the video at a new set of outputs; drop the old set if unshared."""
    with transaction.atomic():
        locked = Video.objects.select_for_update().filter(pk=video.pk).first()
        if locked is None:
            raise VideoGone(video.pk)
        previous = locked.outputs.get(kind)
        locked.outputs = {**locked.outputs, kind: entry}
        locked.save(update_fields=["outputs", "updated_at"])
    video.outputs = locked.outputs
    if previous and previous.get("prefix") != entry.get("prefix"):
        _delete_unshared(previous, kind)
    if locked.is_public:
        from .publishing import promote_video

        promote_video(locked)
    logger.info(
        "switched outputs video=%s kind=%s prefix=%s", video.pk, kind, entry["prefix"]
    )


def _delete_unshared(entry: dict, kind: str) -> None:
    in_use = Video.objects.filter(**{f"outputs__{kind}__prefix": entry["prefix"]})
    if in_use.exists():
        return
    delete_names(private_storage(), [entry["prefix"] + n for n in entry.get("all", [])])


HANDLERS = {
    JobKind.PROBE: handle_probe,
    JobKind.TRANSCODE: handle_transcode,
    JobKind.SCREENS: handle_screens,
    JobKind.SUBTITLES: handle_subtitles,
}


# -- video state -------------------------------------------------------------


def _reject_video(job: MediaJob, reason: str) -> None:
    """Refuse the job's video; this job's row goes with it, so set it in memory."""
    refuse(job.video, reason)
    job.state, job.error, job.error_kind = JobState.FAILED, reason, ErrorKind.PERMANENT
    job.finished_at, job.lease_expires_at = timezone.now(), None


def _refresh_video_status(video_id: int) -> None:
    """Derive the video's status from its jobs after one of them changed."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None or video.status in (VideoStatus.REJECTED, VideoStatus.UPLOADING):
        return
    jobs = list(video.jobs.order_by("created_at", "id"))
    if any(j.state in (JobState.QUEUED, JobState.RUNNING) for j in jobs):
        return
    latest = {}
    for job in jobs:
        latest[job.kind] = job
    # A video stays usable while it has a complete set of web outputs, even if
    # a later rerun failed: that rerun left the previous set in place.
    status = VideoStatus.READY if video.outputs.get("transcode") else VideoStatus.FAILED
    problems = [
        f"{job.get_kind_display()}：{job.error}"
        for job in latest.values()
        if job.state in (JobState.FAILED, JobState.CANCELLED) and job.error
    ]
    message = "；".join(problems + list((video.probe or {}).get("warnings", [])))
    if video.status == status and video.status_message == message:
        return
    Video.objects.filter(pk=video.pk).update(status=status, status_message=message)
    video.status, video.status_message = status, message
    logger.info("video status changed video=%s status=%s", video.pk, status)
    video_status_changed.send(sender=Video, video=video)
