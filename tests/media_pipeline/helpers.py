"""Assertions on pipeline outputs, made by probing the files themselves."""

import json
import re
import struct
import subprocess
from pathlib import Path

import av

from .conftest import ffmpeg_exe


def private_path(name: str) -> Path:
    from media_pipeline.storage import private_storage

    return Path(private_storage().path(name))


def streams(path) -> dict:
    with av.open(str(path)) as container:
        info = {"format": container.format.name, "video": None, "audio": None}
        if container.streams.video:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            info["video"] = {
                "codec": ctx.name,
                "width": ctx.width,
                "height": ctx.height,
                "pix_fmt": ctx.pix_fmt,
                "profile": stream.profile,
            }
        if container.streams.audio:
            ctx = container.streams.audio[0].codec_context
            info["audio"] = {"codec": ctx.name, "rate": ctx.sample_rate}
    return info


def frame_times(path) -> list[float]:
    with av.open(str(path)) as container:
        return sorted(
            float(frame.pts * frame.time_base) for frame in container.decode(video=0)
        )


def top_level_boxes(path) -> list[str]:
    boxes = []
    with open(path, "rb") as handle:
        while header := handle.read(8):
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0]
                handle.seek(size - 16, 1)
            else:
                handle.seek(size - 8, 1)
            boxes.append(kind.decode("latin-1"))
            if size == 0:
                break
    return boxes


def integrated_loudness(path) -> float:
    result = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            "loudnorm=print_format=json",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    block = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", result.stderr, re.S).group(0)
    return float(json.loads(block)["input_i"])


def parse_master(text: str) -> list[dict]:
    """Return the variants of an HLS master playlist; assert its basic shape."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0] == "#EXTM3U"
    variants = []
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(
                re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])
            )
            uri = lines[index + 1]
            assert not uri.startswith("#")
            variants.append({**attributes, "uri": uri})
    return variants
