"""Print fields of an item: headline, deck, byline, word count, section, body.

These are read from any item kind (article, short video, public-service ad) so
the NewsML-G2 writer and the channel validator see the same values.
"""

import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

# A CJK ideograph counts as one word in Chinese typesetting; a run of Latin
# letters or digits counts as one word, as in English.
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_WORD_RE = re.compile(rf"[{_CJK}]|[A-Za-z0-9]+(?:[.'’-][A-Za-z0-9]+)*")

SECTION_BY_KIND = {
    "explainer": "普法解读",
    "case": "以案说法",
    "news": "法治要闻",
    "qa": "法律问答",
    "video": "视听普法",
    "ad": "公益广告",
}


@dataclass(frozen=True)
class BodyBlock:
    """One block of the print body: ``kind`` is p, hl2, ul, ol, quote, image."""

    kind: str
    text: str = ""
    items: tuple = ()
    credit: str = ""
    image: object = None


@dataclass
class PrintFields:
    headline: str
    deck: str
    byline: str
    summary: str
    section: str
    blocks: list[BodyBlock] = field(default_factory=list)
    correction_note: str = ""
    compliance_number: str = ""

    @property
    def body_text(self) -> str:
        parts = []
        for block in self.blocks:
            parts.append(block.text)
            parts.extend(block.items)
        return "\n".join(part for part in parts if part)

    @property
    def word_count(self) -> int:
        return count_words(self.body_text)


def count_words(text: str) -> int:
    """Return the print word count: CJK characters plus Latin words."""
    return len(_WORD_RE.findall(text or ""))


def _html_blocks(fragment: str) -> list[BodyBlock]:
    if not fragment or not fragment.strip():
        return []
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    blocks = []
    loose = (root.text or "").strip()
    if loose:
        blocks.append(BodyBlock("p", text=loose))
    for element in root:
        tag = element.tag if isinstance(element.tag, str) else ""
        text = " ".join(element.text_content().split())
        if tag in ("ul", "ol"):
            items = tuple(
                " ".join(li.text_content().split()) for li in element.iter("li")
            )
            blocks.append(BodyBlock(tag, items=tuple(i for i in items if i)))
        elif tag in ("h2", "h3", "h4") and text:
            blocks.append(BodyBlock("hl2", text=text))
        elif text:
            blocks.append(BodyBlock("p", text=text))
        tail = (element.tail or "").strip()
        if tail:
            blocks.append(BodyBlock("p", text=tail))
    return blocks


def _stream_blocks(body) -> list[BodyBlock]:
    blocks = []
    for child in body or []:
        value = child.value
        if child.block_type == "paragraph":
            blocks.extend(_html_blocks(str(value.source)))
        elif child.block_type == "image" and value.get("image"):
            blocks.append(
                BodyBlock(
                    "image", text=value.get("caption") or "", image=value["image"]
                )
            )
        elif child.block_type == "quote":
            blocks.append(
                BodyBlock(
                    "quote", text=value["text"], credit=value.get("attribution", "")
                )
            )
        elif child.block_type == "law_citation":
            credit = f"《{value['law_name']}》{value['article_number']}"
            blocks.append(BodyBlock("quote", text=value["text"], credit=credit))
        # Video blocks have no print form.
    return blocks


def print_fields(item, *, section_map=None) -> PrintFields:
    """Return the print fields of ``item`` (an article, video page or ad)."""
    kind = item.item_kind
    headline = getattr(item, "newspaper_headline", "") or item.title
    deck = getattr(item, "newspaper_deck", "") or getattr(item, "subtitle", "")
    byline = getattr(item, "byline", "") or getattr(item, "issuing_unit", "")
    summary = getattr(item, "summary", "") or ""
    section_key = getattr(item, "kind", kind) if kind == "article" else kind
    sections = {**SECTION_BY_KIND, **(section_map or {})}
    section = sections.get(section_key, sections.get(kind, ""))

    if kind == "article":
        blocks = _stream_blocks(item.body)
    elif kind == "video":
        blocks = _html_blocks(item.description)
        blocks += [
            BodyBlock("p", text=line.strip())
            for line in (item.transcript or "").splitlines()
            if line.strip()
        ]
    else:
        blocks = [BodyBlock("p", text=text) for text in (item.slogan, summary) if text]
        image = _ad_print_image(item)
        if image is not None:
            blocks.append(
                BodyBlock("image", text=item.slogan or item.title, image=image)
            )
    if kind != "ad" and getattr(item, "cover_image", None) is not None:
        blocks.insert(
            0, BodyBlock("image", text=item.cover_image.caption, image=item.cover_image)
        )

    return PrintFields(
        headline=headline,
        deck=deck,
        byline=byline,
        summary=summary,
        section=section,
        blocks=blocks,
        correction_note=getattr(item, "correction_note", "") or "",
        compliance_number=getattr(item, "compliance_number", "") or "",
    )


def _ad_print_image(ad):
    # Print pages are portrait; prefer portrait, then square, then landscape.
    variants = {v.format: v for v in ad.variants.all() if v.image_id}
    for fmt in ("portrait", "square", "landscape"):
        if fmt in variants:
            return variants[fmt].image
    return None
