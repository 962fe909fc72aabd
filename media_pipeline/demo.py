"""Demo video for ``manage.py pufa_demo``: made with ffmpeg, sent through ingest.

Idempotent: the demo video is found by its title and made only when missing.
Its jobs run right here, so the video is ready when the demo command ends;
``cms.media_publishing`` attaches it to demo video pages that have no video.
"""

import logging
import subprocess
import tempfile
from pathlib import Path

from .ffmpeg import ffmpeg_binary
from .jobs import run_job
from .models import JobState, Video, VideoStatus
from .refusals import refusal_for
from .uploads import ingest_file

logger = logging.getLogger("pufa.media")

DEMO_TITLE = "普法短视频演示：民法典里的居住权"
DEMO_SECONDS = 10
DEMO_SUBTITLES = """1
00:00:00,500 --> 00:00:04,500
民法典新设立了居住权制度

2
00:00:05,000 --> 00:00:09,500
居住权人可以按照合同约定占有、使用他人的住宅
"""


def _make_clip(folder: Path) -> Path:
    path = folder / "demo.mp4"
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=s=720x1280:d={DEMO_SECONDS}:r=25",
            "-f",
            "lavfi",
            "-i",
            f"sine=f=330:d={DEMO_SECONDS},volume=-20dB",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return path


def load_demo(command) -> None:
    video = (
        Video.objects.filter(title=DEMO_TITLE)
        .exclude(status=VideoStatus.REJECTED)
        .first()
    )
    if video is None:
        with tempfile.TemporaryDirectory() as folder:
            clip = _make_clip(Path(folder))
            subtitles = Path(folder) / "demo.srt"
            subtitles.write_text(DEMO_SUBTITLES, encoding="utf-8")
            video = ingest_file(str(clip), title=DEMO_TITLE, subtitles=str(subtitles))
    while job := video.jobs.filter(state=JobState.QUEUED).order_by("id").first():
        run_job(job.pk)
    current = Video.objects.filter(pk=video.pk).first()
    if current is None:
        refusal = refusal_for(video.pk)
        reason = f"（{refusal.reason}）" if refusal else ""
        label = VideoStatus.REJECTED.label
        command.stdout.write(f"演示视频 #{video.pk}：{label}{reason}")
        return
    command.stdout.write(f"演示视频 #{current.pk}：{current.get_status_display()}")
