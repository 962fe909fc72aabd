"""Colour handling of channel renditions: print artwork in CMYK, wide-gamut RGB."""

import io

from PIL import Image, ImageCms

from media_pipeline.renditions import render


def _jpeg(image: Image.Image, **options) -> io.BytesIO:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, **options)
    buffer.seek(0)
    return buffer


def _profile_name(picture: Image.Image) -> str:
    icc = picture.info.get("icc_profile")
    if not icc:
        return ""
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))


def _cmyk_profile_header() -> bytes:
    # Enough of an ICC header to say "CMYK"; littleCMS cannot build a real one.
    header = bytearray(128)
    header[0:4] = (128).to_bytes(4, "big")
    header[12:16] = b"prtr"
    header[16:20] = b"CMYK"
    header[20:24] = b"Lab "
    header[36:40] = b"acsp"
    return bytes(header)


def test_cmyk_artwork_becomes_srgb_and_never_keeps_its_cmyk_profile():
    # Pure cyan ink: C=255, M=Y=K=0.
    artwork = Image.new("CMYK", (400, 300), (255, 0, 0, 0))
    source = _jpeg(artwork, icc_profile=_cmyk_profile_header())

    for profile in ("newspaper", "wechat_cover", "screen_landscape"):
        source.seek(0)
        picture = Image.open(io.BytesIO(render(source, profile).content))
        assert picture.mode == "RGB", profile
        red, green, blue = picture.getpixel((picture.width // 2, picture.height // 2))
        assert red < 60 and green > 180 and blue > 180, (profile, red, green, blue)
        icc = picture.info.get("icc_profile", b"")
        assert icc[16:20] != b"CMYK", profile

    source.seek(0)
    print_copy = Image.open(io.BytesIO(render(source, "newspaper").content))
    assert "sRGB" in _profile_name(print_copy)


def test_an_rgb_profile_is_kept_for_print_and_converted_for_screens():
    lab_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    icc = lab_profile.tobytes()
    source = _jpeg(Image.new("RGB", (400, 300), (200, 40, 40)), icc_profile=icc)

    print_copy = Image.open(io.BytesIO(render(source, "newspaper").content))
    assert print_copy.info.get("icc_profile") == icc
    source.seek(0)
    screen_copy = Image.open(io.BytesIO(render(source, "screen_landscape").content))
    assert "icc_profile" not in screen_copy.info
    assert screen_copy.getpixel((10, 10))[0] > 180


def test_a_grey_picture_gets_an_srgb_profile_for_print():
    source = _jpeg(Image.new("L", (200, 200), 128))

    print_copy = Image.open(io.BytesIO(render(source, "newspaper").content))

    assert print_copy.mode == "RGB"
    assert "sRGB" in _profile_name(print_copy)
