"""NewsML-G2 2.35 print packages with the body as NITF 3.6 in ``inlineXML``.

A package is one ``newsItem`` document plus its full-resolution images. The
item keeps one ``guid`` for its whole life; every publish, correction and
retraction is a new ``version`` of it. A correction carries the correction
signal and the editor's note; a retraction carries ``stat:canceled`` so the
newspaper's system pulls the story from its pages.

The documents are checked against the schemas shipped in ``specs/iptc``
(copied into this package, so nothing is fetched from the network).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree

from .images import PrintImage, print_image
from .printfields import PrintFields, print_fields

logger = logging.getLogger("pufa.newspaper")

NAR = "http://iptc.org/std/nar/2006-10-01/"
NITF = "http://iptc.org/std/NITF/2006-10-18/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
IPTC_CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_40.xml"

PUB_STATUS = {
    "publish": "stat:usable",
    "update": "stat:usable",
    "retract": "stat:canceled",
}
ITEM_CLASS = {"article": "ninat:text", "video": "ninat:text", "ad": "ninat:text"}


@dataclass
class PackageFile:
    name: str
    data: bytes
    mime_type: str


@dataclass
class Package:
    guid: str
    version: int
    action: str
    pub_status: str
    fields: PrintFields
    xml_name: str
    files: list[PackageFile] = field(default_factory=list)

    @property
    def xml(self) -> bytes:
        return self.files[-1].data

    def receipt(self) -> dict:
        return {
            "guid": self.guid,
            "version": self.version,
            "pub_status": self.pub_status,
            "files": [f.name for f in self.files],
            "word_count": self.fields.word_count,
            "section": self.fields.section,
        }


def item_guid(item) -> str:
    return f"urn:newsml:pufa:{item.item_kind}:{item.pk}"


def _file_stem(item, version: int) -> str:
    return f"pufa-{item.item_kind}-{item.pk}-v{version}"


def _iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def build_package(
    item,
    *,
    version: int,
    action: str = "publish",
    config: dict | None = None,
    now: datetime | None = None,
) -> Package:
    """Build the print package of ``item`` as version ``version``."""
    config = config or {}
    now = now or timezone.now()
    fields = print_fields(item, section_map=config.get("sections"))
    stem = _file_stem(item, version)

    images: list[tuple[str, PrintImage, object]] = []
    if action != "retract":
        for index, block in enumerate(b for b in fields.blocks if b.kind == "image"):
            picture = print_image(block.image)
            images.append((f"{stem}-{index + 1}.{picture.extension}", picture, block))
    image_names = {id(block): (name, picture) for name, picture, block in images}

    document = _news_item(item, fields, version, action, config, now, image_names)
    xml = etree.tostring(
        document, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    files = [
        PackageFile(name, picture.data, picture.mime_type)
        for name, picture, _ in images
    ]
    files.append(
        PackageFile(f"{stem}.xml", xml, "application/vnd.iptc.g2.newsitem+xml")
    )
    return Package(
        guid=item_guid(item),
        version=version,
        action=action,
        pub_status=PUB_STATUS[action],
        fields=fields,
        xml_name=f"{stem}.xml",
        files=files,
    )


def _sub(parent, element_name, text=None, ns=NAR, **attrs):
    element = etree.SubElement(parent, f"{{{ns}}}{element_name}")
    for key, value in attrs.items():
        element.set(key.replace("_", "-") if ns == NITF else key, str(value))
    if text is not None:
        element.text = text
    return element


def _news_item(item, fields, version, action, config, now, image_names):
    provider = config.get("provider") or "pufa"
    root = etree.Element(f"{{{NAR}}}newsItem", nsmap={None: NAR})
    root.set("guid", item_guid(item))
    root.set("version", str(version))
    root.set("standard", "NewsML-G2")
    root.set("standardversion", "2.35")
    root.set("conformance", "power")
    root.set(XML_LANG, "zh-Hans")
    _sub(root, "catalogRef", href=IPTC_CATALOG)

    rights = _sub(root, "rightsInfo")
    holder = _sub(rights, "copyrightHolder")
    _sub(holder, "name", config.get("copyright_holder") or settings.WAGTAIL_SITE_NAME)

    meta = _sub(root, "itemMeta")
    _sub(meta, "itemClass", qcode=ITEM_CLASS[item.item_kind])
    _sub(meta, "provider", literal=provider)
    _sub(meta, "versionCreated", _iso(now))
    first = getattr(item, "first_published_at", None) or getattr(
        item, "created_at", None
    )
    if first:
        _sub(meta, "firstCreated", _iso(first))
    _sub(meta, "pubStatus", qcode=PUB_STATUS[action])
    _sub(meta, "title", fields.headline)
    if action == "retract":
        _sub(meta, "edNote", "撤稿：本稿件已撤回，请勿刊用；已排版的请撤下。")
    elif action == "update":
        _sub(
            meta,
            "edNote",
            "更正：" + (fields.correction_note or "本稿件已更正，请以此版本为准。"),
        )
    if fields.compliance_number:
        _sub(meta, "edNote", f"签发编号：{fields.compliance_number}")
    if action == "update":
        _sub(meta, "signal", qcode="sig:correction")
    if version > 1:
        _sub(
            meta,
            "link",
            rel="irel:previousVersion",
            residref=item_guid(item),
            version=version - 1,
        )

    content_meta = _sub(root, "contentMeta")
    _sub(content_meta, "contentCreated", _iso(first or now))
    _sub(content_meta, "contentModified", _iso(now))
    if fields.byline:
        _sub(_sub(content_meta, "creator"), "name", fields.byline)
    _sub(content_meta, "language", tag="zh-Hans")
    if fields.section:
        genre = _sub(content_meta, "genre", literal=f"section:{fields.section}")
        _sub(genre, "name", fields.section)
    for topic in _topics(item):
        subject = _sub(
            content_meta,
            "subject",
            type="cpnat:abstract",
            literal=f"topic:{topic.slug}",
        )
        _sub(subject, "name", topic.name)
    _sub(content_meta, "headline", fields.headline)
    if fields.deck:
        _sub(content_meta, "headline", fields.deck, role="hlrole:sub")
    if fields.summary:
        _sub(content_meta, "description", fields.summary, role="drol:summary")

    content_set = _sub(root, "contentSet")
    inline = _sub(
        content_set,
        "inlineXML",
        contenttype="application/nitf+xml",
        wordcount=fields.word_count,
    )
    inline.append(_nitf(item, fields, version, action, now, image_names))
    return root


def _topics(item):
    topics = getattr(item, "topics", None)
    if topics is None:
        return []
    try:
        return list(topics.all())
    except ValueError:
        return []


def _nitf(item, fields, version, action, now, image_names):
    nitf = etree.Element(f"{{{NITF}}}nitf", nsmap={None: NITF})
    nitf.set("version", "-//IPTC//DTD NITF 3.6//EN")
    nitf.set(XML_LANG, "zh-Hans")
    head = _sub(nitf, "head", ns=NITF)
    _sub(head, "title", fields.headline, ns=NITF)
    docdata = _sub(head, "docdata", ns=NITF)
    if action == "update":
        _sub(
            docdata,
            "correction",
            ns=NITF,
            info=fields.correction_note or "更正",
            id_string=item_guid(item),
        )
    _sub(docdata, "doc-id", ns=NITF, id_string=f"{item_guid(item)}:{version}")
    _sub(
        docdata,
        "date.issue",
        ns=NITF,
        norm=timezone.localtime(now).strftime("%Y%m%dT%H%M%S%z"),
    )
    if action == "retract":
        _sub(docdata, "ed-msg", ns=NITF, info="撤稿：请勿刊用。")
    pubdata = _sub(head, "pubdata", ns=NITF, type="print")
    if fields.section:
        pubdata.set("position.section", fields.section)
    pubdata.set("item-length", str(fields.word_count))
    pubdata.set("unit-of-measure", "character")

    body = _sub(nitf, "body", ns=NITF)
    body_head = _sub(body, "body.head", ns=NITF)
    hedline = _sub(body_head, "hedline", ns=NITF)
    _sub(hedline, "hl1", fields.headline, ns=NITF)
    if fields.deck:
        _sub(hedline, "hl2", fields.deck, ns=NITF)
    if fields.byline:
        _sub(body_head, "byline", fields.byline, ns=NITF)
    if fields.summary:
        _sub(_sub(body_head, "abstract", ns=NITF), "p", fields.summary, ns=NITF)

    content = _sub(body, "body.content", ns=NITF)
    if action == "retract":
        _sub(content, "p", "本稿件已撤回。", ns=NITF)
    else:
        for block in fields.blocks:
            _nitf_block(content, block, image_names)
    if fields.correction_note and action == "update":
        end = _sub(body, "body.end", ns=NITF)
        _sub(end, "tagline", "更正说明：" + fields.correction_note, ns=NITF)
    return nitf


def _nitf_block(content, block, image_names):
    if block.kind in ("p", "hl2"):
        _sub(content, block.kind, block.text, ns=NITF)
    elif block.kind in ("ul", "ol"):
        listing = _sub(content, block.kind, ns=NITF)
        for text in block.items:
            _sub(listing, "li", text, ns=NITF)
    elif block.kind == "quote":
        quote = _sub(content, "bq", ns=NITF)
        _sub(_sub(quote, "block", ns=NITF), "p", block.text, ns=NITF)
        if block.credit:
            _sub(quote, "credit", block.credit, ns=NITF)
    elif block.kind == "image" and id(block) in image_names:
        name, picture = image_names[id(block)]
        media = _sub(content, "media", ns=NITF, media_type="image")
        _sub(
            media,
            "media-reference",
            ns=NITF,
            source=name,
            mime_type=picture.mime_type,
            width=picture.width,
            height=picture.height,
        )
        if block.text:
            _sub(media, "media-caption", block.text, ns=NITF)


def _load_schema(path: Path) -> etree.XMLSchema:
    tree = etree.parse(str(path))
    # NITF 3.6 includes a ruby-annotation module that the IPTC bundle does not
    # ship and that nothing we write uses; a missing include is dropped rather
    # than fetched.
    for include in tree.getroot().findall("{http://www.w3.org/2001/XMLSchema}include"):
        if not (path.parent / include.get("schemaLocation", "")).exists():
            include.getparent().remove(include)
    return etree.XMLSchema(tree)


@lru_cache(maxsize=1)
def _schemas():
    newsml = _load_schema(SCHEMA_DIR / "NewsML-G2_2.35-spec-All-Power.xsd")
    nitf = _load_schema(SCHEMA_DIR / "nitf-3-6.xsd")
    return newsml, nitf


def validate_news_item(xml: bytes) -> list[str]:
    """Return schema errors of a newsItem document and its NITF body (empty: valid)."""
    newsml_schema, nitf_schema = _schemas()
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        return [f"XML 格式错误：{error}"]
    errors = []
    if not newsml_schema.validate(document):
        errors += [
            f"NewsML-G2 第 {e.line} 行：{e.message}" for e in newsml_schema.error_log
        ]
    for body in document.iter(f"{{{NITF}}}nitf"):
        if not nitf_schema.validate(etree.ElementTree(body)):
            errors += [
                f"NITF 第 {e.line} 行：{e.message}" for e in nitf_schema.error_log
            ]
    return errors
