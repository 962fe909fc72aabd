"""The app channel: ninjs documents, the change feed, keys, ETags, webhooks."""

import json

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from channels import outbox
from channels.adapters.app import new_webhook_secret
from channels.models import AppClient, Delivery
from channels.services import retract_item

from .helpers import assert_ninjs


@pytest.fixture
def app_key(db):
    app = AppClient(name="demo", rate_limit_per_minute=100)
    key = app.issue_key()
    app.save()
    return key


def get(client, url, key, **headers):
    return client.get(url, HTTP_X_API_KEY=key, **headers)


@pytest.mark.django_db
def test_change_feed_serves_valid_ninjs_with_corrections_and_retractions(
    client, make_destination, make_article, app_key
):
    make_destination("app", slug="app")
    article = make_article(subtitle="从一则案例说起", byline="普法编辑部")
    other = make_article(title="劳动合同解除的经济补偿")
    outbox.run_once()

    first = get(client, "/api/app/v1/items", app_key)
    assert first.status_code == 200
    page = first.json()
    assert [d["title"] for d in page["data"]] == [article.title, other.title]
    for document in page["data"]:
        assert_ninjs(document)
    assert page["data"][0]["bodies"][0]["contentType"] == "text/html"
    cursor = page["next_cursor"]

    article.correction_note = "更正：居住权自登记时设立。"
    article.save_revision().publish()
    retract_item(other, user=None, reason="重复稿件")
    outbox.run_once()

    changes = get(client, f"/api/app/v1/items?since={cursor}", app_key).json()
    by_uri = {d["uri"]: d for d in changes["data"]}
    assert set(by_uri) == {
        f"urn:pufa:item:page-{article.pk}",
        f"urn:pufa:item:page-{other.pk}",
    }
    corrected = by_uri[f"urn:pufa:item:page-{article.pk}"]
    assert {"role": "correction", "value": "更正：居住权自登记时设立。"} in corrected[
        "descriptions"
    ]
    assert by_uri[f"urn:pufa:item:page-{other.pk}"]["pubStatus"] == "canceled"
    for document in changes["data"]:
        assert_ninjs(document)
    article.refresh_from_db()
    single = get(client, f"/api/app/v1/items/page-{article.pk}", app_key)
    assert single.json()["version"] == str(article.live_revision_id)
    assert get(client, "/api/app/v1/items/page-999999", app_key).status_code == 404


