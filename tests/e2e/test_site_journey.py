"""A visitor's and an editor's journey through the site in Debian's Chromium.

Screenshots go to ``test-artifacts/`` so a person can look at what was tested.
"""

import re

import pytest

from tests.browser import ARTIFACTS, launch_chromium

BODY = (
    "居住权人有权按照合同约定，对他人的住宅享有占有、使用的用益物权，"
    "以满足生活居住的需要。设立居住权应当采用书面形式订立合同，并向登记机构申请登记。"
)


@pytest.fixture
def site_content(home, make_column, make_article, make_user, campaign_today):
    from modelsearch import index

    from cms.models import ArticleKind, ArticlePage, HomeFeaturedColumn

    column = make_column("民法典进万家", slug="minfadian", intro="民法典护佑每个人的一生。")
    article = make_article(
        parent=column,
        title="民法典里的居住权",
        slug="juzhuquan",
        kind=ArticleKind.EXPLAINER,
        subtitle="把房子的“住”和“有”分开",
        summary="居住权是民法典新设立的用益物权。",
        byline="普法编辑部",
        body=[
            ("paragraph", f"<p>{BODY}</p>"),
            (
                "law_citation",
                {
                    "law_name": "中华人民共和国民法典",
                    "article_number": "第三百六十六条",
                    "text": "居住权人有权按照合同约定，对他人的住宅享有占有、使用的用益物权。",
                },
            ),
        ],
    )
    make_article(parent=column, title="高空抛物伤了人怎么办", slug="gaokong")
    home.featured_columns = [HomeFeaturedColumn(column=column)]
    home.save_revision().publish()
    index.insert_or_update_object(ArticlePage.objects.get(pk=article.pk))
    editor = make_user("zhangbianji", is_superuser=True, is_staff=True)
    return {"article": article, "editor": editor}


@pytest.fixture
def campaign_today(db):
    import datetime

    from django.utils import timezone

    from cms.models import Campaign

    today = timezone.localdate()
    return Campaign.objects.create(
        name="国家宪法日",
        slug="xianfari",
        recurring_start=(today - datetime.timedelta(days=1)).strftime("%m-%d"),
        recurring_end=(today + datetime.timedelta(days=1)).strftime("%m-%d"),
    )


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_visitor_reads_searches_and_editor_logs_in(live_server, site_content):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")

            page.goto(base + "/")
            expect(page).to_have_title(re.compile("普法"))
            expect(page.locator(".campaign-banner")).to_contain_text("国家宪法日")
            expect(page.locator("main")).to_contain_text("民法典进万家")
            page.screenshot(path=str(ARTIFACTS / "site-01-home.png"), full_page=True)

            page.get_by_role("link", name="民法典里的居住权").first.click()
            expect(page.locator("h1")).to_have_text("民法典里的居住权")
            expect(page.locator(".law-citation")).to_contain_text("第三百六十六条")
            expect(page.locator(".badge").first).to_have_text("普法解读")
            page.screenshot(path=str(ARTIFACTS / "site-02-article.png"), full_page=True)

            page.get_by_label("搜索法律知识").fill("登记机构")
            page.get_by_label("搜索法律知识").press("Enter")
            expect(page.locator(".search-count")).to_contain_text("找到 1 条")
            expect(page.locator(".search-snippet mark").first).to_have_text("登记机构")
            page.screenshot(path=str(ARTIFACTS / "site-03-search.png"), full_page=True)

            page.get_by_label("搜索词").fill("量子力学")
            page.get_by_label("搜索词").press("Enter")
            expect(page.locator(".empty-state")).to_contain_text("没有找到")

            mobile = browser.new_page(viewport={"width": 375, "height": 812}, locale="zh-CN")
            mobile.goto(base + site_content["article"].url)
            width = mobile.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, "the article page scrolls sideways on a phone"
            mobile.screenshot(path=str(ARTIFACTS / "site-04-article-mobile.png"), full_page=True)

            # An English-speaking browser still gets the Chinese admin.
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            page.goto(base + "/admin/login/")
            expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
            page.locator("#id_username").fill("zhangbianji")
            page.locator("#id_password").fill("pw-Pufa-2026")
            page.locator("button[type=submit]").click()
            expect(page).to_have_title(re.compile("控制面板"))
            page.wait_for_load_state("networkidle")
            expect(page.locator("main h1, main h2").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "site-05-admin-dashboard.png"))

            page.goto(f"{base}/admin/pages/{site_content['article'].pk}/edit/")
            field = page.locator("[data-pufa-counter='32'] input").first
            # The WeChat panel starts collapsed; open it as an editor would.
            page.locator(
                "section:has([data-pufa-counter='32']) > .w-panel__header "
                "button[aria-expanded]"
            ).first.click()
            field.fill("宪法为什么是根本法？三分钟读懂")
            counter = page.locator("[data-pufa-counter='32'] .pufa-counter")
            expect(counter).to_have_text("15 / 32 字")
            field.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "site-06-admin-counter.png"))
        finally:
            browser.close()
