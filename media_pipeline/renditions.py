"""Per-channel image renditions.

Each channel wants its own form of an item's images; they are made when the
item is approved (by ``cms.media_publishing``), not on first view, and stored
in public storage as :class:`~media_pipeline.models.ChannelRendition` rows
keyed by (image id, profile, source key).

API for the channel adapters::

    from media_pipeline.renditions import channel_rendition

    rendition = channel_rendition(image, "wechat_thumb")  # any Wagtail image
    rendition.url, rendition.open(), rendition.width, rendition.height

``channel_rendition`` makes the rendition if it is missing (for images added
before this code existed); the profiles are the keys of :data:`PROFILES`.
The functions below the API take a file and a focal point and return bytes, so
this module never needs the cms image model.
"""

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image, ImageCms, ImageOps

from .models import ChannelRendition
from .storage import delete_names, public_storage

logger = logging.getLogger("pufa.media")

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


@dataclass(frozen=True)
class Profile:
    width: int | None
    height: int | None
    max_bytes: int | None = None
    quality: int = 85
    icc: bool = False


PROFILES = {
    "wechat_cover": Profile(900, 383),
    "wechat_square": Profile(640, 640),
    "wechat_thumb": Profile(900, 383, max_bytes=64 * 1024, quality=80),
    "app_16x9": Profile(1280, 720),
    "app_4x3": Profile(1024, 768),
    "screen_landscape": Profile(1920, 1080, quality=90),
    "screen_portrait": Profile(1080, 1920, quality=90),
    "newspaper": Profile(None, None, quality=95, icc=True),
}


class ImageRejected(Exception):
    """The image may not be used; ``str(exc)`` says why, in Chinese."""


@dataclass
class RenderedImage:
    content: bytes
    width: int
    height: int


def open_image(source) -> Image.Image:
    """Open an image under the bomb limit and the format allow list."""
    try:
        with warnings.catch_warnings():
            # Past MAX_IMAGE_PIXELS Pillow only warns; treat it as the error it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
            if image.format not in ALLOWED_IMAGE_FORMATS:
                raise ImageRejected(f"不支持的图片格式：{image.format}。")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("图片像素过多，可能是恶意构造的文件，已拒绝。") from None
    except ImageRejected:
        raise
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("无法读取该图片，文件可能已损坏。") from None
    return image


def validate_image(source) -> str:
    """Check an uploaded image; return its format or raise ImageRejected."""
    image = open_image(source)
    if hasattr(source, "seek"):
        source.seek(0)
    return image.format


def crop_box(size, ratio: float, focal=None) -> tuple[int, int, int, int]:
    """Return the largest box of ``ratio`` (w/h) centred on the focal point."""
    width, height = size
    if width / height > ratio:
        crop_w, crop_h = round(height * ratio), height
    else:
        crop_w, crop_h = width, round(width / ratio)
    if focal:
        left, top, right, bottom = focal
        cx, cy = (left + right) / 2, (top + bottom) / 2
    else:
        cx, cy = width / 2, height / 2
    x = min(max(0, round(cx - crop_w / 2)), width - crop_w)
    y = min(max(0, round(cy - crop_h / 2)), height - crop_h)
    return x, y, x + crop_w, y + crop_h


def render(source, profile_name: str, focal=None) -> RenderedImage:
    """Render one profile from a file or Pillow image; focal is (l, t, r, b)."""
    profile = PROFILES[profile_name]
    image = source if isinstance(source, Image.Image) else open_image(source)
    image = ImageOps.exif_transpose(image)
    image, icc = _to_rgb(image, keep_profile=profile.icc)
    if profile.width and profile.height:
        box = crop_box(image.size, profile.width / profile.height, focal)
        image = image.crop(box).resize(
            (profile.width, profile.height), Image.Resampling.LANCZOS
        )
    if profile.icc and not icc:
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    content = _encode(image, profile, icc if profile.icc else None)
    if profile.max_bytes:
        image, content = _fit_bytes(image, profile)
    return RenderedImage(content=content, width=image.width, height=image.height)


_SRGB = ImageCms.createProfile("sRGB")


