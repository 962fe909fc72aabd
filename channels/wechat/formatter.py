"""Turn an item (稿件) into a WeChat article in Pufa's house style.

WeChat ignores classes, ids and style sheets and drops many tags, so the
article is built from a small set of tags with every style inline (px units,
no positioning, transforms, animations or media queries). Images in the body
must live on ``mmbiz.qpic.cn``: the formatter asks an *image host* for each
image's URL, which uploads through ``media/uploadimg`` when sending and
points at local renditions in a preview. Videos cannot be embedded: they
appear as their poster and a link to the item's web page.

Every limit of the platform (title, author, digest, content size, source URL)
is checked here, before anything is sent, with messages for editors.
"""

import io
import logging
import re
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlsplit

import lxml.html
from PIL import Image, ImageOps

from channels.adapters.base import Finding

logger = logging.getLogger("pufa.wechat")

TITLE_MAX, AUTHOR_MAX, DIGEST_MAX = 32, 16, 128
CONTENT_MAX_CHARS, CONTENT_MAX_BYTES = 20_000, 1024 * 1024
SOURCE_URL_MAX_BYTES = 1024
BODY_IMAGE_MAX_BYTES = 1024 * 1024
THUMB_MAX_BYTES = 64 * 1024
COVER_SIZE = (900, 383)
BODY_IMAGE_MAX_WIDTH = 1080
IMAGE_HOST = "mmbiz.qpic.cn"

FORBIDDEN_TAGS = {
    "script", "style", "link", "iframe", "form", "input", "button", "select",
    "textarea", "video", "audio", "embed", "object", "meta", "frame", "frameset",
}
FORBIDDEN_STYLE = re.compile(
    r"(^|;)\s*(position|transform|animation[\w-]*|transition[\w-]*)\s*:", re.I
)
NON_PX_UNIT = re.compile(r"\d(\.\d+)?\s*(%|em|rem|vw|vh|pt|cm|mm|in)\b", re.I)

BRAND = "#b8272c"
STYLES = {
    "section": "margin:0;padding:0;font-size:16px;line-height:28px;color:#333333;",
    "p": "margin:0 0 16px 0;font-size:16px;line-height:28px;color:#333333;"
    "text-align:justify;",
    "h2": f"margin:24px 0 12px 0;padding:0 0 0 8px;font-size:18px;line-height:26px;"
    f"font-weight:bold;color:{BRAND};border-left:4px solid {BRAND};",
    "h3": "margin:20px 0 10px 0;font-size:17px;line-height:25px;font-weight:bold;"
    "color:#333333;",
    "ul": "margin:0 0 16px 0;padding:0 0 0 24px;",
    "ol": "margin:0 0 16px 0;padding:0 0 0 24px;",
    "li": "margin:0 0 8px 0;font-size:16px;line-height:28px;color:#333333;",
    "strong": "font-weight:bold;color:#222222;",
    "em": "font-style:italic;",
    "a": f"color:{BRAND};text-decoration:underline;",
    "span": "",
    "blockquote": "margin:16px 0;padding:12px 16px;background-color:#f7f7f7;"
    "border-left:3px solid #cccccc;color:#555555;",
    "figure": "margin:16px 0;padding:0;",
    "img": "display:block;max-width:677px;width:auto;height:auto;margin:0 auto;",
    "caption": "margin:6px 0 16px 0;font-size:13px;line-height:20px;color:#888888;"
    "text-align:center;",
    "law": "margin:16px 0;padding:12px 16px;background-color:#fdf6f0;"
    "border:1px solid #efd9c6;border-radius:4px;",
    "law_title": f"margin:0 0 8px 0;font-size:15px;line-height:24px;font-weight:bold;"
    f"color:{BRAND};",
    "correction": "margin:0 0 16px 0;padding:10px 12px;background-color:#fff4e5;"
    "border-left:3px solid #f0a020;font-size:14px;line-height:22px;color:#8a5300;",
    "video": "margin:16px 0;padding:12px;background-color:#f2f4f7;border-radius:4px;",
    "video_link": f"margin:8px 0 0 0;font-size:15px;line-height:24px;color:{BRAND};"
    "text-align:center;",
    "footer": "margin:32px 0 0 0;padding:12px 0 0 0;border-top:1px solid #eeeeee;"
    "font-size:13px;line-height:20px;color:#999999;",
    "lead": "margin:0 0 16px 0;font-size:15px;line-height:26px;color:#666666;",
}
# Rich-text tags kept as they are; others are unwrapped to their text.
KEPT_TAGS = {"p", "br", "strong", "em", "h2", "h3", "ul", "ol", "li", "a", "span", "blockquote"}
RENAMED_TAGS = {"b": "strong", "i": "em", "h1": "h2", "h4": "h3", "h5": "h3", "h6": "h3"}


