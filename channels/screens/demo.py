"""Demo for ``manage.py pufa_demo`` (idempotent): screens and a newspaper.

Creates the screen group ``demo`` with two approved devices (one landscape,
one portrait) and its destination, and a newspaper destination named ``demo``
that drops packages into ``var/newspaper/demo``. The live demo items targeted
at screens or the newspaper are queued for them, scheduled on the channel
publishers' desk and delivered, so the playlist has items and the hot folder
holds packages. Device tokens are derived from ``SECRET_KEY`` so every run
prints the same working player URLs.
"""

import hashlib
import hmac
from datetime import time

from django.conf import settings
from django.utils import timezone

GROUP_SLUG = "demo"
HOT_FOLDER = "newspaper/demo"
DEVICES = [
    ("demo-landscape", "演示横屏（广场 LED）", "landscape", 1920, 1080, "市民广场东侧"),
    (
        "demo-portrait",
        "演示竖屏（社区宣传栏）",
        "portrait",
        1080,
        1920,
        "幸福里社区服务中心",
    ),
]
DAYPARTS = [("早高峰", time(7, 0), time(9, 30)), ("晚高峰", time(17, 0), time(19, 30))]


def _demo_token(hardware_key: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"pufa-screen-{hardware_key}".encode(),
        hashlib.sha256,
    )
    return "scr_demo_" + digest.hexdigest()[:32]


def ensure_group():
    from .models import Daypart, DeviceStatus, ScreenDevice, ScreenGroup, hash_token

    group, _ = ScreenGroup.objects.get_or_create(
        slug=GROUP_SLUG,
        defaults={
            "name": "演示屏幕组",
            "location": "市民广场与幸福里社区",
            "loop_min_seconds": 60,
            "loop_max_seconds": 900,
        },
    )
    for name, start, end in DAYPARTS:
        Daypart.objects.get_or_create(
            group=group, name=name, defaults={"start_time": start, "end_time": end}
        )
    tokens = {}
    for key, name, orientation, width, height, location in DEVICES:
        token = _demo_token(key)
        ScreenDevice.objects.update_or_create(
            hardware_key=key,
            defaults={
                "group": group,
                "name": name,
                "orientation": orientation,
                "width": width,
                "height": height,
                "location": location,
                "status": DeviceStatus.APPROVED,
                "token_hash": hash_token(token),
                "approved_at": timezone.now(),
            },
        )
        tokens[name] = token
    return group, tokens


def ensure_destinations():
    from channels.models import Destination

    screens, _ = Destination.objects.get_or_create(
        slug="screens-demo",
        defaults={
            "channel": "screens",
            "name": "演示屏幕组",
            "config": {"group": GROUP_SLUG},
        },
    )
    newspaper, _ = Destination.objects.get_or_create(
        slug="newspaper-demo",
        defaults={
            "channel": "newspaper",
            "name": "demo",
            "config": {"hot_folder": HOT_FOLDER, "provider": "pufa-demo"},
        },
    )
    return screens, newspaper


def _targeted_items(flag):
    from cms.models import ArticlePage, PublicServiceAd, VideoPage

    models = [VideoPage] if flag == "to_screens" else [ArticlePage, VideoPage]
    for model in models:
        yield from model.objects.live().filter(**{flag: True}).order_by("path")
    yield from PublicServiceAd.objects.filter(live=True, **{flag: True}).order_by("pk")


def schedule_items(destination, flag, user):
    """Queue and schedule the live items targeted at ``destination``'s channel."""
    from channels import outbox
    from channels.models import Delivery
    from channels.services import schedule_curated

    rows = []
    for item in _targeted_items(flag):
        if Delivery.objects.for_item(item).filter(destination=destination).exists():
            continue
        revision = item.live_revision
        if revision is not None:
            rows += outbox.write_publish_rows(
                item, revision, destinations=[destination]
            )
    held = [row for row in rows if row.held]
    if held:
        schedule_curated(destination, held, user=user, slot=f"demo-{destination.slug}")
    return len(rows)


def load_demo(command):
    from channels import outbox
    from cms.models import User

    from .compiler import compile_group

    group, tokens = ensure_group()
    screens, newspaper = ensure_destinations()
    admin = User.objects.filter(username="admin").first()
    queued = schedule_items(screens, "to_screens", admin)
    queued += schedule_items(newspaper, "to_newspaper", admin)
    outbox.run_once()
    snapshot = compile_group(group)

    hot_folder = settings.VAR_DIR / HOT_FOLDER
    packages = sorted(hot_folder.glob("*.xml")) if hot_folder.is_dir() else []
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    write = command.stdout.write
    write(
        f"屏幕：屏幕组 demo 节目单版本 {snapshot.version}，"
        f"{len(snapshot.manifest['loop'])} 条轮播；本次排期 {queued} 条。"
    )
    write(f"  {base}/screens/{GROUP_SLUG}/playlist.smil")
    for name, token in tokens.items():
        write(f"  {name}播放器（仅演示用）：{base}/screens/player/?device={token}")
    write(f"报纸：热文件夹 {hot_folder} 中有 {len(packages)} 个 NewsML-G2 稿件。")
