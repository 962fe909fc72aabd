"""Admin screens: dashboard, desk, per-item preview and correction plan."""

import pytest

from channels import outbox
from channels.models import Delivery

PUBLISHER = "渠道发布"


@pytest.fixture
def publisher(make_user):
    return make_user(groups=[PUBLISHER], is_staff=True)


def admin_client(client, user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_dashboard_shows_matrix_health_and_lets_a_publisher_retry(
    client, publisher, make_destination, make_article, receiver
):
    receiver.status = 422
    make_destination("web", slug="site", name="门户网站")
    make_destination(
        "app",
        slug="app",
        name="普法客户端",
        config={"webhook_url": receiver.url},
        credentials={"webhook_secret": "whsec_dGVzdA=="},
    )
    article = make_article(title="看板上的稿件")
    outbox.run_once()
    failed = Delivery.objects.for_item(article).get(destination__slug="app")
    assert failed.state == "failed"

    c = admin_client(client, publisher)
    page = c.get("/admin/channels/").content.decode()
    assert "看板上的稿件" in page
    assert "门户网站" in page and "已送达" in page and "失败" in page
    assert "HTTP 422" in page
    assert 'data-testid="health-app"' in page

    receiver.status = 200
    response = c.post(f"/admin/channels/deliveries/{failed.pk}/retry/")
    assert response.status_code == 302
    outbox.run_once()
    failed.refresh_from_db()
    assert failed.state == "delivered"
    assert c.get(f"/admin/channels/deliveries/{failed.pk}/").status_code == 200


@pytest.mark.django_db
def test_only_channel_publishers_may_act(
    client, make_user, make_destination, make_article
):
    make_destination("web")
    article = make_article()
    row = Delivery.objects.for_item(article).get()
    editor = make_user(groups=["编辑"], is_staff=True)
    c = admin_client(client, editor)
    assert c.get("/admin/channels/").status_code == 200
    refused = c.post(f"/admin/channels/deliveries/{row.pk}/cancel/", follow=True)
    assert "只有渠道发布人员可以执行此操作" in refused.content.decode()
    row.refresh_from_db()
    assert row.state == "pending"


@pytest.mark.django_db
def test_desk_schedules_a_curated_batch_in_the_chosen_order(
    client, publisher, make_destination, make_article
):
    curated = make_destination(
        "feeds", slug="curated", name="合作媒体专线", policy="curated"
    )
    first = make_article(title="甲稿")
    second = make_article(title="乙稿")
    rows = {r.item_title: r for r in Delivery.objects.filter(destination=curated)}
    c = admin_client(client, publisher)
    desk = c.get("/admin/channels/desk/").content.decode()
    assert "甲稿" in desk and "乙稿" in desk

    c.post(
        f"/admin/channels/desk/{curated.pk}/schedule/",
        {
            "delivery": [rows["甲稿"].pk, rows["乙稿"].pk],
            f"order-{rows['甲稿'].pk}": "2",
            f"order-{rows['乙稿'].pk}": "1",
            "scheduled_for": "",
        },
    )
    scheduled = Delivery.objects.filter(destination=curated).order_by("position")
    assert [r.item_title for r in scheduled] == ["乙稿", "甲稿"]
    assert len({r.slot for r in scheduled}) == 1
    assert outbox.run_once() == 2
    assert {first.pk, second.pk}


@pytest.mark.django_db
def test_item_view_shows_each_channel_findings_and_the_correction_plan(
    client, publisher, make_destination, make_article
):
    make_destination("web", slug="site")
    make_destination("feeds", slug="feeds")
    article = make_article(title="预览稿件", summary="")
    outbox.run_once()
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(article)
    page = (
        admin_client(client, publisher)
        .get(f"/admin/channels/items/{ct.pk}/{article.pk}/")
        .content.decode()
    )
    assert 'data-testid="preview-web"' in page and 'data-testid="preview-feeds"' in page
    assert "订阅源将只显示标题" in page
    assert "原位更新" in page


@pytest.mark.django_db
def test_publisher_issues_and_revokes_keys_and_tokens(client, publisher):
    from channels.models import AppClient, PartnerFeedToken

    c = admin_client(client, publisher)
    page = c.post(
        "/admin/channels/access/apps/",
        {"name": "普法App", "rate_limit_per_minute": "60"},
        follow=True,
    ).content.decode()
    key = page.split("（只显示这一次，请立即保存）：")[1].split("<")[0].strip()
    assert AppClient.for_key(key).name == "普法App"
    assert c.get("/api/app/v1/items", HTTP_X_API_KEY=key).status_code == 200

    page = c.post("/admin/channels/access/tokens/", {"outlet": "法治日报"}, follow=True)
    raw = page.content.decode().split("（只显示这一次）：")[1].split("<")[0].strip()
    token = PartnerFeedToken.for_token(raw)
    assert c.get(f"/feeds/latest.rss?token={raw}").status_code == 200
    c.post(f"/admin/channels/access/tokens/{token.pk}/revoke/")
    assert c.get(f"/feeds/latest.rss?token={raw}").status_code == 403
    listing = c.get("/admin/channels/access/").content.decode()
    assert "已撤销" in listing and "普法App" in listing
