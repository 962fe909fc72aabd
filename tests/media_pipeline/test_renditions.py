"""Per-channel image renditions and media promotion on publish/unpublish."""

import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image, ImageCms

from media_pipeline.models import ChannelRendition, JobKind
from media_pipeline.renditions import (
    PROFILES,
    ImageRejected,
    channel_rendition,
    crop_box,
    render,
    validate_image,
)

pytestmark = pytest.mark.django_db


def _noisy_png(size=(1600, 1200)) -> bytes:
    noise = [Image.effect_noise(size, 90) for _ in range(3)]
    buffer = io.BytesIO()
    Image.merge("RGB", noise).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def image(db):
    from cms.models import PufaImage

    return PufaImage.objects.create(
        title="法治宣传海报",
        file=ImageFile(io.BytesIO(_noisy_png()), name="poster.png"),
    )


def _open(rendition):
    with rendition.open() as handle:
        return Image.open(io.BytesIO(handle.read()))


def test_every_profile_has_its_channel_size(image):
    for profile, spec in PROFILES.items():
        rendition = channel_rendition(image, profile)
        picture = _open(rendition)
        assert picture.format == "JPEG"
        if spec.width:
            assert picture.size == (spec.width, spec.height), profile
        else:
            assert picture.size == (1600, 1200)


def test_wechat_thumb_fits_64_kb_even_from_noise(image):
    rendition = channel_rendition(image, "wechat_thumb")

    assert rendition.size_bytes <= 64 * 1024
    with rendition.open() as handle:
        assert len(handle.read()) <= 64 * 1024


def test_newspaper_rendition_embeds_an_icc_profile_at_full_resolution(image):
    picture = _open(channel_rendition(image, "newspaper"))

    icc = picture.info.get("icc_profile")
    assert icc
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    assert picture.size == (1600, 1200)


def test_rendition_is_made_once_and_reused(image):
    first = channel_rendition(image, "app_16x9")
    second = channel_rendition(image, "app_16x9")

    assert first.pk == second.pk
    assert ChannelRendition.objects.count() == 1


def test_crop_follows_the_focal_point():
    assert crop_box((1600, 1200), 1.0, focal=(1400, 500, 1500, 700)) == (
        400,
        0,
        1600,
        1200,
    )
    assert crop_box((1600, 1200), 1.0) == (200, 0, 1400, 1200)
    # A 2.35:1 crop of a portrait image keeps the focal row.
    box = crop_box((1000, 2000), 900 / 383, focal=(0, 1800, 1000, 1900))
    assert box[3] == 2000 and box[2] - box[0] == 1000


def test_image_formats_outside_the_allow_list_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, "TIFF")
    buffer.seek(0)

    with pytest.raises(ImageRejected) as error:
        validate_image(buffer)
    assert "不支持的图片格式" in str(error.value)


def test_render_flattens_transparency_onto_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (400, 300), (0, 0, 0, 0)).save(buffer, "PNG")
    buffer.seek(0)

    rendered = render(buffer, "app_4x3")

    picture = Image.open(io.BytesIO(rendered.content))
    assert picture.getpixel((10, 10)) == (255, 255, 255)


def test_publishing_a_video_page_promotes_its_media_and_unpublishing_withdraws_it(
    ingest, clips, make_column, image, django_capture_on_commit_callbacks
):
    from cms.models import VideoPage

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    page = VideoPage(
        title="居住权短视频", slug="video-1", video=video, cover_image=image
    )
    make_column().add_child(instance=page)
    assert video.public_mp4_url is None

    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()

    video.refresh_from_db()
    assert video.public_mp4_url and video.poster_url and video.public_hls_url
    assert set(
        ChannelRendition.objects.filter(image_id=image.pk).values_list(
            "profile", flat=True
        )
    ) == set(PROFILES)

    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()

    video.refresh_from_db()
    assert video.public_mp4_url is None and video.public_files == []
    assert not ChannelRendition.objects.filter(image_id=image.pk).exists()


def test_media_shared_with_another_live_item_stays_public(
    ingest, clips, make_column, django_capture_on_commit_callbacks
):
    from cms.models import VideoPage

    video = ingest(clips["noaudio"], kinds={JobKind.PROBE, JobKind.TRANSCODE})
    column = make_column()
    pages = []
    for index in range(2):
        page = VideoPage(title=f"视频{index}", slug=f"shared-{index}", video=video)
        column.add_child(instance=page)
        with django_capture_on_commit_callbacks(execute=True):
            page.save_revision().publish()
        pages.append(page)

    with django_capture_on_commit_callbacks(execute=True):
        pages[0].unpublish()

    video.refresh_from_db()
    assert video.public_mp4_url is not None
