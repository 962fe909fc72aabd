import datetime

import pytest
from django.core.exceptions import ValidationError

from cms.models import ArticlePage, Campaign, CampaignWindow, PublicServiceAd

pytestmark = pytest.mark.django_db

ROLES = ["编辑", "自媒体创作者", "初审", "复审", "终审", "渠道发布", "屏幕运维"]


class TestRoles:
    def test_every_role_group_exists_with_admin_access(self, make_user):
        for role in ROLES:
            user = make_user(groups=[role])
            assert user.has_perm("wagtailadmin.access_admin"), role

    def test_creator_can_add_pages_but_never_publish(self, make_user, make_article):
        from wagtail.models import Page

        creator = make_user(groups=["自媒体创作者"])
        article = make_article(publish=False, owner=creator)
        perms = article.permissions_for_user(creator)
        assert perms.can_edit()
        assert not perms.can_publish()
        assert not perms.can_unpublish()
        other = make_article(publish=False)
        assert not other.permissions_for_user(creator).can_edit()
        column = Page.objects.get(pk=article.get_parent().pk)
        assert column.permissions_for_user(creator).can_add_subpage()


class TestChannelLimits:
    def test_wechat_title_over_32_characters_is_refused_when_targeting_wechat(self):
        page = ArticlePage(title="这" * 33, slug="x", to_wechat=True)
        with pytest.raises(ValidationError) as error:
            page.full_clean()
        assert "微信标题不能超过 32 字" in str(error.value)

    def test_short_wechat_title_fixes_a_long_title(self):
        page = ArticlePage(title="这" * 40, slug="x", to_wechat=True, wechat_title="短标题")
        assert "wechat_title" not in page.channel_field_errors()

    def test_long_title_is_fine_when_not_targeting_wechat(self):
        page = ArticlePage(title="这" * 40, slug="x", to_wechat=False)
        assert page.channel_field_errors() == {}

    def test_digest_falls_back_to_summary_and_is_limited(self):
        page = ArticlePage(title="标题", slug="x", to_wechat=True, summary="摘" * 129)
        assert "wechat_digest" in page.channel_field_errors()

    def test_an_item_needs_at_least_one_channel(self):
        page = ArticlePage(
            title="标题", slug="x", to_web=False, to_app=False, to_feeds=False
        )
        assert "to_web" in page.channel_field_errors()
        assert page.targeted_channels == []


class TestCampaignWindows:
    def test_recurring_window_contains_constitution_day(self):
        campaign = Campaign.objects.create(
            name="国家宪法日", slug="xianfa", recurring_start="12-04", recurring_end="12-04"
        )
        assert campaign.is_active_on(datetime.date(2026, 12, 4))
        assert not campaign.is_active_on(datetime.date(2026, 12, 5))

    def test_per_year_window_overrides_recurrence(self):
        campaign = Campaign.objects.create(name="国家网络安全宣传周", slug="wangan")
        CampaignWindow.objects.create(
            campaign=campaign,
            year=2026,
            starts_on=datetime.date(2026, 9, 14),
            ends_on=datetime.date(2026, 9, 20),
        )
        assert campaign.is_active_on(datetime.date(2026, 9, 16))
        assert not campaign.is_active_on(datetime.date(2025, 9, 16))

    def test_lead_days_show_a_campaign_before_it_starts(self):
        campaign = Campaign.objects.create(
            name="民法典宣传月", slug="mfd", recurring_start="05-01",
            recurring_end="05-31", lead_days=3,
        )
        assert campaign.is_active_on(datetime.date(2026, 4, 28))
        assert not campaign.is_active_on(datetime.date(2026, 4, 27))


class TestPublicServiceAd:
    def test_flight_end_must_follow_start(self):
        from django.utils import timezone

        now = timezone.now()
        ad = PublicServiceAd(
            title="守法光荣", issuing_unit="省司法厅", flight_start=now,
            flight_end=now - datetime.timedelta(days=1),
        )
        with pytest.raises(ValidationError) as error:
            ad.full_clean()
        assert "投放结束时间必须晚于开始时间" in str(error.value)

    def test_ad_keeps_revisions_and_draft_state(self):
        ad = PublicServiceAd.objects.create(title="守法光荣", issuing_unit="省司法厅", live=False)
        revision = ad.save_revision()
        revision.publish()
        ad.refresh_from_db()
        assert ad.live
        assert ad.latest_revision_id == revision.id