def _to_rgb(image: Image.Image, keep_profile: bool) -> tuple[Image.Image, bytes | None]:
    """Return the picture in RGB and the ICC profile that now describes it.

    A CMYK picture (print artwork) is converted through its own profile to
    sRGB, never left with the CMYK profile attached. An RGB picture keeps its
    profile when ``keep_profile`` (print wants the full gamut); otherwise it
    is converted to sRGB, which is what screens and WeChat assume. Other
    modes (grey, palette) carry no usable RGB profile and become plain sRGB.
    """
    icc = image.info.get("icc_profile") or None
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
        icc = icc if image.mode == "RGB" and _is_rgb_profile(icc) else None
    elif image.mode == "CMYK":
        converted = _icc_to_srgb(image, icc) if icc else None
        return converted or image.convert("RGB"), None
    elif image.mode != "RGB":
        return image.convert("RGB"), None
    if not icc or not _is_rgb_profile(icc):
        return image, None
    if keep_profile:
        return image, icc
    return _icc_to_srgb(image, icc) or image, None


def _is_rgb_profile(icc: bytes | None) -> bool:
    # The colour space signature sits at bytes 16-20 of an ICC header.
    return bool(icc) and len(icc) >= 20 and icc[16:20] == b"RGB "


def _icc_to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(
            image,
            source,
            _SRGB,
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        logger.info("unusable ICC profile; converting without it")
        return None


def _encode(image, profile: Profile, icc: bytes | None, quality=None) -> bytes:
    buffer = io.BytesIO()
    options = {"quality": quality or profile.quality, "optimize": True}
    if icc:
        options["icc_profile"] = icc
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _fit_bytes(image, profile: Profile):
    """Lower quality, then size, until the JPEG fits ``profile.max_bytes``."""
    current = image
    while True:
        for quality in (profile.quality, 70, 60, 50, 40):
            content = _encode(current, profile, None, quality)
            if len(content) <= profile.max_bytes:
                return current, content
        size = (max(1, round(current.width * 0.8)), max(1, round(current.height * 0.8)))
        current = current.resize(size, Image.Resampling.LANCZOS)


# -- the API for channels ----------------------------------------------------


def _focal(image):
    getter = getattr(image, "get_focal_point", None)
    rect = getter() if getter else None
    if rect is None:
        return None
    return (rect.left, rect.top, rect.right, rect.bottom)


def _source_key(image) -> str:
    raw = f"{image.file.name}|{_focal(image)}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def channel_rendition(image, profile: str) -> ChannelRendition:
    """Return the rendition of ``image`` for ``profile``, making it if missing."""
    if profile not in PROFILES:
        raise KeyError(profile)
    key = _source_key(image)
    existing = ChannelRendition.objects.filter(
        image_id=image.pk, profile=profile, source_key=key
    ).first()
    if existing:
        return existing
    with image.file.open("rb") as handle:
        rendered = render(handle, profile, _focal(image))
    storage = public_storage()
    name = storage.save(
        f"renditions/{image.pk}/{profile}-{key[:12]}.jpg", ContentFile(rendered.content)
    )
    try:
        with transaction.atomic():
            rendition = ChannelRendition.objects.create(
                image_id=image.pk,
                profile=profile,
                source_key=key,
                file=name,
                width=rendered.width,
                height=rendered.height,
                size_bytes=len(rendered.content),
            )
    except IntegrityError:
        # Another worker made it at the same moment; theirs is as good.
        delete_names(storage, [name])
        return ChannelRendition.objects.get(
            image_id=image.pk, profile=profile, source_key=key
        )
    logger.info("made channel rendition image=%s profile=%s", image.pk, profile)
    return rendition


def make_channel_renditions(image) -> list[ChannelRendition]:
    """Make every profile's rendition of ``image`` (run at approval)."""
    return [channel_rendition(image, profile) for profile in PROFILES]


def delete_channel_renditions(image_id: int) -> list[str]:
    """Delete an image's channel renditions; return their URLs to purge."""
    rows = list(ChannelRendition.objects.filter(image_id=image_id))
    urls = [row.url for row in rows]
    delete_names(public_storage(), [row.file.name for row in rows])
    ChannelRendition.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return urls