class FormatError(Exception):
    """The item cannot become a WeChat article; ``findings`` say why."""

    def __init__(self, findings):
        super().__init__("; ".join(f.message for f in findings))
        self.findings = findings


@dataclass
class WeChatArticle:
    """One article of ``draft/add``, before its cover is uploaded."""

    title: str
    author: str
    digest: str
    content: str
    content_source_url: str
    cover: bytes = b""
    correction_note: str = ""
    findings: list = field(default_factory=list)

    def as_draft(self, thumb_media_id: str) -> dict:
        """Return the ``draft/add`` entry of this article."""
        return {
            "title": self.title,
            "author": self.author,
            "digest": self.digest,
            "content": self.content,
            "content_source_url": self.content_source_url,
            "thumb_media_id": thumb_media_id,
            "need_open_comment": 0,
            "only_fans_can_comment": 0,
            # The cover is already 2.35:1; the square crop is its middle.
            "pic_crop_235_1": "0_0_1_1",
            "pic_crop_1_1": _square_crop(),
        }


def _square_crop() -> str:
    width, height = COVER_SIZE
    left = (width - height) / 2 / width
    return f"{left:.6f}_0_{1 - left:.6f}_1"


class ImageHost:
    """Gives the URL an image has in the article (a preview serves it locally)."""

    def body_image_url(self, image) -> str:
        raise NotImplementedError


class PlaceholderImageHost(ImageHost):
    """URLs of the right shape and length without uploading (for validation)."""

    def body_image_url(self, image) -> str:
        return f"http://{IMAGE_HOST}/mmbiz_jpg/{'0' * 40}/0?wx_fmt=jpeg"


class RenditionImageHost(ImageHost):
    """Local rendition URLs, for the admin preview."""

    def body_image_url(self, image) -> str:
        return image.get_rendition("max-1080x1920").url


# Image conversion -------------------------------------------------------------


def _open(image) -> Image.Image:
    with image.open_file() as handle:
        picture = Image.open(io.BytesIO(handle.read()))
        picture.load()
    return ImageOps.exif_transpose(picture)


def body_image_bytes(image) -> tuple[bytes, str]:
    """Return the image as JPG or PNG under 1 MB, and its file name."""
    picture = _open(image)
    if picture.width > BODY_IMAGE_MAX_WIDTH:
        height = round(picture.height * BODY_IMAGE_MAX_WIDTH / picture.width)
        picture = picture.resize((BODY_IMAGE_MAX_WIDTH, height), Image.LANCZOS)
    has_alpha = picture.mode in ("RGBA", "LA") or "transparency" in picture.info
    if has_alpha:
        data = _encode(picture.convert("RGBA"), "PNG")
        if len(data) < BODY_IMAGE_MAX_BYTES:
            return data, f"image-{image.pk}.png"
        picture = _flatten(picture)
    return _jpeg_under(picture.convert("RGB"), BODY_IMAGE_MAX_BYTES), f"image-{image.pk}.jpg"


def _flatten(picture):
    background = Image.new("RGB", picture.size, "#ffffff")
    background.paste(picture.convert("RGBA"), mask=picture.convert("RGBA").split()[-1])
    return background


