"""Print images: full resolution, always with an embedded ICC colour profile.

Limitation: the media pipeline's per-channel print rendition is not in the tree
yet, so the original image is used; a JPEG that already carries a profile is
passed through byte for byte, anything else is re-encoded once as a JPEG with
the sRGB profile (the colour space browsers and cameras assume) at 300 dpi.
"""

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageCms

PRINT_DPI = 300


@dataclass(frozen=True)
class PrintImage:
    data: bytes
    mime_type: str
    extension: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


_srgb_profile: bytes | None = None


def srgb_profile() -> bytes:
    global _srgb_profile
    if _srgb_profile is None:
        profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        _srgb_profile = profile.tobytes()
    return _srgb_profile


def print_image(image) -> PrintImage:
    """Return the print file of a ``PufaImage`` (full size, ICC embedded)."""
    with image.open_file() as handle:
        original = handle.read()
    return print_image_from_bytes(original)


def print_image_from_bytes(original: bytes) -> PrintImage:
    with Image.open(io.BytesIO(original)) as picture:
        picture.load()
        width, height = picture.size
        profile = picture.info.get("icc_profile")
        if picture.format == "JPEG" and profile:
            return PrintImage(original, "image/jpeg", "jpg", width, height)
        if picture.mode not in ("RGB", "CMYK", "L"):
            if picture.mode in ("RGBA", "LA", "P", "PA"):
                picture = picture.convert("RGBA")
                flat = Image.new("RGB", picture.size, (255, 255, 255))
                flat.paste(picture, mask=picture.getchannel("A"))
                picture = flat
            else:
                picture = picture.convert("RGB")
            profile = None
        if picture.mode == "L" or (picture.mode == "CMYK" and not profile):
            picture = picture.convert("RGB")
            profile = None
        profile = profile or srgb_profile()
        out = io.BytesIO()
        picture.save(
            out,
            "JPEG",
            quality=95,
            subsampling=0,
            icc_profile=profile,
            dpi=(PRINT_DPI, PRINT_DPI),
        )
    return PrintImage(out.getvalue(), "image/jpeg", "jpg", width, height)
