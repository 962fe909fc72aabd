"""NewsML-G2 2.35 print packages validate against the IPTC schemas."""

import io

import pytest
from PIL import Image

from channels.newspaper.newsml import NAR, NITF, build_package, validate_news_item
from channels.newspaper.printfields import count_words

from .conftest import assert_valid, jpeg_bytes


def text_of(document, path):
    return document.findtext(path, namespaces={"g": NAR, "n": NITF})


@pytest.fixture
def rich_article(make_article, make_image):
    image = make_image(caption="法院门口", credit="记者 王敏")
    body = [
        (
            "paragraph",
            "<p>居住权人有权按照合同约定占有、使用他人的住宅。</p><h2>如何设立</h2>"
            "<ul><li>订立书面合同</li><li>办理登记</li></ul>",
        ),
        ("image", {"image": image, "caption": "不动产登记中心"}),
        ("quote", {"text": "法律是治国之重器。", "attribution": "习近平"}),
        (
            "law_citation",
            {
                "law_name": "中华人民共和国民法典",
                "article_number": "第三百六十六条",
                "text": "居住权人有权按照合同约定，对他人的住宅享有占有、使用的用益物权。",
            },
        ),
    ]
    return make_article(
        title="民法典里的居住权",
        newspaper_headline="居住权：老有所居的法律保障",
        newspaper_deck="民法典新设用益物权解读",
        byline="本报记者 李华",
        kind="case",
        to_newspaper=True,
        body=body,
    )


def test_article_package_validates_and_carries_print_fields(
    rich_article, newsml_schema, nitf_schema
):
    package = build_package(rich_article, version=1)

    document = assert_valid(package.xml, newsml_schema, nitf_schema)
    assert document.get("guid") == f"urn:newsml:pufa:article:{rich_article.pk}"
    assert document.get("version") == "1"
    assert (
        document.find("g:itemMeta/g:pubStatus", {"g": NAR}).get("qcode")
        == "stat:usable"
    )
    assert text_of(document, "g:contentMeta/g:headline") == "居住权：老有所居的法律保障"
    assert text_of(document, ".//n:hedline/n:hl2") == "民法典新设用益物权解读"
    assert text_of(document, ".//n:body.head/n:byline") == "本报记者 李华"
    pubdata = document.find(".//n:pubdata", {"n": NITF})
    assert pubdata.get("position.section") == "以案说法"
    inline = document.find(".//g:inlineXML", {"g": NAR})
    assert int(inline.get("wordcount")) == package.fields.word_count
    assert [f.name for f in package.files][-1] == package.xml_name
    assert any(f.name.endswith(".jpg") for f in package.files)
    assert (
        document.find(".//n:media/n:media-reference", {"n": NITF}).get("source")
        == package.files[0].name
    )


def test_chinese_word_count_counts_characters():
    assert count_words("居住权人有权，占有住宅。") == 10
    assert count_words("民法典 Civil Code 第366条") == 3 + 2 + 2 + 1


def test_correction_is_a_new_version_with_correction_signal(
    rich_article, newsml_schema, nitf_schema
):
    rich_article.correction_note = "第二段登记机构名称有误，已更正。"

    package = build_package(rich_article, version=2, action="update")

    document = assert_valid(package.xml, newsml_schema, nitf_schema)
    assert document.get("version") == "2"
    meta = document.find("g:itemMeta", {"g": NAR})
    assert meta.find("g:pubStatus", {"g": NAR}).get("qcode") == "stat:usable"
    assert meta.find("g:signal", {"g": NAR}).get("qcode") == "sig:correction"
    assert "登记机构名称有误" in text_of(document, "g:itemMeta/g:edNote")
    link = meta.find("g:link", {"g": NAR})
    assert link.get("rel") == "irel:previousVersion" and link.get("version") == "1"
    assert package.xml_name.endswith("-v2.xml")


def test_retraction_is_a_canceled_version_without_images(
    rich_article, newsml_schema, nitf_schema
):
    package = build_package(rich_article, version=3, action="retract")

    document = assert_valid(package.xml, newsml_schema, nitf_schema)
    assert (
        document.find("g:itemMeta/g:pubStatus", {"g": NAR}).get("qcode")
        == "stat:canceled"
    )
    assert [f.name for f in package.files] == [package.xml_name]
    assert "撤稿" in text_of(document, "g:itemMeta/g:edNote")


def test_video_and_ad_packages_validate(
    make_column, make_image, newsml_schema, nitf_schema
):
    from cms.models import PublicServiceAd, PublicServiceAdVariant, VideoPage

    column = make_column()
    video = VideoPage(
        title="一分钟读懂劳动合同",
        slug="labour",
        description="<p>试用期最长六个月。</p>",
        transcript="第一句。\n第二句。",
        byline="普法短视频组",
    )
    column.add_child(instance=video)
    ad = PublicServiceAd.objects.create(
        title="尊法学法守法用法", slogan="法治让生活更美好", issuing_unit="市司法局"
    )
    PublicServiceAdVariant.objects.create(ad=ad, format="portrait", image=make_image())

    for item in (video, ad):
        package = build_package(item, version=1)
        assert_valid(package.xml, newsml_schema, nitf_schema)
    assert len(package.files) == 2


def test_print_images_are_full_resolution_with_icc_profile(make_article, make_image):
    plain = make_image(jpeg_bytes((3000, 2000)))
    profiled_bytes = jpeg_bytes((1200, 900), icc=True)
    profiled = make_image(profiled_bytes)
    article = make_article(
        cover_image=plain, body=[("image", {"image": profiled, "caption": ""})]
    )

    package = build_package(article, version=1)

    images = [f for f in package.files if f.name.endswith(".jpg")]
    assert len(images) == 2
    with Image.open(io.BytesIO(images[0].data)) as first:
        assert first.size == (3000, 2000)
        assert first.info.get("icc_profile")
        assert first.info.get("dpi") == (300, 300)
    # A JPEG that already carries a profile goes to print untouched.
    assert images[1].data == profiled_bytes


def test_validator_reports_a_broken_document(rich_article):
    package = build_package(rich_article, version=1)
    broken = package.xml.replace(b'standardversion="2.35"', b"")

    errors = validate_news_item(broken)

    assert errors and "standardversion" in errors[0]
