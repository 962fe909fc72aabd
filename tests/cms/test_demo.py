"""Demo content: enough of everything, and loading it twice changes nothing."""

import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from cms import demo
from cms.models import (
    ArticleKind,
    ArticlePage,
    Campaign,
    ColumnFeaturedItem,
    ColumnPage,
    HomeFeaturedColumn,
    LegalTopic,
    PublicServiceAd,
    PufaImage,
    User,
    VideoPage,
)

pytestmark = pytest.mark.django_db


class FakeCommand:
    def __init__(self):
        self.stdout = io.StringIO()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            ArticlePage, VideoPage, ColumnPage, PublicServiceAd, PufaImage, LegalTopic,
            Campaign, User, ColumnFeaturedItem, HomeFeaturedColumn,
        )
    }


def test_demo_loads_enough_content_and_is_idempotent(settings, tmp_path, home):
    settings.VAR_DIR = tmp_path
    first = FakeCommand()
    demo.load_demo(first)
    after_first = counts()
    second = FakeCommand()
    demo.load_demo(second)

    assert counts() == after_first
    assert after_first["ColumnPage"] >= 3
    assert after_first["ArticlePage"] >= 20
    assert after_first["PublicServiceAd"] >= 3
    assert after_first["HomeFeaturedColumn"] >= 3
    assert after_first["ColumnFeaturedItem"] >= 3
    kinds = set(ArticlePage.objects.values_list("kind", flat=True))
    assert kinds == set(ArticleKind.values)
    assert ArticlePage.objects.live().count() == after_first["ArticlePage"]
    assert all(ad.live and ad.variants.count() >= 3 for ad in PublicServiceAd.objects.all())

    # Every role has a demo account whose printed password logs in.
    output = first.stdout.getvalue()
    for username, role in [("editor", "编辑"), ("creator", "自媒体创作者"),
                           ("reviewer1", "初审"), ("reviewer2", "复审"),
                           ("reviewer3", "终审"), ("publisher", "渠道发布"),
                           ("screenops", "屏幕运维")]:
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role).exists()
        password = (tmp_path / "demo-passwords" / username).read_text()
        assert f"{username} / {password}" in output
        assert Client().login(username=username, password=password)
    assert Group.objects.get(name="编辑").user_set.count() == 1

    # Campaign windows, including the per-year one of 国家网络安全宣传周.
    import datetime

    assert Campaign.objects.get(slug="xianfari").is_active_on(datetime.date(2026, 12, 4))
    assert Campaign.objects.get(slug="wangan").is_active_on(datetime.date(2026, 9, 15))
    assert not Campaign.objects.get(slug="wangan").is_active_on(datetime.date(2026, 10, 15))

    # Material for the channel engineers, valid for their channels.
    for flag in ("to_wechat", "to_screens", "to_newspaper"):
        targeted = ArticlePage.objects.filter(**{flag: True})
        assert targeted.exists(), flag
        assert all(not page.channel_field_errors() for page in targeted)

    # And the site shows it.
    html = Client().get("/").content.decode()
    assert "宪法学习" in html and "公益广告" in html
