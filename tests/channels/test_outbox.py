"""The outbox: rows written with the publish, ordering, retraction, states."""

import pytest
from django.utils import timezone

from channels import outbox
from channels.models import Action, Delivery, DeliveryState
from channels.services import retract_item, schedule_curated


def states(item):
    return sorted(
        (d.destination.slug, d.action, d.state)
        for d in Delivery.objects.for_item(item).select_related("destination")
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publish_writes_one_row_per_destination_in_the_same_transaction(
    make_destination, make_article
):
    web = make_destination("web", slug="site")
    feeds = make_destination("feeds", slug="feeds")
    make_destination("wechat", slug="wx", active=False)
    article = make_article()

    rows = Delivery.objects.for_item(article)
    assert {(r.destination_id, r.action, r.state) for r in rows} == {
        (web.pk, Action.PUBLISH, DeliveryState.PENDING),
        (feeds.pk, Action.PUBLISH, DeliveryState.PENDING),
    }
    assert all(r.revision_id == article.live_revision_id for r in rows)
    assert len({r.idempotency_key for r in rows}) == 2


@pytest.mark.django_db
def test_a_repeated_publish_signal_writes_no_duplicate(make_destination, make_article):
    from wagtail.signals import published

    make_destination("web")
    article = make_article()
    published.send(
        sender=type(article), instance=article, revision=article.live_revision
    )
    assert Delivery.objects.for_item(article).count() == 1


@pytest.mark.django_db
def test_worker_delivers_and_a_correction_becomes_an_update(
    make_destination, make_article
):
    make_destination("web", slug="site")
    article = make_article()
    assert outbox.run_once() == 1

    article.title = "民法典里的居住权（更正）"
    article.correction_note = "更正了第二段的条文序号。"
    article.save_revision().publish()
    outbox.run_once()

    assert states(article) == [
        ("site", Action.PUBLISH, DeliveryState.DELIVERED),
        ("site", Action.UPDATE, DeliveryState.DELIVERED),
    ]


@pytest.mark.django_db
def test_retraction_cancels_pending_publish_and_jumps_the_queue(
    make_destination, make_article, make_user
):
    make_destination("web", slug="site")
    make_destination("feeds", slug="feeds")
    other = make_article(title="其他稿件")
    article = make_article()
    outbox.run_once()  # both delivered
    article.title = "改过的标题"
    article.save_revision().publish()  # two pending updates
    editor = make_user()

    rows = retract_item(article, user=editor, reason="事实错误")

    assert {r.action for r in rows} == {Action.RETRACT}
    assert all(r.priority > 0 for r in rows)
    updates = Delivery.objects.for_item(article).filter(action=Action.UPDATE)
    assert {u.state for u in updates} == {DeliveryState.CANCELLED}
    other.title = "其他稿件（修改）"
    other.save_revision().publish()
    first = outbox.claim("w", limit=1)[0]
    assert first.action == Action.RETRACT
    outbox.process(first, "w")
    outbox.run_once()
    article.refresh_from_db()
    assert not article.live
    assert [s for s in states(article) if s[1] == Action.PUBLISH] == [
        ("feeds", Action.PUBLISH, DeliveryState.REVOKED),
        ("site", Action.PUBLISH, DeliveryState.REVOKED),
    ]
    # The unpublish inside the retraction wrote no second retraction.
    assert Delivery.objects.for_item(article).filter(action=Action.RETRACT).count() == 2


@pytest.mark.django_db
def test_retraction_waits_for_its_own_publish_in_flight(make_destination, make_article):
    make_destination("web", slug="site")
    article = make_article()
    publish = outbox.claim("w1")[0]
    retract_item(article, user=None, reason="撤稿")

    assert outbox.claim("w2") == []  # the retraction never overtakes the publish
    outbox.process(publish, "w1")
    retraction = outbox.claim("w2")[0]
    assert retraction.action == Action.RETRACT


@pytest.mark.django_db
def test_curated_destination_holds_until_scheduled(make_destination, make_article):
    wechat_like = make_destination("feeds", slug="curated-feed", policy="curated")
    first = make_article(title="第一篇")
    second = make_article(title="第二篇")
    assert outbox.run_once() == 0
    held = Delivery.objects.filter(destination=wechat_like, held=True)
    assert held.count() == 2

    later = timezone.now() + timezone.timedelta(hours=1)
    rows = schedule_curated(
        wechat_like, [second, first], user=None, scheduled_for=later
    )

    assert [r.position for r in rows] == [0, 1]
    assert outbox.run_once() == 0  # embargo held by the engine
    Delivery.objects.filter(destination=wechat_like).update(
        scheduled_for=timezone.now()
    )
    assert outbox.run_once() == 2


@pytest.mark.django_db
def test_item_retracted_while_queued_leaves_the_queue(make_destination, make_article):
    from django.core.exceptions import ValidationError

    curated = make_destination("feeds", slug="curated", policy="curated")
    article = make_article()
    retract_item(article, user=None, reason="撤稿")
    assert not Delivery.objects.filter(destination=curated, held=True, state="pending")
    with pytest.raises(ValidationError):
        schedule_curated(
            curated, [Delivery.objects.get(destination=curated)], user=None
        )


@pytest.mark.django_db
def test_scheduled_publish_and_expiry_go_through_the_outbox(
    make_destination, make_article
):
    from django.core.management import call_command

    from cms.scheduler import registered_jobs

    make_destination("web", slug="site")
    article = make_article(publish=False)
    article.go_live_at = timezone.now() - timezone.timedelta(seconds=1)
    revision = article.save_revision()
    revision.approved_go_live_at = timezone.now() - timezone.timedelta(seconds=1)
    revision.save()

    assert {"publish_scheduled", "channels.dispatch"} <= set(registered_jobs())
    call_command("publish_scheduled", verbosity=0)
    assert outbox.due_count() == 1
    outbox.run_once()
    assert states(article) == [("site", Action.PUBLISH, DeliveryState.DELIVERED)]

    article.refresh_from_db()
    article.expire_at = timezone.now() - timezone.timedelta(seconds=1)
    article.save(update_fields=["expire_at"])
    call_command("publish_scheduled", verbosity=0)
    outbox.run_once()
    assert ("site", Action.RETRACT, DeliveryState.DELIVERED) in states(article)


@pytest.mark.django_db
def test_healthz_reports_the_oldest_pending_delivery(
    client, make_destination, make_article
):
    make_destination("web")
    make_article()
    Delivery.objects.update(created_at=timezone.now() - timezone.timedelta(hours=1))
    report = client.get("/healthz").json()
    check = report.get("checks", report)["oldest_pending_delivery"]
    assert check["ok"] is False and check["seconds"] >= 3600
    outbox.run_once()
    report = client.get("/healthz").json()
    assert report.get("checks", report)["oldest_pending_delivery"]["ok"] is True


@pytest.mark.django_db
def test_credentials_under_a_lost_key_hold_their_destination_only(
    settings, make_destination, make_article
):
    from cryptography.fernet import Fernet

    from channels.adapters.app import new_webhook_secret

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PUFA_FIELD_KEYS = [old]
    make_destination(
        "app",
        slug="app",
        config={"webhook_url": "http://127.0.0.1:9/hook"},
        credentials={"webhook_secret": new_webhook_secret()},
    )
    make_destination("web", slug="site")
    settings.PUFA_FIELD_KEYS = [new]  # the key the credentials were saved with is lost
    article = make_article()

    outbox.run_once()

    rows = {
        d.destination.slug: d
        for d in Delivery.objects.for_item(article).select_related("destination")
    }
    assert rows["site"].state == DeliveryState.DELIVERED
    held = rows["app"]
    assert held.state == DeliveryState.PENDING and held.next_attempt_at
    assert "凭据无法解密" in held.last_error and "PUFA_FIELD_KEYS" in held.last_error
