"""StreamField blocks of an article body."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label="图片")
    caption = blocks.CharBlock(label="图片说明", required=False, max_length=255)

    class Meta:
        icon = "image"
        label = "图片"
        template = "blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="引文")
    attribution = blocks.CharBlock(label="出处", required=False, max_length=128)

    class Meta:
        icon = "openquote"
        label = "引用"
        template = "blocks/quote.html"


class LawCitationBlock(blocks.StructBlock):
    """A quoted article of a law: 《民法典》第一千零四十二条 …"""

    law_name = blocks.CharBlock(label="法律名称", max_length=128, help_text="例如：中华人民共和国民法典")
    article_number = blocks.CharBlock(label="条款", max_length=64, help_text="例如：第一千零四十二条")
    text = blocks.TextBlock(label="条文内容")

    class Meta:
        icon = "doc-full"
        label = "法条引用"
        template = "blocks/law_citation.html"


class VideoBlock(blocks.StructBlock):
    video = SnippetChooserBlock("media_pipeline.Video", label="视频")
    caption = blocks.CharBlock(label="说明", required=False, max_length=255)

    class Meta:
        icon = "media"
        label = "视频"
        template = "blocks/video.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label="段落", template="blocks/paragraph.html")
    image = ImageBlock()
    quote = QuoteBlock()
    law_citation = LawCitationBlock()
    video = VideoBlock()
