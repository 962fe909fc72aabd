"""``manage.py pufa_media``: ingest a file through the upload path, run jobs.

manage.py pufa_media ingest FILE [--subtitles FILE] [--title T] [--wait]
manage.py pufa_media run-job JOB_ID
manage.py pufa_media reap
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from media_pipeline import jobs
from media_pipeline.models import JobState, MediaJob, Video, VideoStatus
from media_pipeline.refusals import refusal_for
from media_pipeline.uploads import UploadError, ingest_file

FINAL = {VideoStatus.READY, VideoStatus.REJECTED, VideoStatus.FAILED}


class Command(BaseCommand):
    help = "上传并处理视频，或运行媒体任务。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="像上传一样导入一个视频文件")
        ingest.add_argument("file")
        ingest.add_argument("--subtitles")
        ingest.add_argument("--title", default="")
        ingest.add_argument("--user", help="记为该用户上传（用户名）")
        ingest.add_argument(
            "--wait",
            action="store_true",
            help="处理完成后再退出；被拒绝或失败时以非零状态退出",
        )
        run = sub.add_parser("run-job", help="在本进程中运行一个媒体任务")
        run.add_argument("job_id", type=int)
        sub.add_parser("reap", help="重新排队中断的任务，并清理无人继续的上传")

    def handle(self, *args, action, **options):
        if action == "ingest":
            return self.ingest(options)
        if action == "run-job":
            job = jobs.run_job(options["job_id"])
            state = job.state if job else "not-claimed"
            self.stdout.write(f"job {options['job_id']}: {state}")
            return None
        self.stdout.write(str(jobs.reap()))
        return None

    def ingest(self, options):
        user = None
        if options["user"]:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"用户不存在：{options['user']}")
        try:
            video = ingest_file(
                options["file"],
                user,
                title=options["title"],
                subtitles=options["subtitles"],
            )
        except (OSError, UploadError) as exc:
            raise CommandError(f"无法导入：{exc}") from None
        self.stdout.write(f"video {video.pk}")
        if options["wait"]:
            video = self.wait(video)
        self.report(video)
        if options["wait"] and video.status != VideoStatus.READY:
            raise CommandError(
                f"视频 {video.pk} 未能处理完成：{video.get_status_display()}"
            )
        return None

    def wait(self, video: Video) -> Video:
        """Run the video's jobs here; a worker elsewhere may take some too.

        A refused video comes back in memory only (its row is deleted), with
        status ``rejected`` and the remembered reason.
        """
        while video.status != VideoStatus.REJECTED:
            current = Video.objects.filter(pk=video.pk).first()
            if current is None:
                return self.recall_refusal(video)
            video = current
            queued = (
                video.jobs.filter(state=JobState.QUEUED, not_before__lte=timezone.now())
                .order_by("id")
                .first()
            )
            if queued is not None:
                jobs.run_job(queued.pk)
                continue
            if (
                video.status in FINAL
                and not video.jobs.filter(state=JobState.RUNNING).exists()
            ):
                return video
            jobs.reap()
            time.sleep(1)
        return video

    def recall_refusal(self, video: Video) -> Video:
        refusal = refusal_for(video.pk)
        if refusal is None:
            raise CommandError(f"视频 {video.pk} 已不存在。")
        video.status, video.status_message = VideoStatus.REJECTED, refusal.reason
        return video

    def report(self, video: Video) -> None:
        self.stdout.write(f"status {video.status} ({video.get_status_display()})")
        if video.status_message:
            self.stdout.write(f"reason {video.status_message}")
        for job in MediaJob.objects.filter(video=video).order_by("id"):
            line = f"job {job.pk} {job.kind} {job.state}"
            self.stdout.write(line + (f" {job.error}" if job.error else ""))
