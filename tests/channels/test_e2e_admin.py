"""Browser journey: a channel publisher schedules a curated batch and checks the board."""


import pytest

from channels import outbox
from channels.models import Delivery
from tests.browser import ARTIFACTS, launch_chromium


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"channels-{name}.png"), full_page=True)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publisher_schedules_curated_batch_and_sees_the_dashboard(
    live_server, monkeypatch, make_user, make_destination, make_article
):
    from django.contrib.auth.models import Permission
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    make_destination("web", slug="site", name="普法网站")
    make_destination("feeds", slug="feeds", name="订阅源")
    curated = make_destination(
        "feeds", slug="partner", name="合作媒体专线", policy="curated"
    )
    articles = [make_article(title=title) for title in ("宪法日特稿", "民法典问答")]
    outbox.run_once()
    user = make_user("publisher", groups=["渠道发布"], is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN"
        ).new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "publisher")
        page.fill("#id_password", "pw-Pufa-2026")
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")

        page.goto(f"{live_server.url}/admin/channels/desk/")
        column = page.locator('[data-testid="desk-partner"]')
        column.get_by_label("民法典问答").check()
        column.get_by_label("宪法日特稿").check()
        shot(page, "desk-before")
        column.get_by_role("button", name="编排发送").click()
        page.wait_for_selector("text=已编排 2 篇稿件")
        shot(page, "desk-after")

        outbox.run_once()
        page.goto(f"{live_server.url}/admin/channels/")
        page.wait_for_selector('[data-testid="matrix"]')
        assert page.locator('[data-testid="health-partner"]').is_visible()
        shot(page, "dashboard-mobile")
        browser.close()

    rows = Delivery.objects.filter(destination=curated)
    assert set(rows.values_list("state", flat=True)) == {"delivered"}
    assert {r.item_title for r in rows} == {a.title for a in articles}
