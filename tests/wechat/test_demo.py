"""The demo account: queued demo items become posts that reach delivered."""

import io
import json

from django.core.management.base import OutputWrapper

from channels import outbox
from channels.models import Delivery, DeliveryState, Destination
from channels.wechat import demo

from .conftest import deliver_callbacks


class FakeCommand:
    def __init__(self):
        self.buffer = io.StringIO()
        self.stdout = OutputWrapper(self.buffer)


def test_demo_account_posts_every_wechat_item_until_delivered(
    settings, tmp_path, fake, inbox, client, make_wechat_article, make_user
):
    settings.PUFA_WECHAT_FAKE_PORT = int(fake.url.rsplit(":", 1)[1])
    settings.PUFA_WECHAT_FAKE_ACCOUNTS = tmp_path / "wechat-fake-accounts.json"
    settings.WAGTAILADMIN_BASE_URL = inbox.url
    make_user(groups=["渠道发布"])
    items = [make_wechat_article(title=f"演示稿件{n}") for n in range(1, 4)]
    make_wechat_article(title="只上网站", to_wechat=False)
    command = FakeCommand()

    demo.load_demo(command)
    demo.load_demo(command)  # idempotent: nothing is queued or composed twice

    destination = Destination.objects.get(slug="demo")
    rows = Delivery.objects.filter(destination=destination)
    assert rows.count() == len(items)
    written = json.loads(settings.PUFA_WECHAT_FAKE_ACCOUNTS.read_text())
    (entry,) = written.values()
    assert entry["callback_url"] == f"{inbox.url}/channels/wechat/demo/callback"
    assert entry["safe_mode"] is True
    assert "本次编排 1 条推送（3 篇）" in command.buffer.getvalue()
    assert "本次编排 0 条推送" in command.buffer.getvalue()

    fake.fake.accounts_file = str(settings.PUFA_WECHAT_FAKE_ACCOUNTS)
    outbox.run_once()
    deliver_callbacks(client, inbox.take(1))

    assert sorted(r.state for r in rows.all()) == [DeliveryState.DELIVERED] * 3
