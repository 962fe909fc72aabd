"""Demo content of the editorial model, loaded by ``manage.py pufa_demo``.

Idempotent: everything is looked up by a stable key (slug, name, title) and
created only when missing, so a second run changes nothing. Pages are
published through ``revision.publish()`` so that every receiver of Wagtail's
publish signals (search index, caches, the delivery outbox) sees them.
"""

import datetime
import io
import logging
import subprocess

from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone

from . import demo_content as content
from .models import (
    AdFormat,
    ArticlePage,
    Audience,
    Campaign,
    CampaignWindow,
    ColumnFeaturedItem,
    ColumnIndexPage,
    ColumnPage,
    HomeFeaturedColumn,
    HomePage,
    LegalTopic,
    PublicServiceAd,
    PublicServiceAdVariant,
    PufaImage,
    User,
    VideoPage,
)

logger = logging.getLogger("pufa.demo")

DEMO_USERS = [
    ("editor", "编辑", "演示编辑"),
    ("creator", "自媒体创作者", "演示创作者"),
    ("reviewer1", "初审", "初审员"),
    ("reviewer2", "复审", "复审员"),
    ("reviewer3", "终审", "终审员"),
    ("publisher", "渠道发布", "渠道发布员"),
    ("screenops", "屏幕运维", "屏幕运维员"),
]
DEMO_IMAGE_COLLECTION_TAG = "demo"


def load_demo(command):
    users = create_users(command)
    create_taxonomy()
    with transaction.atomic():
        columns = create_columns(users["editor"])
    created = create_items(columns, users["editor"])
    feature_items(columns, users["editor"])
    feature_columns(columns, users["editor"])
    create_ads(users["editor"])
    command.stdout.write(
        f"演示内容：{len(columns)} 个专栏，{ArticlePage.objects.count()} 篇图文，"
        f"{VideoPage.objects.count()} 条短视频，{PublicServiceAd.objects.count()} 个公益广告"
        f"（本次新建 {created} 篇稿件）"
    )


# Accounts --------------------------------------------------------------------


def create_users(command):
    from .management.commands.pufa_demo import demo_password

    users = {}
    for username, role, display_name in DEMO_USERS:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"display_name": display_name, "email": f"{username}@pufa.example"},
        )
        password = demo_password(username)
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
        command.stdout.write(f"演示账号（{role}）：{username} / {password}")
    return users


# Taxonomy --------------------------------------------------------------------


def create_taxonomy():
    for name, slug, description in content.TOPICS:
        LegalTopic.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    for name, slug in content.AUDIENCES:
        Audience.objects.get_or_create(slug=slug, defaults={"name": name})
    for name, slug, description, start, end, lead, windows in content.CAMPAIGNS:
        campaign, _ = Campaign.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "recurring_start": start,
                "recurring_end": end,
                "lead_days": lead,
            },
        )
        for year, (starts_on, ends_on) in windows.items():
            CampaignWindow.objects.get_or_create(
                campaign=campaign,
                year=year,
                defaults={
                    "starts_on": datetime.date.fromisoformat(starts_on),
                    "ends_on": datetime.date.fromisoformat(ends_on),
                },
            )


# Images ----------------------------------------------------------------------


