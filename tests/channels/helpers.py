"""Helpers of the channel tests: the ninjs validator and a small playable MP4."""

import json
import subprocess
from functools import lru_cache
from pathlib import Path

SPECS = Path("/work/shared/specs/iptc")
if not SPECS.exists():
    SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs" / "iptc"


@lru_cache(maxsize=1)
def ninjs_validator():
    """Return a validator of ninjs 3.1 with its GeoJSON reference resolved offline."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schema = json.loads((SPECS / "ninjs-schema_3.1.json").read_text())
    geojson = json.loads(
        (Path(__file__).parent / "schemas" / "GeoJSON.json").read_text()
    )
    registry = Registry().with_resource(
        "https://geojson.org/schema/GeoJSON.json",
        Resource.from_contents(geojson, default_specification=DRAFT202012),
    )
    return Draft202012Validator(
        schema, registry=registry, format_checker=FormatChecker()
    )


def assert_ninjs(document):
    errors = sorted(ninjs_validator().iter_errors(document), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def make_mp4(path: Path, seconds=1):
    import imageio_ffmpeg
    from django.conf import settings

    binary = settings.FFMPEG_BINARY or imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run(
        [
            binary,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=160x120:rate=10:duration={seconds}",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
    )
    return path
