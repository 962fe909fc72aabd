"""Build the ffmpeg commands of the pipeline.

The web/app transcode is one ffmpeg process: the source is decoded once,
``split`` into the ladder (rungs named by the short side, so a 9:16 video stays
9:16) and into the ``thumbnail`` poster branch; each rung is encoded once
(H.264 + AAC) and the ``tee`` muxer writes it both as an HLS fMP4 variant and
as a faststart MP4. Loudness is normalised in two passes: ``loudness_args``
measures, the transcode applies the measurement with ``loudnorm`` in linear
mode and resamples to 48 kHz.

Screen masters (silent, fixed canvases, constant frame rate, burned-in
subtitles) and the WebVTT sidecar are separate commands.
"""

import json
import re
import subprocess
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings

from .ffmpeg import input_args

AUDIO_RATE = 48000
TRUE_PEAK = -1.5
LOUDNESS_RANGE = 11
HLS_SEGMENT_SECONDS = 4
POSTER_CANDIDATES = 3
# The thumbnail filter holds a whole batch of frames in memory to pick one, so
# the poster branch is decimated and scaled first: at most this many frames of
# the top rung's size are held, whatever the clip's length and resolution.
POSTER_BATCH_FRAMES = 100
SCREEN_CANVASES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


class NoCJKFont(Exception):
    """No font able to render Chinese is installed."""


@dataclass(frozen=True)
class Rung:
    short_side: int
    width: int
    height: int

    @property
    def name(self) -> str:
        return f"{self.short_side}p"

    @property
    def video_kbps(self) -> int:
        # About 0.1 bit per pixel at 30 fps, the usual budget for talking heads.
        return max(300, int(round(self.width * self.height * 30 * 0.1 / 10000)) * 10)

    @property
    def audio_kbps(self) -> int:
        return 96 if self.short_side < 540 else 128


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def ladder(display_width: int, display_height: int) -> list[Rung]:
    """Return the rungs for a source, never upscaling; at least one rung."""
    short = min(display_width, display_height)
    portrait = display_height > display_width
    sides = [s for s in settings.PUFA_MEDIA_LADDER if s <= short] or [_even(short)]
    rungs = []
    for side in sorted(set(sides)):
        long_side = _even(side * max(display_width, display_height) / short)
        width, height = (side, long_side) if portrait else (long_side, side)
        rungs.append(Rung(side, width, height))
    return rungs


def output_frame_rate(source_rate: float) -> int:
    return max(1, min(settings.PUFA_MEDIA_MAX_FPS, round(source_rate or 25)))


def loudness_args(source: str) -> list[str]:
    """Arguments of the first loudnorm pass (measurement only)."""
    target = settings.PUFA_MEDIA_LOUDNESS_LUFS
    loudnorm = (
        f"loudnorm=I={target}:TP={TRUE_PEAK}:LRA={LOUDNESS_RANGE}:print_format=json"
    )
    return [*input_args(source), "-map", "0:a:0", "-af", loudnorm, "-f", "null", "-"]


def parse_loudness(stderr: str) -> dict:
    """Return the JSON block that loudnorm prints at the end of a pass."""
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr, re.S)
    if not match:
        raise ValueError("loudnorm printed no measurement")
    return json.loads(match.group(0))


def _audio_filter(measured: dict | None) -> str:
    target = settings.PUFA_MEDIA_LOUDNESS_LUFS
    chain = f"loudnorm=I={target}:TP={TRUE_PEAK}:LRA={LOUDNESS_RANGE}"
    if measured and _finite(measured.get("input_i")):
        chain += (
            f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
            f":measured_LRA={measured['input_lra']}"
            f":measured_thresh={measured['input_thresh']}"
            f":offset={measured['target_offset']}:linear=true"
        )
    return f"{chain},aresample={AUDIO_RATE}"


def _finite(value) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return number not in (float("inf"), float("-inf")) and number == number


def poster_sampling(duration: float, frame_rate: int) -> tuple[str, int]:
    """Return the poster branch's sampling rate and thumbnail batch size.

    Each of the POSTER_CANDIDATES batches covers a third of the clip and holds
    at most POSTER_BATCH_FRAMES frames.
    """
    budget = Fraction(POSTER_BATCH_FRAMES * POSTER_CANDIDATES)
    seconds = Fraction(max(duration, 1.0)).limit_denominator(1000)
    rate = min(Fraction(frame_rate), budget / seconds)
    frames = max(1, min(POSTER_BATCH_FRAMES, int(seconds * rate / POSTER_CANDIDATES)))
    return f"{rate.numerator}/{rate.denominator}", frames


def transcode_args(
    source: str,
    rungs: list[Rung],
    *,
    frame_rate: int,
    duration: float,
    has_audio: bool,
    measured: dict | None,
) -> list[str]:
    """Arguments of the one-process transcode, relative to the output folder."""
    count = len(rungs)
    branches = "".join(f"[v{i}]" for i in range(count))
    graph = [f"[0:v:0]fps={frame_rate},split={count + 1}{branches}[vp]"]
    for i, rung in enumerate(rungs):
        graph.append(
            f"[v{i}]scale={rung.width}:{rung.height}:flags=bicubic,"
            f"setsar=1,format=yuv420p[o{i}]"
        )
    sample_rate, frames = poster_sampling(duration, frame_rate)
    top = rungs[-1]
    graph.append(
        f"[vp]fps={sample_rate},scale={top.width}:{top.height},"
        f"thumbnail=n={frames},setsar=1,format=yuvj420p[poster]"
    )
    if has_audio:
        audio_branches = "".join(f"[a{i}]" for i in range(count))
        graph.append(f"[0:a:0]{_audio_filter(measured)},asplit={count}{audio_branches}")

    args = [*input_args(source), "-filter_complex", ";".join(graph)]
    gop = frame_rate * 2
    for i, rung in enumerate(rungs):
        args += ["-map", f"[o{i}]"]
        if has_audio:
            args += ["-map", f"[a{i}]"]
        args += _video_codec_args(rung, gop)
        if has_audio:
            args += [
                "-c:a",
                "aac",
                "-b:a",
                f"{rung.audio_kbps}k",
                "-ar",
                str(AUDIO_RATE),
            ]
        args += ["-f", "tee", _tee_target(rung)]
    args += [
        "-map",
        "[poster]",
        "-fps_mode",
        "vfr",
        "-frames:v",
        str(POSTER_CANDIDATES),
        "-q:v",
        "3",
        "poster-%d.jpg",
    ]
    return args