@pytest.mark.django_db
def test_etag_answers_304_until_something_changes(
    client, make_destination, make_article, app_key
):
    make_destination("app")
    make_article()
    outbox.run_once()
    first = get(client, "/api/app/v1/items", app_key)
    etag = first["ETag"]

    again = get(client, "/api/app/v1/items", app_key, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    make_article(title="新稿件")
    outbox.run_once()
    changed = get(client, "/api/app/v1/items", app_key, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200


@pytest.mark.django_db
def test_keys_are_required_and_rate_limited_per_app(client, app_key):
    from django.core.cache import cache

    cache.clear()
    assert client.get("/api/app/v1/items").status_code == 401
    assert get(client, "/api/app/v1/items", "pk_wrong").status_code == 401
    slow = AppClient(name="限流测试", rate_limit_per_minute=2)
    slow_key = slow.issue_key()
    slow.save()
    codes = [get(client, "/api/app/v1/items", slow_key).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = get(client, "/api/app/v1/items", slow_key)
    assert "请求过于频繁" in limited.json()["detail"]
    assert int(limited["Retry-After"]) <= 60
    # Another app keeps its own budget.
    bearer = client.get("/api/app/v1/items", HTTP_AUTHORIZATION=f"Bearer {app_key}")
    assert bearer.status_code == 200
    bad = get(client, "/api/app/v1/items?limit=0", app_key)
    assert bad.status_code == 400


@pytest.mark.django_db
def test_openapi_document_describes_the_api(client):
    response = client.get("/api/app/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/app/v1/items", "/api/app/v1/items/{ref}"} <= set(spec["paths"])


@pytest.mark.django_db
def test_webhook_pushes_verify_with_standard_webhooks(
    make_destination, make_article, receiver
):
    secret = new_webhook_secret()
    make_destination(
        "app",
        config={"webhook_url": receiver.url},
        credentials={"webhook_secret": secret},
    )
    article = make_article()
    outbox.run_once()
    retract_item(article, user=None, reason="撤稿")
    outbox.run_once()

    assert len(receiver.requests) == 2
    verifier = Webhook(secret)
    events = []
    for request in receiver.requests:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        payload = verifier.verify(request["body"], headers)
        events.append(payload["type"])
        assert_ninjs(payload["data"]["document"])
    assert events == ["item.published", "item.canceled"]
    rows = Delivery.objects.for_item(article).order_by("sequence")
    assert [r.idempotency_key for r in rows] == receiver.keys()
    # A tampered body fails verification.
    first = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        verifier.verify(
            first["body"].replace(b"item.published", b"item.canceled"),
            {k.lower(): v for k, v in first["headers"].items()},
        )
    assert json.loads(first["body"])["data"]["document"]["pubStatus"] == "usable"


@pytest.mark.django_db(transaction=True)
def test_change_feed_never_skips_a_change_that_commits_late(
    client, make_destination, make_article, app_key
):
    """A worker that stored its change first but commits last is not passed by."""
    import threading

    from django.db import connection, transaction

    make_destination("app", slug="app")
    slow, fast = make_article(title="先写后提交"), make_article(title="后写先提交")
    rows = {a.pk: Delivery.objects.for_item(a).get() for a in (slow, fast)}
    slow_stored, release, fast_done = (threading.Event() for _ in range(3))
    errors = []

    def deliver(article, hold):
        try:
            row = rows[article.pk]
            with transaction.atomic():
                row.destination.adapter().publish(row)
                if hold:
                    slow_stored.set()
                    release.wait(20)
            if not hold:
                fast_done.set()
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
            slow_stored.set()
        finally:
            connection.close()

    first = threading.Thread(target=deliver, args=(slow, True))
    first.start()
    assert slow_stored.wait(20)
    second = threading.Thread(target=deliver, args=(fast, False))
    second.start()
    fast_done.wait(1.5)

    seen = []
    page = get(client, "/api/app/v1/items", app_key).json()
    seen += [d["title"] for d in page["data"]]
    release.set()
    first.join(20)
    second.join(20)
    assert not errors, errors
    later = get(client, f"/api/app/v1/items?since={page['next_cursor']}", app_key)
    seen += [d["title"] for d in later.json()["data"]]

    assert sorted(seen) == sorted([slow.title, fast.title])


@pytest.mark.django_db
def test_deleted_page_is_canceled_in_the_change_feed_and_by_id(
    client, make_destination, make_article, app_key
):
    from wagtail.models import Page

    make_destination("app", slug="app")
    article = make_article()
    outbox.run_once()
    cursor = get(client, "/api/app/v1/items", app_key).json()["next_cursor"]

    Page.objects.get(pk=article.pk).delete()
    outbox.run_once()

    changes = get(client, f"/api/app/v1/items?since={cursor}", app_key).json()
    assert [(d["uri"], d["pubStatus"]) for d in changes["data"]] == [
        (f"urn:pufa:item:page-{article.pk}", "canceled")
    ]
    single = get(client, f"/api/app/v1/items/page-{article.pk}", app_key).json()
    assert single["pubStatus"] == "canceled"
    assert single["title"] == article.title
    assert_ninjs(single)


@pytest.mark.django_db
def test_republishing_the_same_revision_after_a_retraction_makes_it_usable(
    client, make_destination, make_article, app_key
):
    make_destination("app", slug="app")
    article = make_article()
    outbox.run_once()
    retract_item(article, user=None, reason="暂时撤下")
    outbox.run_once()
    url = f"/api/app/v1/items/page-{article.pk}"
    assert get(client, url, app_key).json()["pubStatus"] == "canceled"
    cursor = get(client, "/api/app/v1/items", app_key).json()["next_cursor"]

    article.refresh_from_db()
    revision = article.latest_revision
    revision.publish()
    outbox.run_once()

    document = get(client, url, app_key).json()
    assert (document["pubStatus"], document["version"]) == ("usable", str(revision.pk))
    changes = get(client, f"/api/app/v1/items?since={cursor}", app_key).json()
    assert [d["pubStatus"] for d in changes["data"]] == ["usable"]
    assert_ninjs(document)
