"""The public web site: pages, listings, meta, empty states."""

import re

import pytest
from django.test import Client

from cms.models import ArticleKind, ArticlePage, ColumnFeaturedItem, HomeFeaturedColumn

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def meta(html, prop):
    match = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', html)
    return match.group(1) if match else None


class TestHomePage:
    def test_empty_site_shows_empty_states_in_chinese(self, home):
        response = Client().get("/")
        html = text(response)
        assert response.status_code == 200
        assert '<html lang="zh-CN">' in html
        assert "编辑尚未设置首页推荐专栏" in html
        assert "暂无已发布的稿件" in html
        assert 'href="#main"' in html and 'id="main"' in html

    def test_home_shows_featured_columns_latest_items_and_current_campaign(
        self, home, make_column, make_article, campaign_today
    ):
        column = make_column("以案说法", slug="yian")
        make_article(parent=column, title="试用期被随意辞退怎么办")
        home.featured_columns = [HomeFeaturedColumn(column=column)]
        home.save_revision().publish()

        html = text(Client().get("/"))

        assert "以案说法" in html
        assert "试用期被随意辞退怎么办" in html
        assert "国家宪法日" in html and "/campaigns/xianfari/" in html
        assert meta(html, "og:title") == "普法"
        assert meta(html, "og:site_name") == "普法"
        assert meta(html, "description")

    def test_items_not_targeted_at_the_web_are_not_listed(self, home, make_article):
        make_article(title="只发微信的稿件", to_web=False, to_wechat=True)
        make_article(title="网站稿件")
        html = text(Client().get("/"))
        assert "网站稿件" in html
        assert "只发微信的稿件" not in html


class TestColumnPage:
    def test_featured_list_comes_first_then_latest_children(
        self, make_column, make_article
    ):
        column = make_column("民法典进万家", slug="minfadian")
        older = make_article(parent=column, title="居住权怎么登记")
        make_article(parent=column, title="高空抛物谁来赔")
        column.featured_items = [ColumnFeaturedItem(item=older, pinned=True)]
        column.save_revision().publish()

        html = text(Client().get("/columns/minfadian/"))

        featured = html.index('id="featured-heading"')
        latest = html.index('id="latest-heading"')
        assert featured < html.index("居住权怎么登记") < latest
        assert html.index("高空抛物谁来赔") > latest
        # A featured item is not repeated in the latest list.
        assert html.count("居住权怎么登记</a>") == 1

    def test_latest_list_is_paginated(self, monkeypatch, make_column, make_article):
        from cms import listing

        monkeypatch.setattr(listing, "PAGE_SIZE", 2)
        column = make_column("以案说法", slug="yian")
        for number in range(3):
            make_article(parent=column, title=f"案例第{number}号")
        first = text(Client().get("/columns/yian/"))
        second = text(Client().get("/columns/yian/?page=2"))
        assert "第 1 / 2 页" in first and 'rel="next"' in first
        assert "第 2 / 2 页" in second
        assert "案例第0号" in second and "案例第0号" not in first
        assert text(Client().get("/columns/yian/?page=99")).count("案例第") == 1

    def test_empty_column_says_so(self, make_column):
        make_column("青少年普法", slug="qsn")
        assert "本专栏暂无稿件" in text(Client().get("/columns/qsn/"))

    def test_column_index_lists_columns(self, make_column):
        make_column("宪法学习", slug="xianfa")
        html = text(Client().get("/columns/"))
        assert "宪法学习" in html and 'href="/columns/xianfa/"' in html


class TestArticlePage:
    def test_article_shows_every_part_of_the_item(self, make_article, topic):
        article = make_article(
            title="民法典里的居住权",
            kind=ArticleKind.CASE,
            subtitle="把住和有分开",
            summary="居住权是民法典新设立的用益物权。",
            byline="普法编辑部",
            source="省司法厅",
            correction_note="原文条款序号有误，已更正。",
            body=[
                ("paragraph", "<p>张大爷想把房子留给儿子。</p>"),
                (
                    "law_citation",
                    {
                        "law_name": "中华人民共和国民法典",
                        "article_number": "第三百六十六条",
                        "text": "居住权人有权按照合同约定占有、使用他人的住宅。",
                    },
                ),
            ],
            publish=False,
        )
        article.topics.add(topic)
        article.tags.add("居住权")
        article.compliance_number = "PF-2026-0042"
        article.save_revision().publish()

        response = Client().get(article.url)
        html = text(response)

        assert response.status_code == 200
        assert "案例解读" in html
        assert "把住和有分开" in html
        assert "居住权是民法典新设立的用益物权。" in html
        assert "《中华人民共和国民法典》第三百六十六条" in html
        assert "作者：普法编辑部" in html and "来源：省司法厅" in html
        assert "签发编号：<span>PF-2026-0042</span>" in html
        assert "更正说明" in html and "原文条款序号有误" in html
        assert 'href="/topics/minfadian/"' in html
        assert 'href="/tags/%E5%B1%85%E4%BD%8F%E6%9D%83/"' in html
        assert meta(html, "og:type") == "article"
        assert meta(html, "og:title") == "民法典里的居住权"
        assert meta(html, "og:description") == "居住权是民法典新设立的用益物权。"
        assert re.search(r'<link rel="canonical" href="http[^"]+' + article.url, html)

    def test_draft_is_not_public(self, make_article):
        article = make_article(title="尚未发布", publish=False, live=False)
        assert Client().get(f"/columns/{article.get_parent().slug}/{article.slug}/").status_code == 404


