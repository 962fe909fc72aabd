"""A column's featured list: only items, only public ones, pinned and ordered."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import PageViewRestriction
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms.models import ColumnFeaturedItem, ColumnPage, HomeFeaturedColumn, HomePage

pytestmark = pytest.mark.django_db


def html_of(url):
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def featured_section(html):
    """Return the HTML of the column's 精选 section, or '' when there is none."""
    if 'id="featured-heading"' not in html:
        return ""
    start = html.index('id="featured-heading"')
    return html[start : html.index('id="latest-heading"')]


def feature(column, *rows):
    column = ColumnPage.objects.get(pk=column.pk)
    column.featured_items = list(rows)
    column.save_revision().publish()
    return column


def put_on_home(column):
    home = HomePage.objects.get()
    home.featured_columns = [HomeFeaturedColumn(column=column)]
    home.save_revision().publish()


class TestOnlyItemsAreFeatured:
    def test_featured_column_or_home_page_is_skipped_on_column_and_home(
        self, make_column, make_article
    ):
        column = make_column("以案说法", slug="yian")
        other = make_column("宪法学习", slug="xianfa")
        make_article(parent=column, title="居住权怎么登记")
        feature(
            column,
            ColumnFeaturedItem(item=other),
            ColumnFeaturedItem(item=HomePage.objects.get()),
            ColumnFeaturedItem(item=other.get_parent()),
        )
        put_on_home(column)

        column_html = html_of("/columns/yian/")
        home_html = html_of("/")

        assert featured_section(column_html) == ""
        assert "居住权怎么登记" in column_html
        assert "居住权怎么登记" in home_html

    def test_item_behind_a_view_restriction_is_not_featured(
        self, make_column, make_article
    ):
        column = make_column("以案说法", slug="yian")
        private = make_article(parent=column, title="内部学习材料")
        public = make_article(parent=column, title="公开的稿件")
        PageViewRestriction.objects.create(
            page=private, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
        feature(
            column, ColumnFeaturedItem(item=private), ColumnFeaturedItem(item=public)
        )
        put_on_home(column)

        featured = featured_section(html_of("/columns/yian/"))

        assert "公开的稿件" in featured
        assert "内部学习材料" not in featured
        assert "内部学习材料" not in html_of("/")

    def test_unpublished_item_is_not_featured(self, make_column, make_article):
        column = make_column("以案说法", slug="yian")
        gone = make_article(parent=column, title="已撤下的稿件")
        kept = make_article(parent=column, title="仍在线的稿件")
        feature(column, ColumnFeaturedItem(item=gone), ColumnFeaturedItem(item=kept))
        gone.unpublish()

        html = html_of("/columns/yian/")

        assert "仍在线的稿件" in featured_section(html)
        assert "已撤下的稿件" not in html

    def test_clean_refuses_a_page_that_is_not_an_item(self, make_column):
        from django.core.exceptions import ValidationError

        column = make_column("以案说法", slug="yian")
        other = make_column("宪法学习", slug="xianfa")
        row = ColumnFeaturedItem(page=column, item=other)
        with pytest.raises(ValidationError) as error:
            row.full_clean()
        assert "只能推荐图文稿件或短视频稿件" in str(error.value)

    def test_admin_refuses_to_save_a_column_featuring_a_column(
        self, admin_user, make_column
    ):
        column = make_column("以案说法", slug="yian")
        other = make_column("宪法学习", slug="xianfa")
        client = Client()
        client.force_login(admin_user)
        data = nested_form_data(
            {
                "title": column.title,
                "slug": column.slug,
                "intro": "",
                "editor_note": rich_text(""),
                "featured_items": inline_formset(
                    [{"item": other.pk, "feature_from": "", "feature_until": ""}]
                ),
            }
        )

        response = client.post(f"/admin/pages/{column.pk}/edit/", data)

        assert response.status_code == 200
        assert "只能推荐图文稿件或短视频稿件" in response.content.decode()
        assert not ColumnPage.objects.get(pk=column.pk).featured_items.exists()

    def test_admin_chooser_offers_only_articles_and_videos(
        self, admin_user, make_column
    ):
        column = make_column("以案说法", slug="yian")
        client = Client()
        client.force_login(admin_user)
        html = client.get(f"/admin/pages/{column.pk}/edit/").content.decode()
        assert "cms.articlepage" in html and "cms.videopage" in html


class TestFeaturedOrderAndWindow:
    def test_pinned_items_come_first_then_editor_order(self, make_column, make_article):
        column = make_column("以案说法", slug="yian")
        first = make_article(parent=column, title="甲稿件")
        second = make_article(parent=column, title="乙稿件")
        third = make_article(parent=column, title="丙稿件")
        feature(
            column,
            ColumnFeaturedItem(item=first, sort_order=0),
            ColumnFeaturedItem(item=second, sort_order=1),
            ColumnFeaturedItem(item=third, sort_order=2, pinned=True),
        )

        featured = featured_section(html_of("/columns/yian/"))

        positions = [featured.index(title) for title in ("丙稿件", "甲稿件", "乙稿件")]
        assert positions == sorted(positions)

    def test_editor_order_is_respected_whatever_the_publish_order(
        self, make_column, make_article
    ):
        column = make_column("以案说法", slug="yian")
        older = make_article(parent=column, title="较早的稿件")
        newer = make_article(parent=column, title="较新的稿件")
        feature(
            column,
            ColumnFeaturedItem(item=newer, sort_order=0),
            ColumnFeaturedItem(item=older, sort_order=1),
        )

        featured = featured_section(html_of("/columns/yian/"))

        assert featured.index("较新的稿件") < featured.index("较早的稿件")

    def test_item_outside_its_window_is_not_featured(self, make_column, make_article):
        now = timezone.now()
        day = datetime.timedelta(days=1)
        column = make_column("以案说法", slug="yian")
        future = make_article(parent=column, title="明天才推荐")
        past = make_article(parent=column, title="昨天已结束")
        current = make_article(parent=column, title="正在推荐")
        feature(
            column,
            ColumnFeaturedItem(item=future, feature_from=now + day),
            ColumnFeaturedItem(item=past, feature_until=now - day),
            ColumnFeaturedItem(
                item=current, feature_from=now - day, feature_until=now + day
            ),
        )

        html = html_of("/columns/yian/")
        featured = featured_section(html)

        assert "正在推荐" in featured
        assert "明天才推荐" not in featured and "昨天已结束" not in featured
        # Out of its window an item is still listed among the latest.
        assert "明天才推荐" in html and "昨天已结束" in html
