"""The probe → transcode → screens → subtitles path, checked by probing outputs."""

import av
import pytest

from media_pipeline.models import JobKind, JobState, MediaJob, VideoStatus

from .helpers import (
    frame_times,
    integrated_loudness,
    parse_master,
    private_path,
    streams,
    top_level_boxes,
)

pytestmark = pytest.mark.django_db


def test_vertical_video_gets_a_portrait_ladder_hls_faststart_mp4_and_posters(
    ingest, clips, settings
):
    video = ingest(clips["vertical"], kinds={JobKind.PROBE, JobKind.TRANSCODE})

    assert video.status == VideoStatus.READY, video.status_message
    assert (video.width, video.height, video.has_audio) == (360, 640, True)
    assert len(video.sha256) == 64
    entry = video.outputs["transcode"]
    assert entry["prefix"].startswith(f"media/{video.sha256}/transcode-v1/")
    sizes = [(r["width"], r["height"]) for r in entry["rungs"]]
    assert sizes == [(144, 256), (240, 426), (360, 640)]
    for rung in entry["rungs"]:
        path = private_path(entry["prefix"] + rung["mp4"])
        info = streams(path)
        assert info["video"]["codec"] == "h264"
        assert (info["video"]["width"], info["video"]["height"]) == (
            rung["width"],
            rung["height"],
        )
        assert info["audio"] == {"codec": "aac", "rate": 48000}
        boxes = top_level_boxes(path)
        assert boxes.index("moov") < boxes.index("mdat"), boxes
    loudness = integrated_loudness(private_path(video.output_name("transcode", "mp4")))
    assert abs(loudness - settings.PUFA_MEDIA_LOUDNESS_LUFS) <= 1.0

    master = private_path(video.output_name("transcode", "hls")).read_text()
    variants = parse_master(master)
    assert [v["RESOLUTION"] for v in variants] == ["144x256", "240x426", "360x640"]
    assert all("mp4a.40.2" in v["CODECS"] for v in variants)
    for variant in variants:
        playlist = private_path(entry["prefix"] + variant["uri"])
        text = playlist.read_text()
        assert '#EXT-X-MAP:URI="init.mp4"' in text and "#EXT-X-ENDLIST" in text
        segments = [line for line in text.splitlines() if line.endswith(".m4s")]
        assert segments
        for segment in segments + ["init.mp4"]:
            assert (playlist.parent / segment).stat().st_size > 0

    assert len(entry["posters"]) == 3
    poster = streams(private_path(video.output_name("transcode", "poster")))
    assert (poster["video"]["width"], poster["video"]["height"]) == (360, 640)


def test_rotated_video_is_treated_by_its_displayed_orientation(ingest, clips):
    video = ingest(clips["rotated"], kinds={JobKind.PROBE, JobKind.TRANSCODE})

    assert video.status == VideoStatus.READY
    assert video.rotation in (90, 270)
    assert (video.width, video.height) == (360, 640)
    top = streams(private_path(video.output_name("transcode", "mp4")))
    assert (top["video"]["width"], top["video"]["height"]) == (360, 640)


def test_video_without_audio_is_transcoded_without_an_audio_track(ingest, clips):
    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})

    assert video.status == VideoStatus.READY
    assert video.has_audio is False
    top = streams(private_path(video.output_name("transcode", "mp4")))
    assert top["audio"] is None and top["video"]["codec"] == "h264"
    master = private_path(video.output_name("transcode", "hls")).read_text()
    assert all("mp4a" not in v["CODECS"] for v in parse_master(master))


def test_variable_frame_rate_input_comes_out_at_a_constant_rate(ingest, clips):
    video = ingest(clips["vfr"], kinds={JobKind.PROBE, JobKind.TRANSCODE})

    assert video.is_vfr is True
    assert "可变帧率" in video.status_message
    times = frame_times(private_path(video.output_name("transcode", "mp4")))
    deltas = {round(b - a, 3) for a, b in zip(times, times[1:], strict=False)}
    assert len(deltas) == 1, deltas


