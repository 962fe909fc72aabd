"""Demo: a WeChat account named ``demo`` on the fake platform, and its posts.

``make run`` starts the fake WeChat server (``settings.PUFA_EXTRA_PROCESSES``)
and reads the demo account from ``settings.PUFA_WECHAT_FAKE_ACCOUNTS``, which
this module writes. The demo items targeted at WeChat are queued for the
account and composed into posts of up to eight articles; once the worker and
the fake server run, each post goes through draft, submit and the (safe-mode)
callback until every delivery is ``delivered``.
"""

import json
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .crypto import new_encoding_aes_key

DEMO_SLUG = "demo"


def demo_destination():
    from channels.models import Destination

    destination = Destination.objects.filter(slug=DEMO_SLUG).first()
    if destination is None:
        destination = Destination(channel="wechat", name="普法演示公众号", slug=DEMO_SLUG)
        destination.set_credentials(
            {
                "appid": "wxdemo" + secrets.token_hex(5),
                "secret": secrets.token_hex(16),
                "token": secrets.token_hex(8),
                "encoding_aes_key": new_encoding_aes_key(),
            }
        )
    destination.config = {
        **(destination.config or {}),
        "base_url": f"http://127.0.0.1:{settings.PUFA_WECHAT_FAKE_PORT}/cgi-bin/",
        "author": "普法办",
        "correction_mode": (destination.config or {}).get("correction_mode", "republish"),
    }
    destination.save()
    return destination


def write_fake_accounts(destination):
    """Tell the fake server about the demo account (it reloads the file)."""
    credentials = destination.credentials()
    callback = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/channels/wechat/{DEMO_SLUG}/callback"
    path = settings.PUFA_WECHAT_FAKE_ACCOUNTS
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "appid": credentials["appid"],
        "secret": credentials["secret"],
        "token": credentials["token"],
        "encoding_aes_key": credentials["encoding_aes_key"],
        "callback_url": callback,
        "safe_mode": True,
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({credentials["appid"]: entry}, ensure_ascii=False))
    temporary.chmod(0o600)
    temporary.replace(path)


def queue_demo_items(destination):
    """Write held deliveries for live items targeted at WeChat that have none."""
    from channels import outbox
    from channels.models import Delivery
    from cms.models import ArticlePage, PublicServiceAd, VideoPage

    queued = []
    for model in (ArticlePage, VideoPage):
        for item in model.objects.live().filter(to_wechat=True).order_by("path"):
            if Delivery.objects.for_item(item).filter(destination=destination).exists():
                continue
            queued += outbox.write_publish_rows(
                item, item.live_revision, destinations=[destination]
            )
    for item in PublicServiceAd.objects.filter(live=True, to_wechat=True):
        if not Delivery.objects.for_item(item).filter(destination=destination).exists():
            queued += outbox.write_publish_rows(
                item, item.live_revision, destinations=[destination]
            )
    return queued


def load_demo(command):
    from channels.models import Delivery, DeliveryState
    from cms.models import User

    from .adapter import WeChatAdapter
    from .posts import MAX_ARTICLES, compose_post

    with transaction.atomic():
        destination = demo_destination()
        queue_demo_items(destination)
    write_fake_accounts(destination)
    held = list(
        Delivery.objects.filter(
            destination=destination, held=True, state=DeliveryState.PENDING
        ).order_by("id")
    )
    adapter = WeChatAdapter(destination)
    ready = []
    for row in held:
        problems = [f.message for f in adapter.validate(row.item()) if f.severity == "error"]
        if problems:
            command.stdout.write(f"微信演示：《{row.item_title}》暂不能推送：{'；'.join(problems)}")
        else:
            ready.append(row)
    publisher = User.objects.filter(groups__name="渠道发布").first() or User.objects.filter(
        is_superuser=True
    ).first()
    composed = 0
    for start in range(0, len(ready), MAX_ARTICLES):
        try:
            compose_post(destination, ready[start : start + MAX_ARTICLES], user=publisher)
            composed += 1
        except ValidationError as error:
            command.stdout.write(f"微信演示：编排失败：{'；'.join(error.messages)}")
    command.stdout.write(
        f"微信公众号演示账号 demo：本次编排 {composed} 条推送（{len(ready)} 篇），"
        f"模拟微信服务器 http://127.0.0.1:{settings.PUFA_WECHAT_FAKE_PORT}/"
    )
