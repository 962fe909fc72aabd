"""Fixtures of the media pipeline: hostile and friendly clips made with lavfi.

Clips are generated once per session and kept short and small; the ladder and
the encoder preset are turned down so transcodes take about a second.
"""

import itertools
import os
import random
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

_caches = itertools.count(1)

TEST_MEDIA_SETTINGS = {
    "PUFA_MEDIA_LADDER": [144, 240, 360],
    "PUFA_MEDIA_X264_PRESET": "ultrafast",
    "PUFA_MEDIA_SCREEN_FPS": 10,
    "PUFA_MEDIA_MAX_FPS": 25,
}


def ffmpeg_exe():
    import imageio_ffmpeg

    return os.environ.get("FFMPEG_BINARY") or imageio_ffmpeg.get_ffmpeg_exe()


def _ff(*args):
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", *args], check=True, capture_output=True
    )


def _source(size, seconds, rate=25, audio=True, volume_db=-30):
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:d={seconds}:r={rate}"]
    if audio:
        # A quiet tone, so loudness normalisation has real work to do.
        args += [
            "-f",
            "lavfi",
            "-i",
            f"sine=f=440:d={seconds}:sample_rate=44100,volume={volume_db}dB",
        ]
    return args


def _png_bomb(path: Path, side=30000):
    """A tiny PNG declaring side×side pixels of 1-bit black."""
    row = b"\x00" + b"\x00" * (side // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()

    def chunk(kind, payload):
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    x264 = ["-c:v", "libx264", "-preset", "ultrafast"]
    aac = ["-c:a", "aac", "-shortest"]
    paths = {}

    def out(name):
        paths[name.split(".")[0]] = folder / name
        return str(folder / name)

    _ff(
        *_source("360x640", 3),
        *x264,
        *aac,
        "-movflags",
        "+faststart",
        out("vertical.mp4"),
    )
    _ff(*_source("640x360", 2), *x264, *aac, out("horizontal.mp4"))
    _ff(
        "-display_rotation",
        "90",
        "-i",
        paths["horizontal"],
        "-c",
        "copy",
        out("rotated.mp4"),
    )
    _ff(*_source("320x480", 2, audio=False), *x264, out("noaudio.mp4"))
    _ff(
        *_source("320x240", 3, rate=30, audio=False),
        "-vf",
        "setpts='if(lt(N,30),N/30,1+(N-30)/10)/TB'",
        *x264,
        "-fps_mode",
        "passthrough",
        out("vfr.mkv"),
    )
    _ff(
        *_source("320x240", 2, audio=False),
        *x264,
        "-pix_fmt",
        "yuv420p10le",
        out("tenbit.mp4"),
    )
    _ff(*_source("320x240", 3), *x264, *aac, "-movflags", "+faststart", out("long.mp4"))

    data = bytearray(paths["long"].read_bytes())
    rng = random.Random(4)
    for index in range(len(data) // 3, len(data) // 3 + 4000):
        data[index] = rng.randrange(256)
    Path(out("corrupt.mp4")).write_bytes(bytes(data))
    whole = paths["long"].read_bytes()
    Path(out("truncated.mp4")).write_bytes(whole[: len(whole) * 6 // 10])
    Path(out("text.mp4")).write_text(
        "这不是视频，只是一段文字。\n" * 20, encoding="utf-8"
    )
    Path(out("playlist.mp4")).write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile:///etc/passwd\n"
        "#EXT-X-ENDLIST\n",
        encoding="utf-8",
    )
    _png_bomb(Path(out("bomb.mp4")))
    Path(out("subs.srt")).write_text(
        "1\n00:00:00,000 --> 00:00:02,500\n民法典保护你的居住权\n", encoding="utf-8"
    )
    return paths


@pytest.fixture(autouse=True)
def _fast_media(settings):
    for name, value in TEST_MEDIA_SETTINGS.items():
        setattr(settings, name, value)


@pytest.fixture(autouse=True)
def _isolated_media_cache(settings):
    """Give each test an empty media cache (remembered refusals) of its own."""
    settings.CACHES = {
        **settings.CACHES,
        "media": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"pufa-media-{next(_caches)}",
        },
    }


@pytest.fixture
def uploader(make_user):
    return make_user(groups=["自媒体创作者"])


@pytest.fixture
def editor(make_user):
    return make_user(groups=["编辑"])


def drain(kinds=None):
    """Run every queued job in this process, as a worker would."""
    from media_pipeline.jobs import cancel_job, run_job
    from media_pipeline.models import JobState, MediaJob

    ran = []
    while True:
        job = MediaJob.objects.filter(state=JobState.QUEUED).order_by("id").first()
        if job is None:
            return ran
        if kinds is not None and job.kind not in kinds:
            cancel_job(job)
            continue
        ran.append(run_job(job.pk))


@pytest.fixture
def ingest(uploader):
    """Upload a file and run its jobs; return the video, or a refused one's id."""
    from media_pipeline.models import Video
    from media_pipeline.uploads import ingest_file

    def run(path, kinds=None, subtitles=None, user=None):
        video = ingest_file(str(path), user or uploader, subtitles=subtitles)
        drain(kinds)
        current = Video.objects.filter(pk=video.pk).first()
        return current if current is not None else video.pk

    return run


def stored_files(root) -> list[str]:
    root = Path(root)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
