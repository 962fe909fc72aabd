"""The demo setup and the pufa_deliveries command."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from channels.models import Delivery, Destination


class FakeCommand:
    def __init__(self):
        self.stdout = StringIO()


@pytest.mark.django_db
def test_demo_creates_destinations_delivers_items_and_prints_working_secrets(
    client, make_article
):
    from channels.demo import load_demo

    article = make_article()  # published before any destination existed
    first, second = FakeCommand(), FakeCommand()
    load_demo(first)
    load_demo(second)

    assert set(Destination.objects.values_list("channel", flat=True)) == {
        "web",
        "app",
        "feeds",
    }
    rows = Delivery.objects.for_item(article)
    assert rows.count() == 3
    assert set(rows.values_list("state", flat=True)) == {"delivered"}
    output = second.stdout.getvalue()
    key = output.split("（demo 应用，仅演示用）：")[1].split()[0]
    token = output.split("全文订阅令牌（仅演示用）：")[1].split()[0]
    assert key in first.stdout.getvalue()
    assert client.get("/api/app/v1/items", HTTP_X_API_KEY=key).status_code == 200
    assert client.get(f"/feeds/latest.rss?token={token}").status_code == 200


@pytest.mark.django_db
def test_pufa_deliveries_lists_rows_as_text_and_json(make_destination, make_article):
    from channels import outbox

    make_destination("web", slug="site")
    make_destination("feeds", slug="feeds")
    make_article(title="命令行里的稿件")
    outbox.run_once()

    out = StringIO()
    call_command("pufa_deliveries", "--channel", "feeds", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [(r["item"], r["destination"], r["state"]) for r in rows] == [
        ("命令行里的稿件", "feeds", "delivered")
    ]
    text = StringIO()
    call_command("pufa_deliveries", "--state", "failed", stdout=text)
    assert "没有符合条件的分发记录" in text.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="invalid choice"):
        call_command("pufa_deliveries", "--state", "nonsense")


def test_pufa_deliver_once_exits_with_an_error_when_its_round_fails(
    db, monkeypatch, caplog
):
    from channels import outbox

    def broken_round(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(outbox, "run_once", broken_round)

    with pytest.raises(SystemExit) as stopped:
        call_command("pufa_deliver", "--once", stdout=StringIO())

    assert stopped.value.code == 1
    assert "delivery worker round failed" in caplog.text