class TestVideoPage:
    def test_video_without_public_file_shows_poster_placeholder(self, make_column):
        from cms.models import VideoPage
        from media_pipeline.models import Video

        column = make_column()
        video = Video.objects.create(title="普法短视频素材")
        page = VideoPage(title="一分钟读懂居住权", slug="video-1", video=video,
                         summary="看视频学民法典。", transcript="大家好，今天讲居住权。")
        column.add_child(instance=page)
        page.save_revision().publish()

        html = text(Client().get(page.url))

        assert "<video" not in html
        assert "视频正在处理中" in html
        assert "文字稿" in html and "今天讲居住权" in html
        assert meta(html, "og:type") == "video.other"


    def test_approved_video_gets_an_html5_player(self, make_column):
        from django.utils import timezone

        from cms.models import VideoPage
        from media_pipeline.models import Video

        column = make_column()
        video = Video.objects.create(
            title="已审核的视频",
            width=1080,
            height=1920,
            outputs={
                "transcode": {
                    "prefix": "videos/v1/",
                    "files": {"mp4": "main.mp4", "poster": "poster.jpg"},
                }
            },
            public_files=["videos/v1/main.mp4", "videos/v1/poster.jpg"],
            published_at=timezone.now(),
        )
        page = VideoPage(title="竖屏普法短视频", slug="video-2", video=video)
        column.add_child(instance=page)
        page.save_revision().publish()

        html = text(Client().get(page.url))

        assert re.search(r'<video controls[^>]*poster="[^"]*videos/v1/poster.jpg"', html)
        assert re.search(r'<source src="[^"]*videos/v1/main.mp4" type="video/mp4">', html)
        assert "player--portrait" in html
        assert "视频正在处理中" not in html
        assert meta(html, "og:video:type") == "video/mp4"

    def test_body_video_that_was_refused_and_deleted_leaves_no_trace(
        self, make_article
    ):
        from media_pipeline.models import Video

        video = Video.objects.create(title="待检测的视频")
        article = make_article(
            body=[
                ("paragraph", "<p>正文。</p>"),
                ("video", {"video": video, "caption": "配套短视频"}),
            ]
        )
        video.delete()  # refused by the probe: the row is gone

        html = text(Client().get(article.url))

        assert "正文。" in html
        assert "video-ref" not in html and "视频《》" not in html


class TestTaxonomyListings:
    def test_topic_listing_shows_its_items_only(self, make_article, topic):
        inside = make_article(title="居住权登记", publish=False)
        inside.topics.add(topic)
        inside.save_revision().publish()
        make_article(title="劳动合同试用期")

        response = Client().get("/topics/minfadian/")
        html = text(response)

        assert response.status_code == 200
        assert "居住权登记" in html and "劳动合同试用期" not in html
        assert "<h1>民法典</h1>" in html

    def test_tag_listing_with_chinese_tag(self, make_article):
        article = make_article(title="网购退货", publish=False)
        article.tags.add("七日无理由退货")
        article.save_revision().publish()
        html = text(Client().get("/tags/七日无理由退货/"))
        assert "网购退货" in html

    def test_unknown_topic_and_empty_tag(self, db, topic):
        assert Client().get("/topics/nope/").status_code == 404
        assert Client().get("/tags/nope/").status_code == 404
        assert "这里还没有稿件" in text(Client().get("/topics/minfadian/"))

    def test_campaign_listing(self, make_article, campaign_today):
        article = make_article(title="宪法宣誓仪式", publish=False)
        article.campaigns.add(campaign_today)
        article.save_revision().publish()
        html = text(Client().get("/campaigns/xianfari/"))
        assert "宪法宣誓仪式" in html and "主题宣传" in html


def test_no_outside_cdn_assets(make_article):
    article = make_article()
    for url in ("/", article.url, "/search/?q=居住"):
        html = text(Client().get(url))
        for src in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
            assert src.startswith(("http://127.0.0.1", "http://localhost", "http://testserver")), src


def test_article_page_queries_stay_bounded(make_article, django_assert_max_num_queries):
    article = make_article()
    ArticlePage.objects.get(pk=article.pk)
    with django_assert_max_num_queries(40):
        Client().get(article.url)


def test_navigation_follows_columns_being_published_and_retracted(
    home, make_column, django_capture_on_commit_callbacks
):
    first = make_column(title="民法典进万家")
    html = text(Client().get("/"))
    assert "民法典进万家" in html

    with django_capture_on_commit_callbacks(execute=True):
        second = make_column(title="未成年人保护")
    html = text(Client().get(first.url))
    assert "未成年人保护" in html

    with django_capture_on_commit_callbacks(execute=True):
        second.unpublish()
    nav = re.search(r"<nav[^>]*>.*?</nav>", text(Client().get(first.url)), re.S)
    assert nav and "未成年人保护" not in nav.group(0)
