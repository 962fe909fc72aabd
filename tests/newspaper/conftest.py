"""Fixtures for the newspaper channel: items with images, a delivery stand-in."""

import io
import itertools
from dataclasses import dataclass, field

import pytest
from django.core.files.images import ImageFile
from PIL import Image, ImageCms

_counter = itertools.count(1)


def jpeg_bytes(size=(2400, 1600), *, icc=False, color=(30, 90, 160)):
    out = io.BytesIO()
    kwargs = {}
    if icc:
        kwargs["icc_profile"] = ImageCms.ImageCmsProfile(
            ImageCms.createProfile("LAB")
        ).tobytes()
    Image.new("RGB", size, color).save(out, "JPEG", quality=80, **kwargs)
    return out.getvalue()


@pytest.fixture
def make_image(db):
    from cms.models import PufaImage

    def make(data=None, name=None, **kwargs):
        data = data or jpeg_bytes()
        name = name or f"photo-{next(_counter)}.jpg"
        return PufaImage.objects.create(
            title=name, file=ImageFile(io.BytesIO(data), name=name), **kwargs
        )

    return make


@dataclass
class StandInDestination:
    """The parts of ``channels.models.Destination`` an adapter reads."""

    name: str
    config: dict
    secrets: dict = field(default_factory=dict)
    channel: str = "newspaper"

    def credentials(self):
        return dict(self.secrets)


@dataclass
class StandInDelivery:
    """The parts of ``channels.models.Delivery`` the adapter contract names."""

    destination: StandInDestination
    action: str
    _item: object
    _previous: dict | None = None
    idempotency_key: str = "key"

    def item(self):
        return self._item

    def previous_receipt(self):
        return self._previous


@pytest.fixture
def destination(tmp_path):
    return StandInDestination(
        name="法治日报",
        config={"hot_folder": str(tmp_path / "hot"), "provider": "pufa"},
    )