def cjk_font_path():
    """Return the path of a font with Chinese glyphs, or None."""
    for pattern in (":lang=zh-cn", ":lang=zh"):
        try:
            result = subprocess.run(
                ["fc-match", pattern, "-f", "%{file}"],
                capture_output=True,
                text=True,
                timeout=5,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        path = result.stdout.strip()
        if path and any(mark in path for mark in ("CJK", "WenQuanYi", "Hei", "Han")):
            return path
    try:
        result = subprocess.run(
            ["fc-list", ":lang=zh", "-f", "%{file}\n"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line for line in result.stdout.splitlines() if line.strip())
    return files[0] if files else None


_font_cache = {}


def _font(size):
    from PIL import ImageFont

    if "path" not in _font_cache:
        _font_cache["path"] = cjk_font_path()
    path = _font_cache["path"]
    if not path:
        return None
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return None


def draw_image(width, height, colour, title="", subtitle=""):
    """Draw a demo picture: a gradient, a seal-like emblem and, with a CJK font, text."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    r, g, b = colour
    for y in range(height):
        shade = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=(int(r * (1 - 0.45 * shade)), int(g * (1 - 0.45 * shade)),
                  int(b * (1 - 0.45 * shade))),
        )
    unit = min(width, height)
    cx, cy = int(width * 0.8), int(height * 0.5)
    radius = int(unit * 0.3)
    gold = (214, 178, 96)
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=gold,
                 width=max(2, unit // 60))
    # A balance: the old emblem of justice, drawn with lines.
    beam = int(radius * 0.7)
    draw.line([(cx, cy - beam), (cx, cy + beam)], fill=gold, width=max(2, unit // 80))
    draw.line([(cx - beam, cy - beam // 2), (cx + beam, cy - beam // 2)], fill=gold,
              width=max(2, unit // 80))
    for side in (-1, 1):
        px = cx + side * beam
        draw.polygon([(px - beam // 3, cy + beam // 6), (px + beam // 3, cy + beam // 6),
                      (px, cy - beam // 2)], outline=gold)
    draw.rectangle([cx - beam // 2, cy + beam, cx + beam // 2, cy + beam + unit // 40],
                   fill=gold)
    if title:
        font = _font(max(18, unit // 9))
        if font is not None:
            draw.text((int(width * 0.06), int(height * 0.3)), title, font=font,
                      fill=(255, 255, 255))
            if subtitle:
                small = _font(max(14, unit // 18))
                draw.text((int(width * 0.06), int(height * 0.3) + unit // 7), subtitle,
                          font=small, fill=(250, 235, 200))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def demo_image(title, colour, size=(960, 540), text="", subtitle=""):
    """Return the demo image named ``title``, drawing it the first time."""
    image = PufaImage.objects.filter(title=title).first()
    if image is not None:
        return image
    data = draw_image(size[0], size[1], colour, text, subtitle)
    image = PufaImage(
        title=title,
        caption=title,
        credit="普法演示",
        copyright_holder="普法",
        source="演示内容",
        file=ImageFile(io.BytesIO(data), name=f"demo-{abs(hash(title)) % 10**8}.png"),
    )
    image.save()
    image.tags.add(DEMO_IMAGE_COLLECTION_TAG)
    return image


# Pages -----------------------------------------------------------------------


def _publish(page, user):
    # The demo stands in for the whole review chain, so it publishes with
    # the editor's name but without the editor's (deliberately missing) right.
    revision = page.save_revision(user=user, log_action=True)
    revision.publish(user=user, skip_permission_checks=True)
    page.refresh_from_db()
    return page


def create_columns(editor):
    index = ColumnIndexPage.objects.first()
    if index is None:
        home = HomePage.objects.first()
        index = ColumnIndexPage(title="专栏", slug="columns")
        home.add_child(instance=index)
        _publish(index, editor)
    if not index.intro:
        index.intro = "按主题分类的普法专栏，由编辑精选推荐。"
        _publish(index, editor)
    columns = {}
    for title, slug, intro, colour in content.COLUMNS:
        column = ColumnPage.objects.filter(slug=slug).first()
        if column is None:
            cover = demo_image(f"专栏封面：{title}", colour, (1200, 400), title, intro)
            column = ColumnPage(
                title=title, slug=slug, intro=intro, cover_image=cover,
                editor_note=f"<p>{intro}本专栏稿件均经三审三校后发布。</p>",
            )
            index.add_child(instance=column)
            _publish(column, editor)
        columns[slug] = column
    return columns


def _apply_taxonomy(page, spec):
    page.topics.set(LegalTopic.objects.filter(slug__in=spec.get("topics", [])))
    page.audiences.set(Audience.objects.filter(slug__in=spec.get("audiences", [])))
    page.campaigns.set(Campaign.objects.filter(slug__in=spec.get("campaigns", [])))
    page.tags.set(spec.get("tags", []))


def _article_body(spec):
    body = [("paragraph", f"<p>{spec['paragraphs'][0]}</p>")]
    if spec.get("citation"):
        law, number, text = spec["citation"]
        body.append(
            ("law_citation", {"law_name": law, "article_number": number, "text": text})
        )
    for paragraph in spec["paragraphs"][1:]:
        body.append(("paragraph", f"<p>{paragraph}</p>"))
    if spec["kind"] == "case":
        body.append(
            ("quote", {"text": "本案例根据常见纠纷类型编写，人物均为化名。",
                       "attribution": "编者"})
        )
    return body


def create_items(columns, editor):
    colours = {slug: colour for _title, slug, _intro, colour in content.COLUMNS}
    created = 0
    for index, spec in enumerate(content.ARTICLES):
        if ArticlePage.objects.filter(slug=spec["slug"]).exists():
            continue
        column = columns[spec["column"]]
        # One drawn cover per column keeps the demo quick to load: every image
        # gets per-channel renditions when its item is published.
        cover = demo_image(
            f"题图：{column.title}", colours[spec["column"]], (960, 540),
            column.title, "普法 · 法治宣传教育",
        )
        page = ArticlePage(
            title=spec["title"],
            slug=spec["slug"],
            kind=spec["kind"],
            subtitle=spec["subtitle"],
            summary=spec["summary"],
            body=_article_body(spec),
            byline="普法编辑部" if index % 3 else "本站记者",
            source="普法" if spec["kind"] != "news" else "综合报道",
            cover_image=cover,
            correction_note=spec.get("correction_note", ""),
            owner=editor,
            **spec["channels"],
        )
        _apply_taxonomy(page, spec)
        errors = page.channel_field_errors()
        if errors:
            raise ValueError(f"演示稿件《{page.title}》渠道字段不合规：{errors}")
        column.add_child(instance=page)
        _publish(page, editor)
        created += 1
    for spec in content.VIDEOS:
        if VideoPage.objects.filter(slug=spec["slug"]).exists():
            continue
        column = columns[spec["column"]]
        poster = demo_image(
            "视频封面：普法短视频", (60, 40, 90), (960, 540), "普法短视频", "看视频 学法律"
        )
        page = VideoPage(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            transcript=spec["transcript"],
            poster=poster,
            cover_image=poster,
            byline="普法融媒体中心",
            source="普法",
            owner=editor,
            **spec["channels"],
        )
        _apply_taxonomy(page, spec)
        column.add_child(instance=page)
        _publish(page, editor)
        created += 1
    return created


def feature_items(columns, editor):
    """Give each column an editor-curated featured list the first time."""
    for column in columns.values():
        column = ColumnPage.objects.get(pk=column.pk)
        if column.featured_items.exists():
            continue
        children = list(ArticlePage.objects.child_of(column).live().order_by("path"))
        picks = children[:2]
        if not picks:
            continue
        column.featured_items = [
            ColumnFeaturedItem(item=page, pinned=position == 0, sort_order=position)
            for position, page in enumerate(picks)
        ]
        _publish(column, editor)


def feature_columns(columns, editor):
    home = HomePage.objects.first()
    if home.featured_columns.exists():
        return
    home.featured_columns = [
        HomeFeaturedColumn(column=column, sort_order=position)
        for position, column in enumerate(columns.values())
    ]
    if not home.intro:
        home.intro = "法治宣传教育全媒体平台"
    _publish(home, editor)


# Public-service ads --------------------------------------------------------------


def create_ads(editor):
    now = timezone.now()
    sizes = {
        AdFormat.LANDSCAPE: (1280, 720),
        AdFormat.PORTRAIT: (720, 1280),
        AdFormat.SQUARE: (800, 800),
    }
    for title, slogan, summary, unit, colour, start_days, end_days in content.ADS:
        if PublicServiceAd.objects.filter(title=title).exists():
            continue
        ad = PublicServiceAd(
            title=title,
            slogan=slogan,
            summary=summary,
            issuing_unit=unit,
            flight_start=now + datetime.timedelta(days=start_days),
            flight_end=now + datetime.timedelta(days=end_days),
            to_screens=True,
            screen_caption=slogan,
            live=False,
        )
        ad.variants = [
            PublicServiceAdVariant(
                format=fmt,
                image=demo_image(f"公益广告 {title}（{fmt.label}）", colour, size, slogan,
                                 unit),
                duration_seconds=15,
                sort_order=position,
            )
            for position, (fmt, size) in enumerate(sizes.items())
        ]
        ad.full_clean()
        ad.save()
        revision = ad.save_revision(user=editor)
        revision.publish(user=editor, skip_permission_checks=True)
