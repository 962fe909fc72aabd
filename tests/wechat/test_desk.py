"""The WeChat desk: publishers compose posts; the journey ends delivered."""

import re
import time

import pytest

from channels.models import Delivery, DeliveryState
from channels.wechat.models import PostState, WeChatPost
from tests.browser import ARTIFACTS, launch_chromium

from .conftest import held_rows, inspect

PASSWORD = "pw-Pufa-2026"


def test_desk_is_for_channel_publishers_only(client, make_user, account):
    client.force_login(make_user(groups=["编辑"], is_staff=True))

    answer = client.get("/admin/wechat/")

    assert answer.status_code in (302, 403)


def test_publisher_composes_a_post_in_the_chosen_order(client, make_user, account,
                                                       make_wechat_article):
    first = make_wechat_article(title="头条：民法典宣传月")
    second = make_wechat_article(title="次条：居住权")
    rows = held_rows(account)
    client.force_login(make_user(groups=["渠道发布"]))

    page = client.get("/admin/wechat/")
    answer = client.post(
        "/admin/wechat/",
        {
            "destination": account.pk,
            "delivery": [r.pk for r in rows],
            f"order-{rows[0].pk}": "2",
            f"order-{rows[1].pk}": "1",
        },
    )

    assert "头条：民法典宣传月" in page.content.decode()
    assert answer.status_code == 302
    post = WeChatPost.objects.get()
    assert [a.title for a in post.articles.order_by("index")] == [second.title, first.title]
    released = [Delivery.objects.get(pk=r.pk) for r in rows]
    assert all(not r.held and r.slot == post.slot for r in released)
    assert {r.pk: r.position for r in released} == {rows[1].pk: 0, rows[0].pk: 1}


def test_nothing_selected_gets_a_clear_message(client, make_user, account):
    client.force_login(make_user(groups=["渠道发布"]))

    answer = client.post("/admin/wechat/", {"destination": account.pk}, follow=True)

    assert "请至少选择一篇待推送的稿件" in answer.content.decode()
    assert WeChatPost.objects.count() == 0


def test_preview_shows_the_article_as_wechat_will(client, make_user, account,
                                                   make_wechat_article):
    make_wechat_article(title="居住权怎么设立", correction_note="更正了登记机关。")
    (row,) = held_rows(account)
    client.force_login(make_user(groups=["渠道发布"]))

    html = client.get(f"/admin/wechat/preview/{row.pk}/").content.decode()

    assert "居住权怎么设立" in html
    assert "更正说明：更正了登记机关。" in html
    assert "签发编号" in html


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publisher_journey_from_desk_to_delivered(
    live_server, fake, make_account, make_wechat_article, make_user, monkeypatch
):
    from playwright.sync_api import sync_playwright

    from channels import outbox

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The callback must not reach the live server while this thread still
    # writes: in-memory SQLite shares one cache between the two threads.
    fake.fake.publish_delay = 1.0
    destination = make_account("shengting", callback_base=live_server.url, safe_mode=True)
    for title in ("宪法宣传周：宪法与你我同行", "一图读懂居住权", "以案说法：高空抛物"):
        make_wechat_article(title=title)
    publisher = make_user("fabu", groups=["渠道发布"])
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN"
        ).new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", publisher.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/admin/$"))
        page.goto(f"{live_server.url}/admin/wechat/")
        page.screenshot(path=str(ARTIFACTS / "wechat-desk-queue.png"), full_page=True)
        for label in ("一图读懂居住权", "宪法宣传周：宪法与你我同行"):
            page.get_by_label(f"选择 {label}").check()
        page.get_by_role("button", name="组成推送并发送").click()
        page.wait_for_selector("text=已编排推送")

        outbox.run_once()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            callbacks = inspect(fake)["callbacks"]
            if any(entry["status"] == 200 for entry in callbacks):
                break
            time.sleep(0.1)
        post = WeChatPost.objects.get()

        page.goto(f"{live_server.url}/admin/wechat/")
        page.wait_for_selector("text=已发布")
        page.screenshot(path=str(ARTIFACTS / "wechat-desk-delivered.png"), full_page=True)
        article_link = page.locator(f"#post-{post.pk} a").first
        assert article_link.inner_text() == "宪法宣传周：宪法与你我同行"
        browser.close()

    assert post.state == PostState.DELIVERED
    rows = Delivery.objects.filter(destination=destination, held=False)
    assert sorted(r.state for r in rows) == [DeliveryState.DELIVERED] * 2
    assert Delivery.objects.filter(destination=destination, held=True).count() == 1
