"""The feeds: RSS 2.0 with Media RSS, Atom, archives, partner tokens."""

import io

import atoma
import av
import feedparser
import pytest
from django.utils import timezone
from lxml import etree

from channels import outbox
from channels.models import FeedEntry, PartnerFeedAccess, PartnerFeedToken
from channels.services import retract_item

from .helpers import make_mp4

MEDIA_NS = "http://search.yahoo.com/mrss/"


def parse_ok(body):
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.fixture
def feeds_destination(make_destination):
    return make_destination("feeds", slug="feeds")


@pytest.mark.django_db
def test_every_feed_parses_and_corrections_update_retractions_remove(
    client, feeds_destination, make_column, make_article
):
    from cms.models import LegalTopic

    topic = LegalTopic.objects.create(name="婚姻家庭", slug="family")
    column = make_column(title="以案说法", slug="cases")
    kept = make_article(parent=column, title="离婚冷静期怎么算", topics=[topic])
    dropped = make_article(parent=column, title="彩礼返还的三种情形", topics=[topic])
    outbox.run_once()

    urls = [
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        "/feeds/videos.rss",
        "/feeds/columns/cases.rss",
        "/feeds/columns/cases.atom",
        "/feeds/topics/family.rss",
        "/feeds/topics/family.atom",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        parse_ok(response.content)
        if url.endswith(".atom"):
            atoma.parse_atom_bytes(response.content)
        else:
            atoma.parse_rss_bytes(response.content)
    titles = [
        e.title
        for e in parse_ok(client.get("/feeds/topics/family.rss").content).entries
    ]
    assert sorted(titles) == sorted([kept.title, dropped.title])

    kept.correction_note = "原文将冷静期写为 60 日，应为 30 日。"
    kept.save_revision().publish()
    retract_item(dropped, user=None, reason="已过时")
    outbox.run_once()

    entries = parse_ok(client.get("/feeds/columns/cases.atom").content).entries
    assert [e.title for e in entries] == [kept.title]
    assert "应为 30 日" in entries[0].summary
    assert client.get("/feeds/columns/nope.rss").status_code == 404


@pytest.mark.django_db
def test_conditional_get_answers_304_without_a_body(
    client, feeds_destination, make_article
):
    make_article()
    outbox.run_once()
    first = client.get("/feeds/latest.rss")
    etag, modified = first["ETag"], first["Last-Modified"]

    by_etag = client.get("/feeds/latest.rss", HTTP_IF_NONE_MATCH=etag)
    by_date = client.get("/feeds/latest.rss", HTTP_IF_MODIFIED_SINCE=modified)
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_date.status_code == 304

    make_article(title="新的一篇")
    outbox.run_once()
    assert client.get("/feeds/latest.rss", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.django_db
def test_archives_follow_rfc_5005(client, feeds_destination, make_article):
    from django.contrib.contenttypes.models import ContentType

    article = make_article()
    outbox.run_once()
    base = FeedEntry.objects.get()
    now = timezone.now()
    FeedEntry.objects.bulk_create(
        [
            FeedEntry(
                uid=f"bulk-{n}",
                content_type=ContentType.objects.get_for_model(article),
                object_id=str(10_000 + n),
                kind="article",
                title=f"存档稿件 {n}",
                link=base.link,
                published_at=now - timezone.timedelta(days=200 - n),
                updated_at=now - timezone.timedelta(days=200 - n),
            )
            for n in range(120)
        ]
    )
    current = etree.fromstring(client.get("/feeds/latest.rss").content)
    links = {
        el.get("rel"): el.get("href")
        for el in current.iter("{http://www.w3.org/2005/Atom}link")
    }
    assert links["prev-archive"].endswith("/feeds/latest/archive/2.rss")
    assert len(current.findall("./channel/item")) == 50

    archive = client.get("/feeds/latest/archive/1.atom")
    assert archive.status_code == 200
    parsed = parse_ok(archive.content)
    tree = etree.fromstring(archive.content)
    assert tree.find("{http://purl.org/syndication/history/1.0}archive") is not None
    assert len(parsed.entries) == 50
    assert {e.title for e in parsed.entries} == {f"存档稿件 {n}" for n in range(50)}
    assert client.get("/feeds/latest/archive/9.rss").status_code == 404


@pytest.mark.django_db
def test_partner_tokens_give_full_text_are_logged_and_revocable(
    client, feeds_destination, make_article
):
    make_article(body=[("paragraph", "<p>全文段落：居住权不得转让、继承。</p>")])
    outbox.run_once()
    token = PartnerFeedToken(outlet="法治日报")
    raw = token.issue()
    token.save()

    public = client.get("/feeds/latest.rss").content.decode()
    full = client.get(f"/feeds/latest.rss?token={raw}")
    assert "居住权不得转让" not in public
    assert "居住权不得转让" in full.content.decode()
    assert full["Cache-Control"] == "private, no-store"
    parse_ok(full.content)
    assert (
        PartnerFeedAccess.objects.filter(token=token, path="/feeds/latest.rss").count()
        == 1
    )

    token.revoked_at = timezone.now()
    token.save()
    refused = client.get(f"/feeds/latest.rss?token={raw}")
    assert refused.status_code == 403
    assert "令牌无效或已被撤销" in refused.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_video_entries_carry_media_rss_with_a_playable_mp4(
    client, feeds_destination, make_column, tmp_path
):
    from django.core.files.storage import storages

    from cms.models import VideoPage
    from media_pipeline.models import Video

    source = make_mp4(tmp_path / "clip.mp4")
    name = "videos/test/main.mp4"
    storages["private"].save(name, io.BytesIO(source.read_bytes()))
    video = Video.objects.create(
        title="短视频",
        status="ready",
        duration_seconds=1.0,
        width=160,
        height=120,
        outputs={
            "transcode": {
                "prefix": "videos/test/",
                "files": {"mp4": "main.mp4"},
                "all": ["main.mp4"],
            }
        },
    )
    column = make_column(slug="videos-col")
    page = VideoPage(
        title="一分钟看懂居住权", slug="clip", video=video, summary="短视频"
    )
    column.add_child(instance=page)
    page.save_revision().publish()
    outbox.run_once()

    body = client.get("/feeds/videos.rss").content
    parse_ok(body)
    atoma.parse_rss_bytes(body)
    tree = etree.fromstring(body)
    item = tree.find("./channel/item")
    assert len(item.findall("enclosure")) == 1
    content = item.find(f"{{{MEDIA_NS}}}content")
    assert content is not None and content.get("medium") == "video"
    assert item.find(f"{{{MEDIA_NS}}}group") is None
    url = content.get("url")
    # The site's /media/ route binds its folder at import time; the tests give
    # each test its own folder, so serve through the same view with that one.
    from django.conf import settings
    from django.test import RequestFactory
    from django.views.static import serve

    path = "/" + url.split("://", 1)[-1].split("/", 1)[1]
    assert path.startswith(settings.MEDIA_URL)
    served = serve(
        RequestFactory().get(path),
        path[len(settings.MEDIA_URL) :],
        document_root=settings.PUBLIC_MEDIA_ROOT,
    )
    assert served.status_code == 200
    data = b"".join(served.streaming_content) if served.streaming else served.content
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
    assert frames >= 5
