import pytest
from django.utils import timezone

from channels.corrections import plan_for
from channels.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db


def delivered_to(destination, article):
    Delivery.objects.for_item(article).filter(destination=destination).update(
        state=DeliveryState.DELIVERED, delivered_at=timezone.now(), held=False
    )
    return Delivery.objects.for_item(article).filter(destination=destination)


def test_wechat_plan_follows_the_accounts_correction_mode(make_destination, make_article):
    republish = make_destination("wechat", slug="wx-a")
    notice = make_destination("wechat", slug="wx-b", config={"correction_mode": "notice"})
    article = make_article(to_wechat=True, wechat_title="居住权")

    assert plan_for(republish, delivered_to(republish, article)).method == (
        "delete_and_republish"
    )
    plan = plan_for(notice, delivered_to(notice, article))
    assert plan.method == "append_notice"
    assert plan.label == "追加更正说明"


def test_a_destination_that_never_received_the_item_needs_no_correction(
    make_destination, make_article
):
    notice = make_destination("wechat", slug="wx-c", config={"correction_mode": "notice"})
    make_article()
    assert plan_for(notice, Delivery.objects.none()).method == "first_publish"
