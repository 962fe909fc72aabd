"""Decide what an uploaded file is, from its content only.

``sniff`` looks at the first bytes (cheap, run when an upload completes);
``probe`` opens the file with PyAV under protocol and format allow lists and
decodes every frame. Both raise :class:`Rejected` with a message in Chinese
that the uploader sees as it is.
"""

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import av
from django.conf import settings

from .ffmpeg import INPUT_FORMATS, INPUT_PROTOCOLS

logger = logging.getLogger("pufa.media")

VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video", "prores"}
AUDIO_CODECS = {"aac", "mp3", "opus", "vorbis", "ac3", "eac3", "flac", "alac"}
AUDIO_CODECS |= {"pcm_s16le", "pcm_s24le", "pcm_f32le", "amr_nb", "amr_wb"}
HDR_TRANSFERS = {"smpte2084", "arib-std-b67"}
MIN_DIMENSION = 64
MAX_ASPECT = 4.0

_TEXT_PREFIXES = (b"#EXTM3U", b"ffconcat", b"<?xml", b"<smil", b"[playlist]", b"<")
_IMAGE_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)


class Rejected(Exception):
    """The file is not a video Pufa accepts; ``str(exc)`` is the reason."""


@dataclass
class ProbeResult:
    container: str
    video_codec: str
    audio_codec: str
    width: int
    height: int
    rotation: int
    duration: float
    frame_rate: float
    is_vfr: bool
    is_hdr: bool
    pix_fmt: str
    has_audio: bool
    frames: int
    warnings: list[str] = field(default_factory=list)

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height after the rotation is applied."""
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    def as_dict(self) -> dict:
        return asdict(self)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sniff(head: bytes) -> None:
    """Refuse files whose first bytes show they are not a video container."""
    if not head:
        raise Rejected("文件为空。")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"#EXTM3U") or b"#EXT-X-" in head:
        raise Rejected("这是一个 HLS 播放列表，不是视频文件，已拒绝。")
    if stripped.startswith(_TEXT_PREFIXES) or _looks_like_text(head):
        raise Rejected("这是一个文本文件，不是视频文件，已拒绝。")
    if head.startswith(_IMAGE_MAGIC) or head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        raise Rejected("这是一张图片，不是视频文件，已拒绝。")


def _looks_like_text(head: bytes) -> bool:
    sample = head[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(sample) - 3
    return True


def probe(path: str, on_progress=None) -> ProbeResult:
    """Open, check and fully decode ``path``; raise :class:`Rejected` if unfit.

    ``on_progress`` is called with the decoded fraction of the declared
    duration while the decode runs; a False answer stops the probe with
    :class:`Abandoned`.
    """
    with open(path, "rb") as handle:
        sniff(handle.read(4096))
    try:
        container = av.open(
            path,
            options={
                "protocol_whitelist": INPUT_PROTOCOLS,
                "format_whitelist": INPUT_FORMATS,
            },
        )
    except av.error.FFmpegError as exc:
        logger.info("probe could not open file error=%s", exc.__class__.__name__)
        raise Rejected("无法识别该文件：格式不受支持，或文件已损坏、不完整。") from None
    with container:
        return _inspect(container, on_progress or (lambda fraction: True))


class Abandoned(Exception):
    """The caller asked the probe to stop (its job is no longer its own)."""


def _inspect(container, on_progress) -> ProbeResult:
    if not container.streams.video:
        raise Rejected("文件中没有视频画面。")
    stream = container.streams.video[0]
    codec = stream.codec_context
    if codec.name not in VIDEO_CODECS:
        raise Rejected(f"不支持的视频编码：{codec.name}。")
    width, height = codec.width, codec.height
    _check_dimensions(width, height)
    audio = container.streams.audio[0] if container.streams.audio else None
    if audio is not None and audio.codec_context.name not in AUDIO_CODECS:
        raise Rejected(f"不支持的音频编码：{audio.codec_context.name}。")
    declared = _declared_duration(container, stream)
    if declared > settings.PUFA_MEDIA_MAX_SECONDS + 1:
        _check_duration(declared, 0.0)  # Too long already by its own account.

    decoded = _decode_all(container, stream, declared, on_progress)
    duration = decoded["duration"] or declared
    _check_duration(duration, declared)
    if decoded["errors"]:
        raise Rejected(f"文件已损坏：解码时发现 {decoded['errors']} 处错误。")
    rate = _frame_rate(stream, decoded)
    trc = str(codec.color_trc) if codec.color_trc is not None else ""
    result = ProbeResult(
        container=container.format.name,
        video_codec=codec.name,
        audio_codec=audio.codec_context.name if audio is not None else "",
        width=width,
        height=height,
        rotation=decoded["rotation"],
        duration=round(duration, 3),
        frame_rate=round(rate, 3),
        is_vfr=decoded["vfr"],
        is_hdr=_is_hdr(codec, trc),
        pix_fmt=codec.pix_fmt or "",
        has_audio=audio is not None,
        frames=decoded["frames"],
    )
    if result.is_vfr:
        result.warnings.append("可变帧率，将转为恒定帧率。")
    if result.is_hdr:
        result.warnings.append("HDR 视频，将按标准动态范围输出，颜色可能偏暗。")
    return result


def _check_dimensions(width, height):
    limit = settings.PUFA_MEDIA_MAX_DIMENSION
    if not width or not height or min(width, height) < MIN_DIMENSION:
        raise Rejected(f"画面尺寸过小（{width}×{height}）。")
    if max(width, height) > limit:
        raise Rejected(f"画面尺寸过大（{width}×{height}），最大边长为 {limit}。")
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise Rejected(f"画面比例异常（{width}×{height}）。")


def _declared_duration(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return 0.0


def _check_duration(duration, declared):
    if duration <= 0:
        raise Rejected("无法读取视频时长，文件可能已损坏。")
    if declared and duration < declared * 0.9 - 0.5:
        raise Rejected("文件不完整：可解码的内容比声明的时长短，可能上传中断。")
    if duration < settings.PUFA_MEDIA_MIN_SECONDS:
        raise Rejected(f"视频太短（{duration:.1f} 秒）。")
    if duration > settings.PUFA_MEDIA_MAX_SECONDS:
        limit = settings.PUFA_MEDIA_MAX_SECONDS
        raise Rejected(f"视频太长（{duration:.0f} 秒），最长 {limit:.0f} 秒。")


def _decode_all(container, stream, declared: float, on_progress) -> dict:
    """Decode every video frame; measure real duration, rotation and VFR.

    Decoding stops as soon as the frames run past the longest allowed video,
    whatever the file declares.
    """
    stream.thread_type = "AUTO"
    times, rotation, errors = [], 0, 0
    longest = settings.PUFA_MEDIA_MAX_SECONDS + 1
    try:
        for packet in container.demux(stream):
            if packet.is_corrupt:
                errors += 1
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                errors += 1
                continue
            for frame in frames:
                if not times:
                    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
                if frame.time is not None:
                    times.append(frame.time)
            if times and times[-1] - times[0] > longest:
                break
            if times and declared and not on_progress(min(times[-1] / declared, 1.0)):
                raise Abandoned()
    except av.error.FFmpegError:
        raise Rejected("文件已损坏：解码失败。") from None
    if not times:
        raise Rejected("文件已损坏：没有可解码的画面。")
    times.sort()
    deltas = [b - a for a, b in zip(times, times[1:], strict=False) if b > a]
    mean = sum(deltas) / len(deltas) if deltas else 0.0
    vfr = bool(deltas) and any(abs(d - mean) > mean * 0.25 for d in deltas)
    duration = times[-1] - times[0] + (mean or 0.0)
    # Rotation is counter-clockwise in the display matrix; keep it a right angle.
    rotation = (round(rotation / 90) * 90) % 360
    return {
        "duration": duration,
        "rotation": rotation,
        "vfr": vfr,
        "frames": len(times),
        "errors": errors,
    }


def _frame_rate(stream, decoded) -> float:
    rate = stream.average_rate or stream.guessed_rate
    if rate:
        return float(Fraction(rate))
    return decoded["frames"] / decoded["duration"] if decoded["duration"] else 25.0


def _is_hdr(codec, trc: str) -> bool:
    trc = trc.lower()
    return any(name in trc for name in HDR_TRANSFERS) or trc in {"16", "18"}
