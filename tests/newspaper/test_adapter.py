"""The newspaper adapter drops validated packages and numbers their versions."""

import pytest
from lxml import etree

from channels.adapters.base import PermanentError, TransientError
from channels.newspaper.adapter import NewspaperAdapter
from channels.newspaper.newsml import NAR

from .conftest import StandInDelivery, StandInDestination


def pub_status(path):
    document = etree.parse(str(path))
    return document.getroot().get("version"), document.find(
        f"{{{NAR}}}itemMeta/{{{NAR}}}pubStatus"
    ).get("qcode")


def test_publish_correct_retract_write_successive_versions(
    destination, make_article, tmp_path
):
    article = make_article(byline="记者 张三", to_newspaper=True)
    adapter = NewspaperAdapter(destination)
    hot = tmp_path / "hot"

    first = adapter.publish(StandInDelivery(destination, "publish", article))
    article.correction_note = "更正了发布日期。"
    second = adapter.update(
        StandInDelivery(destination, "update", article, [first.receipt])
    )
    third = adapter.retract(
        StandInDelivery(
            destination, "retract", article, [first.receipt, second.receipt]
        )
    )

    assert (first.state, second.state, third.state) == (
        "delivered",
        "delivered",
        "revoked",
    )
    assert [r.receipt["version"] for r in (first, second, third)] == [1, 2, 3]
    stem = f"pufa-article-{article.pk}"
    assert pub_status(hot / f"{stem}-v1.xml") == ("1", "stat:usable")
    assert pub_status(hot / f"{stem}-v2.xml") == ("2", "stat:usable")
    assert pub_status(hot / f"{stem}-v3.xml") == ("3", "stat:canceled")
    assert not [p for p in hot.iterdir() if p.name.startswith(".")]


def test_retried_publish_overwrites_its_own_file(destination, make_article, tmp_path):
    article = make_article(to_newspaper=True)
    adapter = NewspaperAdapter(destination)

    adapter.publish(StandInDelivery(destination, "publish", article))
    adapter.publish(StandInDelivery(destination, "publish", article))

    assert [p.name for p in (tmp_path / "hot").iterdir()] == [
        f"pufa-article-{article.pk}-v1.xml"
    ]


def test_unreachable_ftp_folder_is_retried_later(make_article):
    destination = StandInDestination(
        name="晚报", config={"hot_folder": "ftp://127.0.0.1:9/in"}
    )
    article = make_article(to_newspaper=True)

    with pytest.raises(TransientError) as caught:
        NewspaperAdapter(destination).publish(
            StandInDelivery(destination, "publish", article)
        )
    assert "FTP" in caught.value.message


def test_missing_hot_folder_is_a_configuration_error(make_article):
    destination = StandInDestination(name="晚报", config={})
    article = make_article(to_newspaper=True)

    with pytest.raises(PermanentError) as caught:
        NewspaperAdapter(destination).publish(
            StandInDelivery(destination, "publish", article)
        )
    assert "热文件夹" in caught.value.message


def test_validate_flags_empty_body_and_missing_byline(destination, make_article):
    article = make_article(body=[], to_newspaper=True)

    findings = NewspaperAdapter(destination).validate(article)

    assert {(f.field, f.severity) for f in findings} == {
        ("body", "error"),
        ("byline", "warning"),
    }


def test_preview_shows_print_fields(destination, make_article):
    article = make_article(newspaper_headline="见报标题", byline="记者 王五")

    html = NewspaperAdapter(destination).preview(article)

    assert "见报标题" in html and "记者 王五" in html and "字数" in html
