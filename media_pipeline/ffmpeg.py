"""Run ffmpeg under supervision.

Every ffmpeg process runs in its own process group, dies with its parent
(``PR_SET_PDEATHSIG``), reports progress through ``-progress pipe:1`` and is
killed as a group on timeout or when the caller's ``on_progress`` callback
returns False (a cancel, or a lost lease).
"""

import ctypes
import logging
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger("pufa.media")

# Only local files are ever opened, and only these container formats.
INPUT_PROTOCOLS = "file"
INPUT_FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,mpegts,avi,flv"
_PR_SET_PDEATHSIG = 1


class FFmpegError(Exception):
    """ffmpeg exited with an error; ``stderr_tail`` holds its last words."""

    def __init__(self, message: str, stderr_tail: str = "", transient: bool = False):
        super().__init__(message)
        self.stderr_tail = stderr_tail
        self.transient = transient


class FFmpegCancelled(Exception):
    """The run was stopped because the job was cancelled or lost its lease."""


def ffmpeg_binary() -> str:
    if settings.FFMPEG_BINARY:
        return settings.FFMPEG_BINARY
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def input_args(path: str) -> list[str]:
    """Return the guarded input arguments for one local file."""
    return [
        "-protocol_whitelist",
        INPUT_PROTOCOLS,
        "-format_whitelist",
        INPUT_FORMATS,
        "-i",
        path,
    ]


def _child_setup():
    os.setpgrp()
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


@dataclass
class RunResult:
    stderr: str
    seconds: float


def run(
    args: list[str],
    *,
    duration: float | None = None,
    on_progress: Callable[[float], bool] | None = None,
    timeout: float | None = None,
    cwd: str | None = None,
) -> RunResult:
    """Run ffmpeg with ``args``; report progress in [0, 1]; raise on failure."""
    command = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y"]
    if on_progress is not None:
        command += ["-progress", "pipe:1", "-nostats"]
    command += args
    timeout = timeout or settings.PUFA_MEDIA_JOB_TIMEOUT
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_child_setup,
        cwd=cwd,
    )
    stderr_chunks: list[bytes] = []
    try:
        _supervise(process, stderr_chunks, duration, on_progress, started, timeout)
    except BaseException:
        _kill_group(process)
        raise
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")
    if process.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-8:])
        # Signals other than ours and out-of-resource exits are worth a retry.
        transient = process.returncode < 0 or "No space left" in stderr
        raise FFmpegError(
            f"ffmpeg exited with {process.returncode}", tail, transient=transient
        )
    return RunResult(stderr=stderr, seconds=time.monotonic() - started)


def _supervise(process, stderr_chunks, duration, on_progress, started, timeout):
    streams = {process.stdout.fileno(): "out", process.stderr.fileno(): "err"}
    pending = b""
    while streams:
        if time.monotonic() - started > timeout:
            raise FFmpegError("ffmpeg timed out", transient=True)
        ready, _, _ = select.select(list(streams), [], [], 1.0)
        for fd in ready:
            data = os.read(fd, 65536)
            if not data:
                del streams[fd]
                continue
            if streams[fd] == "err":
                stderr_chunks.append(data)
                continue
            pending += data
            *lines, pending = pending.split(b"\n")
            fraction = _progress_from(lines, duration)
            if fraction is not None and on_progress and not on_progress(fraction):
                raise FFmpegCancelled()
        if not ready and on_progress and not on_progress(-1.0):
            raise FFmpegCancelled()
    process.wait()


def _progress_from(lines: list[bytes], duration: float | None) -> float | None:
    fraction = None
    for line in lines:
        key, _, value = line.decode("ascii", "replace").partition("=")
        if key == "out_time_us" and duration and value.strip().lstrip("-").isdigit():
            fraction = max(0.0, min(1.0, int(value) / 1e6 / duration))
        elif key == "progress" and value.strip() == "end":
            fraction = 1.0
    return fraction


def _kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    logger.info("killed ffmpeg process group pgid=%s", process.pid)