def test_ten_bit_input_comes_out_as_eight_bit_h264(ingest, clips):
    video = ingest(clips["tenbit"], kinds={JobKind.PROBE, JobKind.TRANSCODE})

    assert video.probe["pix_fmt"] == "yuv420p10le"
    top = streams(private_path(video.output_name("transcode", "mp4")))
    assert top["video"]["pix_fmt"] == "yuv420p"
    assert top["video"]["codec"] == "h264"


def test_screen_masters_are_silent_fixed_canvases_with_burned_in_subtitles(
    ingest, clips
):
    video = ingest(clips["horizontal"], subtitles=str(clips["subs"]))

    assert video.status == VideoStatus.READY, video.status_message
    landscape = private_path(video.output_name("screens", "landscape"))
    portrait = private_path(video.output_name("screens", "portrait"))
    for path, size in ((landscape, (1920, 1080)), (portrait, (1080, 1920))):
        info = streams(path)
        assert (info["video"]["width"], info["video"]["height"]) == size
        assert info["audio"] is None
        times = frame_times(path)
        assert {round(b - a, 3) for a, b in zip(times, times[1:], strict=False)} == {
            0.1
        }
    assert video.outputs["screens"]["subtitles_burned"] is True

    # The 16:9 source leaves black bars on the portrait canvas; the subtitles
    # sit in the lower bar, so light pixels there can only be burned-in text.
    with av.open(str(portrait)) as container:
        frame = next(container.decode(video=0)).to_image().convert("L")
    assert frame.crop((0, 0, 1080, 500)).getextrema()[1] < 40
    lower_bar = frame.crop((0, 1500, 1080, 1900)).getdata()
    assert sum(1 for value in lower_bar if value > 180) > 200

    vtt = private_path(video.output_name("subtitles", "vtt")).read_text()
    assert vtt.startswith("WEBVTT") and "民法典保护你的居住权" in vtt


def test_screen_master_fails_clearly_without_a_cjk_font(ingest, clips, settings):
    settings.PUFA_MEDIA_CJK_FONT = ""
    import media_pipeline.transcode as transcode

    original = transcode.subprocess.run

    def no_fonts(args, **kwargs):
        if args[0] == "fc-list":
            return original(["true"], **kwargs)
        return original(args, **kwargs)

    transcode.subprocess.run = no_fonts
    try:
        video = ingest(clips["noaudio"], subtitles=str(clips["subs"]))
    finally:
        transcode.subprocess.run = original

    screens = MediaJob.objects.get(video=video, kind=JobKind.SCREENS)
    assert screens.state == JobState.FAILED
    assert "未找到可显示中文的字体" in screens.error
    assert video.status == VideoStatus.READY
    assert "未找到可显示中文的字体" in video.status_message


def test_same_file_twice_is_transcoded_once(ingest, clips):
    first = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    second = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})

    assert second.status == VideoStatus.READY
    assert second.sha256 == first.sha256
    assert second.outputs["transcode"]["prefix"] == first.outputs["transcode"]["prefix"]


def test_failed_rerun_leaves_previous_outputs_intact(ingest, clips, settings, tmp_path):
    from media_pipeline.jobs import create_job, run_job

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    before = dict(video.outputs["transcode"])
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'Invalid data' >&2\nexit 1\n")
    broken.chmod(0o755)
    settings.PUFA_MEDIA_PROFILE_VERSION = 2
    settings.FFMPEG_BINARY = str(broken)

    job = run_job(create_job(video, JobKind.TRANSCODE).pk)

    video.refresh_from_db()
    assert job.state == JobState.FAILED and job.error_kind == "permanent"
    assert video.outputs["transcode"] == before
    assert private_path(video.output_name("transcode", "mp4")).exists()
    assert video.status == VideoStatus.READY
    assert "转码程序出错" in video.status_message


def test_rerun_with_same_profile_is_harmless(ingest, clips):
    from media_pipeline.jobs import create_job, run_job

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    before = dict(video.outputs["transcode"])

    job = run_job(create_job(video, JobKind.TRANSCODE).pk)

    video.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert video.outputs["transcode"] == before
    assert private_path(video.output_name("transcode", "hls")).exists()
