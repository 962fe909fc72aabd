"""Demo channel setup for ``manage.py pufa_demo`` (idempotent).

Creates a web, an app and a feeds destination, an app named ``demo`` and a
partner-feed token, queues the demo items that were published before these
destinations existed, and delivers them. The demo key and token are derived
from ``SECRET_KEY`` so that every run prints the same working values.
"""

import hashlib
import hmac

from django.conf import settings

from cms.models import ArticlePage, PublicServiceAd, VideoPage

from . import outbox
from .models import AppClient, Delivery, Destination, PartnerFeedToken, _hash_secret

DESTINATIONS = [
    ("web", "site", "普法网站", {"mode": "live"}),
    ("app", "app", "普法客户端", {}),
    ("feeds", "feeds", "RSS/Atom 订阅源", {}),
]


def _demo_secret(label: str, prefix: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), label.encode(), hashlib.sha256)
    return prefix + digest.hexdigest()[:32]


def ensure_destinations():
    made = []
    for channel, slug, name, config in DESTINATIONS:
        destination, created = Destination.objects.get_or_create(
            slug=slug, defaults={"channel": channel, "name": name, "config": config}
        )
        if created:
            made.append(destination)
    return made


def ensure_app_key() -> str:
    key = _demo_secret("pufa-demo-app", "pk_demo_")
    app, _ = AppClient.objects.get_or_create(
        name="demo", defaults={"key_prefix": key[:10], "key_hash": _hash_secret(key)}
    )
    if app.key_hash != _hash_secret(key):
        app.key_prefix, app.key_hash = key[:10], _hash_secret(key)
        app.save()
    return key


def ensure_partner_token() -> str:
    token = _demo_secret("pufa-demo-partner", "ft_demo_")
    PartnerFeedToken.objects.get_or_create(
        token_hash=_hash_secret(token),
        defaults={"outlet": "示例合作媒体", "token_prefix": token[:10]},
    )
    return token


def live_items():
    for model in (ArticlePage, VideoPage):
        yield from model.objects.live().specific()
    yield from PublicServiceAd.objects.filter(live=True)


def queue_missing_rows() -> int:
    """Queue items published before the destinations existed."""
    queued = 0
    for item in live_items():
        revision = item.live_revision
        destinations = [
            d
            for d in outbox.destinations_for(item)
            if not Delivery.objects.for_item(item).filter(destination=d).exists()
        ]
        if revision is not None and destinations:
            queued += len(
                outbox.write_publish_rows(item, revision, destinations=destinations)
            )
    return queued


def load_demo(command):
    created = ensure_destinations()
    key = ensure_app_key()
    token = ensure_partner_token()
    queued = queue_missing_rows()
    delivered = outbox.run_once()
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    write = command.stdout.write
    write(
        f"渠道：新建 {len(created)} 个发布渠道账号，补建 {queued} 条分发记录，"
        f"本次投递 {delivered} 条。"
    )
    states = Delivery.objects.values_list("state", flat=True)
    summary = {}
    for state in states:
        summary[state] = summary.get(state, 0) + 1
    write(f"分发状态：{summary}")
    write(f"客户端 API 密钥（demo 应用，仅演示用）：{key}")
    write(f"  curl -H 'X-Api-Key: {key}' {base}/api/app/v1/items")
    write(f"合作媒体全文订阅令牌（仅演示用）：{token}")
    write(f"  {base}/feeds/latest.rss?token={token}")
