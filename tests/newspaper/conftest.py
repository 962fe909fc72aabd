"""Fixtures for the newspaper channel: items with images, a delivery stand-in."""

import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import xmlschema
from django.core.files.images import ImageFile
from lxml import etree
from PIL import Image, ImageCms

from channels.newspaper.newsml import NITF, validate_news_item

_counter = itertools.count(1)

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs" / "iptc"
if not SPECS.is_dir():
    SPECS = Path(__file__).resolve().parents[2] / "channels" / "newspaper" / "schemas"


@pytest.fixture(scope="module")
def newsml_schema():
    # xmlschema is an independent implementation from the lxml check the adapter
    # runs; xml.xsd is loaded from the same local folder, never the network.
    return xmlschema.XMLSchema(str(SPECS / "NewsML-G2_2.35-spec-All-Power.xsd"))


@pytest.fixture(scope="module")
def nitf_schema():
    return xmlschema.XMLSchema(str(SPECS / "nitf-3-6.xsd"))


def assert_valid(xml, newsml_schema, nitf_schema):
    document = etree.fromstring(xml)
    newsml_schema.validate(document)
    bodies = list(document.iter(f"{{{NITF}}}nitf"))
    assert len(bodies) == 1
    nitf_schema.validate(bodies[0])
    assert validate_news_item(xml) == []
    return document


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


class _EarlierRows:
    """The earlier deliveries of a stand-in, answering the queries adapters make."""

    def __init__(self, receipts):
        self.receipts = list(receipts)

    def filter(self, **lookups):
        return self

    def values_list(self, field_name, flat=False):
        assert (field_name, flat) == ("receipt", True)
        return list(self.receipts)


@dataclass
class StandInDelivery:
    """The parts of ``channels.models.Delivery`` the adapter contract names.

    ``earlier`` holds the receipts of the item's earlier deliveries to the
    destination, oldest first.
    """

    destination: StandInDestination
    action: str
    _item: object
    earlier: list = field(default_factory=list)
    idempotency_key: str = "key"
    sequence: int = 1

    def item(self):
        return self._item

    def item_rows(self):
        return _EarlierRows(self.earlier)

    def previous_receipt(self):
        return self.earlier[-1] if self.earlier else {}


@pytest.fixture
def destination(tmp_path):
    return StandInDestination(
        name="法治日报",
        config={"hot_folder": str(tmp_path / "hot"), "provider": "pufa"},
    )
