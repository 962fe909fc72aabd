"""The admin home page's 工作台: each role sees what needs it today."""

import re

import pytest
from django.test import Client

from .conftest import creator_article, submit

pytestmark = pytest.mark.django_db


def _workbench(user) -> str:
    client = Client()
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    start = html.index('id="pufa-workbench')
    return html[start:]


def _row(html, attribute, label) -> str:
    match = re.search(
        rf'data-{attribute}="{re.escape(label)}".*?pufa-wb__num">(\d+)<', html, re.S
    )
    assert match, f"no {attribute} row {label}"
    return match.group(1)


def test_a_reviewer_sees_the_queue_by_step(make_creator, reviewers):
    creator = make_creator()
    submit(creator_article(creator), creator)
    submit(creator_article(creator, title="离婚冷静期"), creator)

    html = _workbench(reviewers["first"])

    assert "待审核" in html and "打开审核队列" in html
    assert _row(html, "step", "初审（法律准确性）") == "2"
    assert _row(html, "step", "终审（签发）") == "0"


def test_a_creator_sees_their_own_items_and_no_queue(make_creator):
    creator = make_creator()
    submit(creator_article(creator), creator)
    creator_article(creator, title="草稿一篇")

    html = _workbench(creator)

    assert "打开审核队列" not in html and "渠道分发" not in html
    counts = re.findall(r'pufa-wb__big">(\d+)</span><small>([^<]+)<', html)
    assert ("1", "草稿") in counts and ("1", "审核中") in counts
    assert "草稿一篇" in html


def test_a_channel_publisher_sees_failures_per_channel(make_user, make_article):
    from channels import outbox
    from channels.models import Delivery, DeliveryState, Destination

    Destination.objects.create(channel="web", name="网站", slug="site")
    Destination.objects.create(channel="feeds", name="订阅源", slug="feeds")
    article = make_article()
    outbox.run_once(limit=10)
    Delivery.objects.filter(destination__slug="feeds").update(
        state=DeliveryState.FAILED
    )
    publisher = make_user(groups=["渠道发布"])

    html = _workbench(publisher)

    assert _row(html, "channel", "网站") == "1"
    assert _row(html, "channel", "RSS/Atom 订阅") == "1"
    assert "1 条分发异常" in html and "?state=failed" in html
    assert article.title not in html  # not their item


def test_empty_states_say_so(make_user):
    publisher = make_user(groups=["渠道发布", "初审"])

    html = _workbench(publisher)

    assert "审核队列是空的" in html
    assert "还没有你写的稿件" in html
    assert "近 24 小时没有分发记录" in html
