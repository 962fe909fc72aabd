"""The admin speaks Chinese and the WeChat fields get live character counters."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_login_page_is_in_chinese(db):
    html = Client().get("/admin/login/").content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html


def test_admin_stays_chinese_for_an_english_browser(db):
    html = Client().get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html


def test_dashboard_is_in_chinese(admin_user):
    client = Client()
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert "控制面板" in html
    assert "Dashboard" not in html


def test_editor_loads_the_counter_script_and_marks_wechat_fields(admin_user, make_article):
    article = make_article()
    client = Client()
    client.force_login(admin_user)
    html = client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert "cms/admin/counters.js" in html
    assert "cms/admin/admin.css" in html
    assert 'data-pufa-counter="32"' in html
    assert 'data-pufa-counter="128"' in html


def test_counter_assets_are_served(db):
    script = Client().get("/static/cms/admin/counters.js")
    assert script.status_code == 200
    assert b"data-pufa-counter" in b"".join(script.streaming_content)
