"""Browser journeys through creator vetting and the 三审三校 review (Chromium)."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from tests.browser import ARTIFACTS

PASSWORD = "pw-Pufa-2026"




@pytest.fixture
def staff(make_user):
    return {
        "vetting": make_user("vetting", groups=["复审"]),
        "first": make_user("chushen", groups=["初审"]),
        "second": make_user("fushen", groups=["复审"]),
        "final": make_user("zhongshen", groups=["终审"]),
    }


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"moderation-{name}.png"), full_page=True)


def admin_login(browser, server, user, mobile=False):
    viewport = (
        {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
    )
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    page.goto(f"{server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))
    return page


def apply_as_creator(browser, server, tmp_path):
    page = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    page.goto(f"{server.url}/creators/apply")
    today = timezone.localdate()
    page.fill("#id_username", "lawyer_li")
    page.fill("#id_email", "li@example.cn")
    page.fill("#id_password", PASSWORD + "x!")
    page.fill("#id_password_again", PASSWORD + "x!")
    page.fill("#id_real_name", "李明")
    page.select_option("#id_creator_type", "individual")
    page.fill("#id_id_number", "11010519900101123X")
    page.select_option("#id_credential_type", "lawyer")
    page.fill("#id_credential_number", "11101202010654321")
    page.fill("#id_credential_issuer", "某市司法行政机关")
    page.fill("#id_credential_valid_from", str(today - datetime.timedelta(days=300)))
    page.fill("#id_credential_valid_until", str(today + datetime.timedelta(days=900)))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n% invented scan\n")
    page.set_input_files("#id_credential_scan", str(scan))
    page.fill("#id_domain_label", "婚姻家庭")
    page.check("#id_agree")
    shot(page, "01-apply-form")
    page.click("form.pf-form button[type=submit]")
    page.wait_for_selector("text=申请已提交")

    link = re.search(r"https?://\S+/creators/verify/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.wait_for_selector("text=邮箱已验证")
    return page


def creator_login(page, server, username, password):
    page.goto(f"{server.url}/creators/login")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_selector("text=创作者中心")


def write_and_submit(page, title):
    page.click("text=写图文稿件")
    page.wait_for_selector("#id_title")
    page.fill("#id_title", title)
    page.fill("#id_summary", "居住权人有权按照合同约定占有、使用他人的住宅。")
    page.locator("#id_title").press("Tab")
    # The submit action sits in the action menu's dropdown.
    page.click("footer [data-w-dropdown-target='toggle'], footer .w-dropdown__toggle")
    page.click("button[name='action-submit']")
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/(edit/)?$"))


def review_step(browser, server, user, title, action="approve", comment=""):
    page = admin_login(browser, server, user)
    page.goto(f"{server.url}/admin/moderation/queue/")
    row = page.locator("tr", has_text=title)
    row.locator("text=审核").click()
    page.wait_for_selector("[data-testid=review-form]")
    if comment:
        page.fill("#id_comment", comment)
    page.click(f"button[name=action][value={action}]")
    page.wait_for_url(re.compile(r".*/admin/moderation/queue/$"))
    return page


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_creator_is_vetted_then_article_passes_three_reviews(
    live_server, browser, staff, tmp_path
):
    from cms.models import ArticlePage

    creator_page = apply_as_creator(browser, live_server, tmp_path)

    vetting = admin_login(browser, live_server, staff["vetting"])
    vetting.goto(f"{live_server.url}/admin/moderation/creators/")
    vetting.locator("tr", has_text="李明").locator("text=查看").click()
    vetting.fill("#id_reason", "执业证核实无误")
    shot(vetting, "02-vetting")
    vetting.click("[data-testid=creator-decision] button[type=submit]")
    vetting.wait_for_selector("text=已批准创作者")

    creator_login(creator_page, live_server, "lawyer_li", PASSWORD + "x!")
    badge = creator_page.locator("[data-testid=credential-badge]").inner_text()
    assert "律师执业证" in badge and "654321" not in creator_page.content()
    shot(creator_page, "03-portal-approved")

    title = "居住权合同怎么签"
    write_and_submit(creator_page, title)
    article = ArticlePage.objects.get(title=title)
    assert not article.live

    for step in ("first", "second", "final"):
        page = review_step(browser, live_server, staff[step], title)
    shot(page, "04-queue-after-sign-off")

    article.refresh_from_db()
    assert article.live
    assert re.fullmatch(r"PF-\d{4}-\d{6}", article.compliance_number)
    public = browser.new_page()
    public.goto(live_server.url + article.url)
    assert article.compliance_number in public.content()
    shot(public, "05-live-article")

    creator_page.goto(f"{live_server.url}/creators/")
    assert article.compliance_number in creator_page.content()
    shot(creator_page, "06-portal-live")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rejected_article_shows_reason_in_portal(
    live_server, browser, staff, make_user
):
    from cms.models import ArticlePage
    from moderation import creators
    from moderation.models import CreatorProfile

    user = make_user("creator_zhao")
    profile = CreatorProfile.objects.create(
        user=user,
        real_name="赵律师",
        creator_type="individual",
        credential_type="lawyer",
        credential_number="11101202010777777",
        credential_issuer="某市司法行政机关",
        credential_valid_from=timezone.localdate() - datetime.timedelta(days=30),
        credential_valid_until=timezone.localdate() + datetime.timedelta(days=300),
        domain_label="劳动争议",
        status="pending",
    )
    creators.approve(profile, staff["vetting"], "核实无误")

    page = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    creator_login(page, live_server, "creator_zhao", PASSWORD)
    title = "加班费如何计算"
    write_and_submit(page, title)
    assert ArticlePage.objects.get(title=title).current_workflow_task.name == "初审"

    review_step(
        browser,
        live_server,
        staff["first"],
        title,
        "reject",
        "请补充劳动法第四十四条原文",
    )

    page.goto(f"{live_server.url}/creators/")
    rejection = page.locator("[data-testid=rejection]").first.inner_text()
    assert "请补充劳动法第四十四条原文" in rejection
    assert "已退回" in page.content()
    shot(page, "07-portal-rejected")
