"""Items become WeChat articles that pass the HTML rules and limits of the spec."""

import io

import pytest
from PIL import Image

from channels.wechat.adapter import UploadingImageHost, WeChatAdapter
from channels.wechat.client import WeChatClient, account_for
from channels.wechat.formatter import (
    PlaceholderImageHost,
    body_image_bytes,
    clean_rich_text,
    cover_bytes,
    format_item,
    html_problems,
)

from .conftest import inspect


def test_every_generated_article_passes_the_html_check(
    account, fake, make_wechat_article, make_image
):
    from cms.models import VideoPage
    from media_pipeline.models import Video

    article = make_wechat_article(
        correction_note="原文第三段援引条文有误，已更正。",
        body=[
            ("paragraph", '<h2>什么是居住权</h2><p class="x">居住权<i>是</i>用益物权。</p>'
                          '<ul><li>一</li><li>二</li></ul><p><a href="https://www.gov.cn/">中国政府网</a></p>'),
            ("image", {"image": make_image(2400, 1600, noisy=True), "caption": "登记大厅"}),
            ("image", {"image": make_image(800, 800, fmt="PNG")}),
            ("quote", {"text": "法者，治之端也。", "attribution": "荀子"}),
            ("law_citation", {"law_name": "《中华人民共和国民法典》",
                              "article_number": "第三百六十八条", "text": "居住权无偿设立。"}),
            ("video", {"video": Video.objects.create(title="居住权三分钟"), "caption": ""}),
        ],
    )
    video = VideoPage(
        title="短视频：租房合同要注意什么", slug="wechat-video", to_wechat=True,
        summary="三分钟看懂租房合同。", transcript="第一，看清房东身份。\n第二，约定押金。",
        poster=make_image(1280, 720), byline="融媒体中心",
    )
    article.get_parent().add_child(instance=video)
    host = UploadingImageHost(WeChatClient(account_for(account)), account)

    results = [format_item(item, host=host) for item in (article, video)]

    for result in results:
        assert result.findings == []
        assert html_problems(result.content) == []
        assert len(result.content) < 20_000 and len(result.content.encode()) < 1024 * 1024
        assert 'src="http://mmbiz.qpic.cn/' in result.content or "<img" not in result.content
    body = results[0].content
    assert body.index("更正说明：原文第三段援引条文有误") < body.index("什么是居住权")
    assert "签发编号：" + article.compliance_number in body
    assert body.rindex("签发编号") > body.index("居住权无偿设立")
    assert "《中华人民共和国民法典》第三百六十八条" in body
    assert "点击“阅读原文”观看视频" in body
    assert results[0].content_source_url == article.get_full_url()
    assert "文字稿" in results[1].content and "约定押金" in results[1].content
    assert len(inspect(fake)["images"]) == 3  # two body images and the video poster


def test_html_check_catches_what_wechat_refuses():
    bad = (
        '<section class="c"><script>x()</script><p style="position:absolute">a</p>'
        '<p style="font-size:1.2em">b</p><img src="https://example.cn/a.jpg">'
        '<video src="a.mp4"></video><a href="javascript:void(0)" onclick="x()">c</a></section>'
    )

    problems = "\n".join(html_problems(bad))

    for expected in ("<script>", "<video>", "class 或 id", "mmbiz.qpic.cn", "定位", "px",
                     "onclick", "脚本"):
        assert expected in problems


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"title": "一" * 33}, "wechat_title", "不能超过 32 字"),
        ({"byline": "作者" * 9}, "byline", "不能超过 16 字"),
        ({"summary": "摘" * 129}, "wechat_digest", "不能超过 128 字"),
        ({"body": [("paragraph", "<p>" + "法" * 20_000 + "</p>")]}, "body", "少于 20000 字符"),
    ],
)
def test_limits_are_checked_before_sending_with_clear_messages(
    account, make_wechat_article, fields, field, text
):
    item = make_wechat_article(publish=False)
    # The page model refuses some of these on save; an item must still be
    # checked here, whatever reaches the channel.
    for name, value in fields.items():
        setattr(item, name, value)

    findings = WeChatAdapter(account).validate(item)

    assert [f.field for f in findings] == [field]
    assert text in findings[0].message


def test_long_title_is_fine_when_a_short_wechat_title_is_given(account, make_wechat_article):
    item = make_wechat_article(publish=False, title="一" * 40, wechat_title="居住权十问")

    article = format_item(item, host=PlaceholderImageHost())

    assert article.findings == []
    assert article.title == "居住权十问"


def test_body_images_become_jpg_or_png_under_one_megabyte(make_image):
    photo = make_image(2400, 1800, noisy=True)
    logo = make_image(600, 400, fmt="PNG")

    photo_data, photo_name = body_image_bytes(photo)
    logo_data, logo_name = body_image_bytes(logo)

    assert len(photo_data) < 1024 * 1024 and photo_data[:3] == b"\xff\xd8\xff"
    assert photo_name.endswith(".jpg")
    assert Image.open(io.BytesIO(photo_data)).width == 1080
    assert logo_data[:8] == b"\x89PNG\r\n\x1a\n" and logo_name.endswith(".png")


def test_cover_is_a_235_to_1_jpg_under_64_kilobytes(make_image):
    data = cover_bytes(make_image(3000, 3000, noisy=True))
    plain = cover_bytes(None)

    for cover in (data, plain):
        picture = Image.open(io.BytesIO(cover))
        assert picture.format == "JPEG"
        assert picture.size[0] / picture.size[1] == pytest.approx(2.35, abs=0.01)
        assert len(cover) <= 64 * 1024


def test_rich_text_keeps_only_inline_styled_tags():
    html = clean_rich_text(
        '<p class="intro" id="p1" data-x="1">甲<b>乙</b><script>丙</script></p>'
        '<h4>小标题</h4><div><span class="k">丁</span></div><a href="/relative">戊</a>'
    )

    assert "class=" not in html and "id=" not in html and "data-x" not in html
    assert "<script" not in html and "丙" not in html
    assert "<strong" in html and "<h3" in html and "<div" not in html
    assert "戊" in html and "/relative" not in html
    assert html_problems(html) == []


def test_ad_becomes_an_article_with_its_landscape_image(account, make_image):
    from cms.models import PublicServiceAd, PublicServiceAdVariant

    ad = PublicServiceAd(
        title="学法用法 护航成长", slogan="尊法学法守法用法", summary="青少年法治教育公益广告。",
        issuing_unit="省司法厅", to_wechat=True,
    )
    ad.variants = [PublicServiceAdVariant(format="landscape", image=make_image(1280, 720))]
    ad.save()

    article = format_item(ad, host=PlaceholderImageHost())

    assert article.findings == []
    assert "发布单位：省司法厅" in article.content
    assert article.digest == "青少年法治教育公益广告。"
    assert article.content_source_url == ""
