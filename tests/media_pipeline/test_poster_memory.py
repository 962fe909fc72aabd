"""The poster branch holds a bounded number of frames, whatever the clip."""

import re
from fractions import Fraction

import pytest

from media_pipeline import transcode


def _poster_branch(duration, frame_rate=30):
    args = transcode.transcode_args(
        "/tmp/source.mp4",
        transcode.ladder(1080, 1920),
        frame_rate=frame_rate,
        duration=duration,
        has_audio=False,
        measured=None,
    )
    graph = args[args.index("-filter_complex") + 1]
    branch = next(part for part in graph.split(";") if part.startswith("[vp]"))
    match = re.match(
        r"\[vp\]fps=(?P<rate>[\d/]+),scale=(?P<w>\d+):(?P<h>\d+),thumbnail=n=(?P<n>\d+),",
        branch,
    )
    assert match, branch
    return Fraction(match["rate"]), int(match["n"]), (int(match["w"]), int(match["h"]))


@pytest.mark.parametrize("duration", [2.0, 15.0, 180.0, 600.0])
def test_thumbnail_batches_stay_small_and_cover_the_clip(duration):
    rate, batch, size = _poster_branch(duration)

    # At most 100 frames of the top rung, not of the 1080x1920 source, are held.
    top = transcode.ladder(1080, 1920)[-1]
    assert batch <= transcode.POSTER_BATCH_FRAMES
    assert size == (top.width, top.height) and top.width < 1080
    assert rate <= 30
    # The three candidates are picked from batches spanning the whole clip.
    covered = batch * transcode.POSTER_CANDIDATES / rate
    assert covered == pytest.approx(duration, rel=0.05, abs=0.2)
