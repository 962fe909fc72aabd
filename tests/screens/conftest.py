"""Fixtures of the screens channel: groups, devices, bookable items."""

import io
import itertools

import pytest
from django.core.files.images import ImageFile
from PIL import Image

_counter = itertools.count(1)


def png_bytes(size=(64, 36), color=(200, 30, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _registration_unthrottled(monkeypatch):
    """Tests register many devices from one address; the bound has its own test.

    The counter lives in the default cache, which is Redis on CI and outlives
    a test run.
    """
    from channels.screens import views

    monkeypatch.setattr(views, "NEW_DEVICES_PER_ADDRESS_PER_HOUR", 10**6)


@pytest.fixture
def make_group(db):
    from channels.screens.models import ScreenGroup

    def make(slug=None, **kwargs):
        slug = slug or f"group-{next(_counter)}"
        kwargs.setdefault("name", f"屏幕组 {slug}")
        return ScreenGroup.objects.create(slug=slug, **kwargs)

    return make


@pytest.fixture
def make_ad(db):
    """A published public-service ad with image variants."""
    from cms.models import PublicServiceAd, PublicServiceAdVariant, PufaImage

    def make(title=None, duration=10, formats=("landscape", "portrait"), **kwargs):
        n = next(_counter)
        ad = PublicServiceAd.objects.create(
            title=title or f"公益广告 {n}",
            issuing_unit="市司法局",
            to_screens=True,
            **kwargs,
        )
        for index, fmt in enumerate(formats):
            size = (160, 90) if fmt == "landscape" else (90, 160)
            image = PufaImage.objects.create(
                title=f"ad-{n}-{fmt}",
                file=ImageFile(
                    io.BytesIO(png_bytes(size, (40 * index + 30, n * 17 % 255, 90))),
                    name=f"ad-{n}-{fmt}.png",
                ),
            )
            PublicServiceAdVariant.objects.create(
                ad=ad, format=fmt, image=image, duration_seconds=duration
            )
        ad.save_revision().publish()
        ad.refresh_from_db()
        return ad

    return make


@pytest.fixture
def make_device(db):
    from channels.screens.models import DeviceStatus, ScreenDevice

    def make(group, name=None, orientation="landscape", **kwargs):
        n = next(_counter)
        device = ScreenDevice(
            group=group,
            name=name or f"屏幕 {n}",
            hardware_key=f"hw-{n}",
            orientation=orientation,
            width=1920 if orientation == "landscape" else 1080,
            height=1080 if orientation == "landscape" else 1920,
            status=DeviceStatus.APPROVED,
            **kwargs,
        )
        device.token = device.issue_token()
        device.save()
        return device

    return make


@pytest.fixture
def book(db):
    from channels.screens.playlist import book_item

    return book_item


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Wagtail caches renditions by image id; ids repeat across rolled-back tests."""
    from django.core.cache import caches

    for alias in ("default", "renditions"):
        try:
            caches[alias].clear()
        except Exception:
            pass
    yield
