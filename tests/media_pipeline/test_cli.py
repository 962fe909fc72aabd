"""``manage.py pufa_media ingest`` runs the upload path and reports the outcome."""

import re

import pytest
from django.core.management import CommandError, call_command

from media_pipeline.models import MediaJob, Upload, Video, VideoStatus

pytestmark = pytest.mark.django_db


def test_ingest_wait_prints_id_and_final_state(clips, capsys):
    call_command(
        "pufa_media",
        "ingest",
        str(clips["horizontal"]),
        "--subtitles",
        str(clips["subs"]),
        "--wait",
    )

    out = capsys.readouterr().out
    video = Video.objects.get()
    assert f"video {video.pk}" in out
    assert "status ready" in out
    assert video.status == VideoStatus.READY
    assert video.outputs["screens"]["subtitles_burned"] is True
    assert "vtt" in video.outputs["subtitles"]["files"]


@pytest.mark.parametrize(
    ("clip", "reason"),
    [("text", "这是一个文本文件"), ("corrupt", "文件已损坏")],
    ids=["refused-on-completion", "refused-by-the-probe"],
)
def test_ingest_wait_exits_non_zero_with_the_reason_on_rejection(
    clips, capsys, clip, reason
):
    with pytest.raises(CommandError) as error:
        call_command("pufa_media", "ingest", str(clips[clip]), "--wait")

    out = capsys.readouterr().out
    assert re.search(r"^video \d+$", out, re.M)
    assert "status rejected" in out and f"reason {reason}" in out
    assert "未能处理完成" in str(error.value)
    assert not Video.objects.exists()
    assert not MediaJob.objects.exists() and not Upload.objects.exists()


def test_ingest_without_wait_leaves_jobs_for_the_worker(clips, capsys):
    call_command("pufa_media", "ingest", str(clips["noaudio"]))

    out = capsys.readouterr().out
    assert "status probing" in out
    assert Video.objects.get().jobs.get().state == "queued"


def test_ingest_of_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("pufa_media", "ingest", str(tmp_path / "none.mp4"))
    assert "无法导入" in str(error.value)