def _encode(picture, fmt, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def _jpeg_under(picture, limit) -> bytes:
    """Encode as JPEG below ``limit`` bytes, lowering quality, then size."""
    while True:
        for quality in (88, 80, 72, 64, 56, 48, 40):
            data = _encode(picture, "JPEG", quality=quality, optimize=True)
            if len(data) < limit:
                return data
        picture = picture.resize(
            (max(1, picture.width * 3 // 4), max(1, picture.height * 3 // 4)), Image.LANCZOS
        )


def cover_bytes(image) -> bytes:
    """Return the 2.35:1 cover (900×383, around the focal point) as a JPG ≤ 64 KB.

    The media pipeline's ``wechat_thumb`` rendition is used when it fits; the
    cover is cut here only for images it has no rendition of.
    """
    if image is None:
        return _jpeg_under(Image.new("RGB", COVER_SIZE, BRAND), THUMB_MAX_BYTES + 1)
    data = _pipeline_thumb(image)
    if data is not None:
        return data
    picture = _crop_to_cover(_open(image).convert("RGB"), image)
    return _jpeg_under(picture, THUMB_MAX_BYTES + 1)


def _pipeline_thumb(image) -> bytes | None:
    try:
        from media_pipeline.renditions import ImageRejected, channel_rendition
    except ImportError:
        return None
    try:
        rendition = channel_rendition(image, "wechat_thumb")
        with rendition.open() as handle:
            data = handle.read()
    except (ImageRejected, OSError, KeyError):
        logger.exception("no wechat_thumb rendition image=%s", getattr(image, "pk", None))
        return None
    if data[:3] != b"\xff\xd8\xff" or len(data) > THUMB_MAX_BYTES:
        return None
    return data


def _crop_to_cover(picture, image):
    target_w, target_h = COVER_SIZE
    ratio = target_w / target_h
    width, height = picture.size
    if width / height > ratio:
        crop_w, crop_h = round(height * ratio), height
    else:
        crop_w, crop_h = width, round(width / ratio)
    focal = image.get_focal_point() if hasattr(image, "get_focal_point") else None
    center_x, center_y = (focal.centroid.x, focal.centroid.y) if focal else (width / 2, height / 2)
    left = min(max(0, round(center_x - crop_w / 2)), width - crop_w)
    top = min(max(0, round(center_y - crop_h / 2)), height - crop_h)
    picture = picture.crop((left, top, left + crop_w, top + crop_h))
    return picture.resize(COVER_SIZE, Image.LANCZOS)


# HTML building ------------------------------------------------------------------


def _tag(name, inner="", style_key=None, **attributes):
    style = STYLES.get(style_key or name, "")
    attrs = "".join(f' {key}="{escape(str(value))}"' for key, value in attributes.items())
    if style:
        attrs += f' style="{style}"'
    return f"<{name}{attrs}>{inner}</{name}>"


def _img(url):
    return f'<img src="{escape(url)}" style="{STYLES["img"]}">'


def clean_rich_text(html: str) -> str:
    """Return rich text reduced to the kept tags, each with the house style."""
    if not html or not html.strip():
        return ""
    wrapper = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in list(wrapper.iter()):
        if element is wrapper or not isinstance(element.tag, str):
            if not isinstance(element.tag, str) and element is not wrapper:
                element.drop_tree()
            continue
        tag = RENAMED_TAGS.get(element.tag.lower(), element.tag.lower())
        if tag in FORBIDDEN_TAGS or tag == "img":
            element.drop_tree()
            continue
        if tag not in KEPT_TAGS:
            element.drop_tag()
            continue
        href = element.get("href", "")
        element.attrib.clear()
        element.tag = tag
        if tag == "a":
            if not href.startswith(("http://", "https://")):
                element.drop_tag()
                continue
            element.set("href", href)
        if STYLES.get(tag):
            element.set("style", STYLES[tag])
    text = escape(wrapper.text) if wrapper.text else ""
    return text + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in wrapper
    )


def _paragraphs(text, style_key="p"):
    return "".join(
        _tag("p", escape(line.strip()), style_key)
        for line in (text or "").splitlines()
        if line.strip()
    )


def _image_html(image, caption, host):
    if image is None:
        return ""
    html = _tag("p", _img(host.body_image_url(image)), "figure")
    caption = caption or getattr(image, "caption", "")
    if caption:
        html += _tag("p", escape(caption), "caption")
    return html


def _video_html(video, caption, web_url, host, poster=None):
    poster = poster or getattr(video, "poster", None)
    inner = ""
    if poster is not None and hasattr(poster, "open_file"):
        inner += _tag("p", _img(host.body_image_url(poster)), "figure")
    title = caption or getattr(video, "title", "") or "视频"
    inner += _tag("p", "▶ " + escape(title), "p")
    if web_url:
        inner += _tag(
            "p",
            _tag("a", "点击“阅读原文”观看视频", href=web_url),
            "video_link",
        )
    return _tag("section", inner, "video")


def _body_html(item, web_url, host):
    kind = getattr(item, "item_kind", "article")
    if kind == "video":
        parts = [_video_html(item.video, item.title, web_url, host, poster=item.poster or item.cover_image)]
        if item.description:
            parts.append(clean_rich_text(_expand(item.description)))
        if item.transcript:
            parts.append(_tag("h3", "文字稿"))
            parts.append(_paragraphs(item.transcript))
        return "".join(parts)
    if kind == "ad":
        parts = []
        variant = next((v for v in item.variants.all() if v.image_id), None)
        if variant is not None:
            parts.append(_image_html(variant.image, "", host))
        if item.slogan:
            parts.append(_tag("h2", escape(item.slogan)))
        parts.append(_paragraphs(item.summary))
        parts.append(_tag("p", "发布单位：" + escape(item.issuing_unit), "lead"))
        return "".join(parts)
    parts = []
    if getattr(item, "subtitle", ""):
        parts.append(_tag("p", escape(item.subtitle), "lead"))
    for block in item.body:
        parts.append(_block_html(block, web_url, host))
    return "".join(parts)


def _expand(value):
    from wagtail.rich_text import expand_db_html

    source = getattr(value, "source", value)
    return expand_db_html(source or "")


def _block_html(block, web_url, host):
    value = block.value
    if block.block_type == "paragraph":
        return clean_rich_text(_expand(value))
    if block.block_type == "image":
        return _image_html(value["image"], value.get("caption"), host)
    if block.block_type == "quote":
        inner = _tag("p", escape(value["text"]), "p")
        if value.get("attribution"):
            inner += _tag("p", "—— " + escape(value["attribution"]), "caption")
        return _tag("blockquote", inner)
    if block.block_type == "law_citation":
        heading = f"《{escape(value['law_name'].strip('《》'))}》{escape(value['article_number'])}"
        inner = _tag("p", heading, "law_title") + _paragraphs(value["text"])
        return _tag("section", inner, "law")
    if block.block_type == "video":
        return _video_html(value["video"], value.get("caption"), web_url, host)
    return ""


def _footer_html(item, site_name):
    lines = []
    if getattr(item, "source", ""):
        lines.append("来源：" + escape(item.source))
    if item.compliance_number:
        lines.append("签发编号：" + escape(item.compliance_number))
    lines.append(escape(site_name) + " · 普法宣传")
    return _tag("section", "".join(_tag("p", line, "caption") for line in lines), "footer")


# The article ---------------------------------------------------------------------


def web_url_of(item) -> str:
    """Return the item's public web page URL ('' when it has none)."""
    if hasattr(item, "get_full_url"):
        try:
            return item.get_full_url() or ""
        except Exception:  # A page outside any site has no URL.
            logger.exception("no web url item=%s", getattr(item, "pk", None))
    return ""


def format_item(item, *, host: ImageHost, author: str = "", site_name: str = "普法",
                web_url: str | None = None) -> WeChatArticle:
    """Return ``item`` as a WeChat article; its ``findings`` list every broken limit."""
    web_url = web_url_of(item) if web_url is None else web_url
    content = ""
    if item.correction_note:
        content += _tag("p", "更正说明：" + escape(item.correction_note), "correction")
    content += _body_html(item, web_url, host)
    content += _footer_html(item, site_name)
    article = WeChatArticle(
        title=item.effective_wechat_title().strip(),
        author=(getattr(item, "byline", "") or author).strip(),
        digest=(item.effective_wechat_digest() or getattr(item, "slogan", "")).strip(),
        content=_tag("section", content),
        content_source_url=web_url,
        correction_note=item.correction_note,
    )
    article.findings = check_article(article) + [
        Finding("wechat", problem, "body") for problem in html_problems(article.content)
    ]
    return article


def cover_image_of(item):
    """Return the image the item's cover is cut from (None: a plain house cover)."""
    kind = getattr(item, "item_kind", "article")
    if kind == "ad":
        variant = next((v for v in item.variants.all() if v.image_id), None)
        return variant.image if variant else None
    if kind == "video":
        return item.cover_image or item.poster
    if item.cover_image_id:
        return item.cover_image
    for block in getattr(item, "body", []):
        if block.block_type == "image":
            return block.value["image"]
    return None


def check_article(article: WeChatArticle) -> list[Finding]:
    """Return the platform limits ``article`` breaks, as editors should read them."""
    findings = []
    if not article.title:
        findings.append(Finding("wechat", "微信标题不能为空。", "wechat_title"))
    elif len(article.title) > TITLE_MAX:
        findings.append(Finding(
            "wechat",
            f"微信标题不能超过 {TITLE_MAX} 字（当前 {len(article.title)} 字），请填写较短的微信标题。",
            "wechat_title",
        ))
    if len(article.author) > AUTHOR_MAX:
        findings.append(Finding(
            "wechat",
            f"作者署名不能超过 {AUTHOR_MAX} 字（当前 {len(article.author)} 字）。",
            "byline",
        ))
    if len(article.digest) > DIGEST_MAX:
        findings.append(Finding(
            "wechat",
            f"微信摘要不能超过 {DIGEST_MAX} 字（当前 {len(article.digest)} 字）。",
            "wechat_digest",
        ))
    chars, size = len(article.content), len(article.content.encode())
    if chars >= CONTENT_MAX_CHARS:
        findings.append(Finding(
            "wechat",
            f"正文排版后共 {chars} 字符，微信要求少于 {CONTENT_MAX_CHARS} 字符，"
            "请删减正文或拆成多篇。",
            "body",
        ))
    if size >= CONTENT_MAX_BYTES:
        findings.append(Finding("wechat", "正文排版后超过 1 MB，请删减正文。", "body"))
    if len(article.content_source_url.encode()) > SOURCE_URL_MAX_BYTES:
        findings.append(Finding("wechat", "原文链接超过 1 KB，无法作为“阅读原文”链接。", "slug"))
    return findings


def html_problems(content: str) -> list[str]:
    """Return where ``content`` breaks WeChat's HTML rules (empty when clean)."""
    problems = []
    wrapper = lxml.html.fragment_fromstring(content or "<p></p>", create_parent="div")
    for element in wrapper.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in FORBIDDEN_TAGS:
            problems.append(f"正文含有微信不支持的标签 <{tag}>。")
        if element is not wrapper and ("class" in element.attrib or "id" in element.attrib):
            problems.append(f"<{tag}> 带有 class 或 id，微信中无效，样式须内联。")
        if tag == "img":
            host = urlsplit(element.get("src", "")).hostname or ""
            if host != IMAGE_HOST:
                problems.append("正文图片必须先上传到微信（mmbiz.qpic.cn）。")
        style = element.get("style", "")
        if style and FORBIDDEN_STYLE.search(style):
            problems.append(f"<{tag}> 的样式使用了微信不支持的定位、变换或动画。")
        if style and NON_PX_UNIT.search(style):
            problems.append(f"<{tag}> 的样式应使用 px 单位。")
        for name in element.attrib:
            if name.lower().startswith("on"):
                problems.append(f"<{tag}> 带有脚本事件属性 {name}。")
        href = element.get("href", "")
        if href.strip().lower().startswith("javascript:"):
            problems.append("正文链接不能是脚本。")
    if "@media" in content or "@keyframes" in content:
        problems.append("正文不能含有媒体查询或动画定义。")
    return problems