def _video_codec_args(rung: Rung, gop: int) -> list[str]:
    kbps = rung.video_kbps
    return [
        "-c:v",
        "libx264",
        "-preset",
        settings.PUFA_MEDIA_X264_PRESET,
        "-profile:v",
        "high",
        "-crf",
        "23",
        "-maxrate",
        f"{kbps}k",
        "-bufsize",
        f"{kbps * 2}k",
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        "-flags",
        "+global_header",
    ]


def _tee_target(rung: Rung) -> str:
    name = rung.name
    hls = (
        f"[f=hls:hls_time={HLS_SEGMENT_SECONDS}:hls_playlist_type=vod"
        f":hls_segment_type=fmp4:hls_fmp4_init_filename=init.mp4"
        f":hls_segment_filename={name}/seg-%03d.m4s]{name}/index.m3u8"
    )
    mp4 = f"[f=mp4:movflags=+faststart]{name}.mp4"
    return f"{hls}|{mp4}"


def master_playlist(rungs: list[Rung], has_audio: bool, frame_rate: int) -> str:
    """Return an HLS master playlist naming every rung's variant playlist."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in rungs:
        bandwidth = (rung.video_kbps + (rung.audio_kbps if has_audio else 0)) * 1000
        codecs = "avc1.640028" + (",mp4a.40.2" if has_audio else "")
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},"
            f"RESOLUTION={rung.width}x{rung.height},"
            f'FRAME-RATE={frame_rate:.3f},CODECS="{codecs}"'
        )
        lines.append(f"{rung.name}/index.m3u8")
    return "\n".join(lines) + "\n"


def find_cjk_font() -> str:
    """Return the path of a font that renders Simplified Chinese."""
    if settings.PUFA_MEDIA_CJK_FONT:
        return settings.PUFA_MEDIA_CJK_FONT
    try:
        listing = subprocess.run(
            ["fc-list", ":lang=zh-cn", "-f", "%{file}\n"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        listing = ""
    files = sorted({line.strip() for line in listing.splitlines() if line.strip()})
    if not files:
        raise NoCJKFont(
            "未找到可显示中文的字体（请安装 fonts-noto-cjk），无法烧录字幕。"
        )
    sans = [name for name in files if "Sans" in name and "Bold" not in name]
    return (sans or files)[0]


def _font_family(path: str) -> str:
    if "NotoSansCJK" in path or "NotoSerifCJK" in path:
        return "Noto Serif CJK SC" if "Serif" in path else "Noto Sans CJK SC"
    result = subprocess.run(
        ["fc-scan", "--format", "%{family[0]}", path],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stdout.strip() or "sans-serif"


def screen_master_args(
    source: str, subtitles: str | None, font_path: str | None
) -> list[str]:
    """Arguments of the silent screen masters, both canvases in one process."""
    fps = settings.PUFA_MEDIA_SCREEN_FPS
    graph = [f"[0:v:0]fps={fps},split=2[sl][sp]"]
    for label, (width, height) in (
        ("l", SCREEN_CANVASES["landscape"]),
        ("p", SCREEN_CANVASES["portrait"]),
    ):
        chain = (
            f"[s{label}]scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:black,setsar=1"
        )
        if subtitles:
            chain += "," + _subtitles_filter(subtitles, font_path, height)
        graph.append(f"{chain},format=yuv420p[m{label}]")
    args = [*input_args(source), "-filter_complex", ";".join(graph)]
    for label, name in (("l", "landscape"), ("p", "portrait")):
        args += [
            "-map",
            f"[m{label}]",
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            settings.PUFA_MEDIA_X264_PRESET,
            "-crf",
            "20",
            "-r",
            str(fps),
            "-fps_mode",
            "cfr",
            "-g",
            str(fps * 2),
            "-movflags",
            "+faststart",
            f"{name}.mp4",
        ]
    return args


def _subtitles_filter(subtitles: str, font_path: str, canvas_height: int) -> str:
    import os

    family = _font_family(font_path)
    # libass scales styles to a 288-line script; keep text about 1/18 of height.
    size = 20 if canvas_height <= 1080 else 12
    style = f"FontName={family},FontSize={size},Outline=2,MarginV=24"
    fontsdir = os.path.dirname(font_path)
    return (
        f"subtitles=filename={_escape(subtitles)}:fontsdir={_escape(fontsdir)}"
        f":force_style='{style}'"
    )


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def webvtt_args(subtitles: str) -> list[str]:
    return [
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        "srt,webvtt",
        "-i",
        subtitles,
        "-map",
        "0:s:0",
        "-c:s",
        "webvtt",
        "-f",
        "webvtt",
        "sub.vtt",
    ]
