"""The web channel: live pages with 410 after retraction, and static baking."""

import hashlib

import pytest

from channels import outbox
from channels.models import Delivery, RetractedPath
from channels.services import retract_item


@pytest.mark.django_db
def test_retracted_page_answers_410_gone(client, make_destination, make_article):
    make_destination("web", slug="site")
    article = make_article()
    outbox.run_once()
    url = article.url
    assert client.get(url).status_code == 200

    retract_item(article, user=None, reason="事实错误")
    outbox.run_once()

    gone = client.get(url)
    assert gone.status_code == 410
    assert "该稿件已撤回" in gone.content.decode()
    assert client.get("/columns/no-such-page/").status_code == 404
    receipt = Delivery.objects.for_item(article).get(action="retract").receipt
    assert receipt["path"] == url


@pytest.mark.django_db
def test_republished_page_is_served_again(client, make_destination, make_article):
    make_destination("web")
    article = make_article()
    retract_item(article, user=None, reason="暂时撤下")
    outbox.run_once()
    article.refresh_from_db()
    article.save_revision().publish()
    outbox.run_once()

    assert not RetractedPath.objects.exists()
    assert client.get(article.url).status_code == 200


@pytest.mark.django_db
def test_static_destination_bakes_pages_with_a_hash_and_leaves_a_gone_marker(
    make_destination, make_article, tmp_path
):
    docroot = tmp_path / "docroot"
    make_destination(
        "web", slug="static", config={"mode": "static", "docroot": str(docroot)}
    )
    article = make_article(title="静态化的普法页面")
    outbox.run_once()

    row = Delivery.objects.for_item(article).get()
    assert row.state == "delivered", row.last_error
    baked = docroot / article.url.strip("/") / "index.html"
    content = baked.read_bytes()
    assert "静态化的普法页面" in content.decode()
    assert row.receipt["sha256"] == hashlib.sha256(content).hexdigest()
    assert not list(baked.parent.glob(".tmp-*"))

    retract_item(article, user=None, reason="撤稿")
    outbox.run_once()
    assert not baked.exists()
    assert (baked.parent / "410.gone").exists()


@pytest.mark.django_db
def test_static_destination_writes_to_an_s3_prefix(make_destination, make_article):
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        s3.create_bucket(Bucket="site")
        make_destination(
            "web",
            config={
                "mode": "static",
                "s3": {"bucket": "site", "prefix": "www", "endpoint_url": endpoint},
            },
            credentials={"access_key": "test", "secret_key": "test"},
        )
        article = make_article(title="对象存储上的页面")
        outbox.run_once()
        key = "www/" + article.url.strip("/") + "/index.html"
        body = s3.get_object(Bucket="site", Key=key)["Body"].read()
        assert "对象存储上的页面" in body.decode()

        retract_item(article, user=None, reason="撤稿")
        outbox.run_once()
        names = [o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]]
        assert key not in names
        assert key.replace("index.html", "410.gone") in names
    finally:
        server.stop()


@pytest.mark.django_db
def test_public_service_ad_reaches_the_home_page_and_leaves_it_on_retraction(
    client, make_destination
):
    from cms.models import PublicServiceAd

    make_destination("web", slug="site")
    ad = PublicServiceAd.objects.create(
        title="守法光荣 违法可耻", issuing_unit="省司法厅", live=False
    )
    ad.save_revision().publish()
    outbox.run_once()

    publish = Delivery.objects.for_item(ad).get(action="publish")
    assert publish.state == "delivered"
    assert publish.receipt["shown_on"] == "/"
    assert "守法光荣 违法可耻" in client.get("/").content.decode()

    retract_item(ad, user=None, reason="投放单位撤回")
    outbox.run_once()

    assert Delivery.objects.for_item(ad).get(action="retract").state == "delivered"
    assert Delivery.objects.for_item(ad).get(action="publish").state == "revoked"
    assert "守法光荣 违法可耻" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_deleted_live_page_answers_410_gone(client, make_destination, make_article):
    from wagtail.models import Page

    make_destination("web", slug="site")
    article = make_article()
    outbox.run_once()
    url = article.url

    Page.objects.get(pk=article.pk).delete()
    outbox.run_once()

    assert client.get(url).status_code == 410


@pytest.mark.django_db
def test_static_page_whose_slug_changes_leaves_a_redirect_then_gone_markers(
    make_destination, make_article, tmp_path
):
    docroot = tmp_path / "docroot"
    make_destination(
        "web", slug="static", config={"mode": "static", "docroot": str(docroot)}
    )
    article = make_article(title="改名前的页面", slug="before")
    outbox.run_once()
    old = docroot / article.url.strip("/") / "index.html"
    assert "改名前的页面" in old.read_text()

    article.refresh_from_db()
    article.slug = "after"
    article.title = "改名后的页面"
    article.save_revision().publish()
    outbox.run_once()
    article.refresh_from_db()

    new = docroot / article.url.strip("/") / "index.html"
    assert new != old and "改名后的页面" in new.read_text()
    stub = old.read_text()
    assert "改名前的页面" not in stub
    assert f'http-equiv="refresh" content="0; url={article.full_url}"' in stub

    retract_item(article, user=None, reason="撤稿")
    outbox.run_once()
    assert not new.exists() and not old.exists()
    assert (new.parent / "410.gone").exists()
    assert (old.parent / "410.gone").exists()


@pytest.mark.django_db
def test_static_retraction_removes_the_file_at_the_path_of_the_last_receipt(
    make_destination, make_article, tmp_path
):
    from wagtail.models import Page

    docroot = tmp_path / "docroot"
    make_destination(
        "web", slug="static", config={"mode": "static", "docroot": str(docroot)}
    )
    article = make_article(title="将被删除的页面")
    outbox.run_once()
    baked = docroot / article.url.strip("/") / "index.html"
    assert baked.exists()

    Page.objects.get(pk=article.pk).delete()
    outbox.run_once()

    assert not baked.exists()
    assert (baked.parent / "410.gone").exists()
