"""Screen groups, devices, their playlists and what the devices report back.

A screen group (屏幕组) is one destination of the screens channel; its devices
all play the group's playlist. The compiler writes a :class:`PlaylistSnapshot`
whenever what the group should play changes; devices report which snapshot
they run in their heartbeats, which is how a retraction is confirmed.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone


class Orientation(models.TextChoices):
    LANDSCAPE = "landscape", "横屏 (1920×1080)"
    PORTRAIT = "portrait", "竖屏 (1080×1920)"


CANVAS = {Orientation.LANDSCAPE: (1920, 1080), Orientation.PORTRAIT: (1080, 1920)}


class ScreenGroup(models.Model):
    """Screens that play the same playlist, e.g. a station-square LED wall."""

    slug = models.SlugField("标识", max_length=64, unique=True)
    name = models.CharField("名称", max_length=128)
    location = models.CharField("位置", max_length=255, blank=True)
    orientation = models.CharField(
        "默认方向",
        max_length=16,
        choices=Orientation.choices,
        default=Orientation.LANDSCAPE,
        help_text="playlist.smil 默认按此方向输出；竖屏设备使用 ?orientation=portrait。",
    )
    loop_min_seconds = models.PositiveIntegerField(
        "轮播最短时长（秒）", default=60, help_text="排期不足时用垫片补足。"
    )
    loop_max_seconds = models.PositiveIntegerField(
        "轮播最长时长（秒）", default=900, help_text="超出时按优先级从低到高舍去。"
    )
    heartbeat_seconds = models.PositiveIntegerField("心跳间隔（秒）", default=30)
    poll_seconds = models.PositiveIntegerField("节目单检查间隔（秒）", default=60)
    offline_after_seconds = models.PositiveIntegerField(
        "离线告警阈值（秒）", default=180
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "屏幕组"
        verbose_name_plural = "屏幕组"

    def __str__(self):
        return self.name

    def latest_snapshot(self):
        return self.snapshots.order_by("-seq").first()


# ISO weekdays, Monday=1 … Sunday=7, as the manifest and the player count them.
WEEKDAY_CHOICES = [
    (1, "周一"),
    (2, "周二"),
    (3, "周三"),
    (4, "周四"),
    (5, "周五"),
    (6, "周六"),
    (7, "周日"),
]
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


class WeekdayPreset(models.TextChoices):
    EVERY_DAY = "every_day", "每天"
    WORKDAYS = "workdays", "工作日"
    WEEKEND = "weekend", "周末"


# 工作日 is Monday to Friday: public holidays and make-up working weekends (调休)
# are not known to the screens, so a holiday Monday is still a 工作日.
PRESET_DAYS = {
    WeekdayPreset.EVERY_DAY: EVERY_DAY,
    WeekdayPreset.WORKDAYS: [1, 2, 3, 4, 5],
    WeekdayPreset.WEEKEND: [6, 7],
}
NO_WEEKDAY_MESSAGE = "请至少选择一天（周一至周日）。"


def every_day() -> list[int]:
    return list(EVERY_DAY)


def validate_weekdays(value) -> None:
    """Accept a non-empty list of ISO weekdays (1–7)."""
    if not isinstance(value, list) or not value:
        raise ValidationError(NO_WEEKDAY_MESSAGE, code="no_weekday")
    if any(isinstance(day, bool) or day not in EVERY_DAY for day in value):
        raise ValidationError("星期只能是 1（周一）到 7（周日）。", code="bad_weekday")


class Daypart(models.Model):
    """A time band (时段) on chosen weekdays, e.g. morning rush hour 07:00–09:30.

    A band that ends before it starts crosses midnight and belongs to the day it
    starts on: Friday 22:00–02:00 runs from Friday night into Saturday morning.
    """

    group = models.ForeignKey(
        ScreenGroup, on_delete=models.CASCADE, related_name="dayparts"
    )
    name = models.CharField("名称", max_length=64)
    start_time = models.TimeField("开始")
    end_time = models.TimeField("结束", help_text="早于开始时间表示跨过午夜。")
    weekdays = models.JSONField(
        "星期",
        default=every_day,
        validators=[validate_weekdays],
        error_messages={"blank": NO_WEEKDAY_MESSAGE, "null": NO_WEEKDAY_MESSAGE},
        help_text="时段在哪几天生效；跨过午夜的时段算作开始那一天。",
    )

    class Meta:
        ordering = ["group", "start_time"]
        verbose_name = "时段"
        verbose_name_plural = "时段"

    def __str__(self):
        return f"{self.name} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def save(self, *args, **kwargs):
        # Store each day once, Monday first, however the days were given.
        if isinstance(self.weekdays, list) and all(
            isinstance(day, int) for day in self.weekdays
        ):
            self.weekdays = sorted(set(self.weekdays))
        super().save(*args, **kwargs)

    @property
    def weekdays_label(self) -> str:
        """Return the chosen days as an operator reads them (每天, 工作日, 周一、周三)."""
        days = sorted(set(self.weekdays or []))
        for preset, preset_days in PRESET_DAYS.items():
            if days == preset_days:
                return preset.label
        names = dict(WEEKDAY_CHOICES)
        return "、".join(names[day] for day in days if day in names)


class DeviceStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已启用"
    REVOKED = "revoked", "已停用"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The code is read off a screen across a room and typed by hand: no
# characters that pass for one another (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V).
# 22⁶ ≈ 1.1 × 10⁸ codes; a code only finds a device, it grants nothing.
PAIRING_ALPHABET = "ACEFGHJKMNPRTWXY346789"
PAIRING_CODE_LENGTH = 6
MIN_CLAIM_SECRET_LENGTH = 32


def new_pairing_code() -> str:
    return "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_CODE_LENGTH))


def free_pairing_code() -> str:
    """Return a pairing code that no device shows at the moment."""
    for _ in range(10):
        code = new_pairing_code()
        if not ScreenDevice.objects.filter(pairing_code=code).exists():
            return code
    raise RuntimeError("no free pairing code")


def normalise_pairing_code(text: str) -> str:
    """Return ``text`` as a stored pairing code: upper case, separators dropped."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


class ScreenDevice(models.Model):
    """One screen player, known by its hardware key, approved by 屏幕运维."""

    group = models.ForeignKey(
        ScreenGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
        verbose_name="屏幕组",
    )
    name = models.CharField("名称", max_length=128)
    hardware_key = models.CharField("硬件标识", max_length=128, unique=True)
    orientation = models.CharField(
        "方向",
        max_length=16,
        choices=Orientation.choices,
        default=Orientation.LANDSCAPE,
    )
    width = models.PositiveIntegerField("分辨率宽", default=1920)
    height = models.PositiveIntegerField("分辨率高", default=1080)
    location = models.CharField("安装位置", max_length=255, blank=True)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=DeviceStatus.choices,
        default=DeviceStatus.PENDING,
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    claim_secret_hash = models.CharField(max_length=64, blank=True)
    pairing_code = models.CharField(
        "配对码",
        max_length=PAIRING_CODE_LENGTH,
        blank=True,
        help_text="设备等待审核时在屏幕上显示；审核通过后清空。",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="审核人",
    )
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    registered_at = models.DateTimeField("注册时间", auto_now_add=True)
    last_seen_at = models.DateTimeField("最后在线", null=True, blank=True)
    reported_version = models.CharField("节目单版本", max_length=64, blank=True)
    reported_seq = models.PositiveIntegerField(default=0)
    current_item = models.CharField("正在播放", max_length=255, blank=True)

    class Meta:
        ordering = ["group__name", "name"]
        verbose_name = "屏幕设备"
        verbose_name_plural = "屏幕设备"
        constraints = [
            models.UniqueConstraint(
                fields=["pairing_code"],
                condition=~models.Q(pairing_code=""),
                name="screens_pairing_code_once",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_paired_by_code(self) -> bool:
        """Whether the device registered with a claim secret (the pairing page)."""
        return bool(self.claim_secret_hash)

    def issue_token(self) -> str:
        """Set a new device token and return it; only its hash is stored."""
        token = "scr_" + secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token

    def claim_secret_matches(self, secret: str) -> bool:
        return bool(self.claim_secret_hash) and hmac.compare_digest(
            self.claim_secret_hash, hash_token(secret)
        )

    def assign_pairing_code(self) -> str:
        """Give the device a pairing code no other device shows, and save it."""
        for _ in range(3):
            code = free_pairing_code()
            try:
                with transaction.atomic():
                    ScreenDevice.objects.filter(pk=self.pk).update(pairing_code=code)
            except IntegrityError:
                continue  # Another device took the same code a moment ago.
            self.pairing_code = code
            return code
        raise RuntimeError("no free pairing code")

    def claim_token(self) -> str | None:
        """Return a new token for an approved device that has none yet, else None.

        The conditional update makes two claims racing for the same device
        hand out one token at most.
        """
        token = "scr_" + secrets.token_urlsafe(32)
        taken = ScreenDevice.objects.filter(
            pk=self.pk, status=DeviceStatus.APPROVED, token_hash=""
        ).update(token_hash=hash_token(token))
        if not taken:
            return None
        self.token_hash = hash_token(token)
        return token

    @classmethod
    def for_token(cls, token: str):
        if not token:
            return None
        return (
            cls.objects.select_related("group")
            .filter(token_hash=hash_token(token), status=DeviceStatus.APPROVED)
            .first()
        )

    def forget_reported_playlist(self) -> None:
        """Drop what the device last reported, e.g. when it joins a group.

        Versions are numbered per group: a version reported for the previous
        group says nothing about the playlist of the new one.
        """
        self.reported_version = ""
        self.reported_seq = 0
        self.current_item = ""

    def is_offline(self, now=None) -> bool:
        now = now or timezone.now()
        limit = self.group.offline_after_seconds if self.group else 180
        return self.last_seen_at is None or now - self.last_seen_at > timedelta(
            seconds=limit
        )


class PlaylistEntry(models.Model):
    """An approved video or public-service ad booked on a screen group.

    ``media`` is resolved once, when the delivery publishes the approved
    revision: per orientation a content-hashed file, its type and duration.
    """

    group = models.ForeignKey(
        ScreenGroup, on_delete=models.CASCADE, related_name="entries"
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=64)
    revision_id = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField("标题", max_length=255)
    caption = models.CharField("字幕条", max_length=64, blank=True)
    media = models.JSONField(default=dict)
    daypart = models.ForeignKey(
        Daypart,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="时段",
    )
    priority = models.PositiveSmallIntegerField(
        "优先级", default=50, help_text="0–100，越大越优先；轮播超长时先舍去低优先级。"
    )
    share_of_voice = models.PositiveSmallIntegerField(
        "播出份额（%）",
        null=True,
        blank=True,
        help_text="占轮播时长的目标百分比（1–90）；留空则每轮播放一次。",
    )
    is_emergency = models.BooleanField("紧急插播", default=False)
    is_filler = models.BooleanField("垫片", default=False)
    flight_start = models.DateTimeField("投放开始", null=True, blank=True)
    flight_end = models.DateTimeField("投放结束", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["group", "-priority", "id"]
        verbose_name = "节目排期"
        verbose_name_plural = "节目排期"
        constraints = [
            models.UniqueConstraint(
                fields=["group", "content_type", "object_id"], name="screens_entry_once"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def item_key(self) -> str:
        return f"{self.content_type.model}:{self.object_id}"


class PlaylistSnapshot(models.Model):
    """One compiled playlist of a group; ``seq`` only grows."""

    group = models.ForeignKey(
        ScreenGroup, on_delete=models.CASCADE, related_name="snapshots"
    )
    seq = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    manifest = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "-seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "seq"], name="screens_snapshot_seq"
            )
        ]

    @property
    def version(self) -> str:
        return f"{self.seq}.{self.digest[:12]}"


def reported_snapshot(group, version: str):
    """Return the snapshot of ``group`` that a device's ``version`` names, or None.

    A version is ``<seq>.<first 12 digest characters>`` as the manifest gives
    it; one that names no playlist this group was ever given (another group's,
    or a made-up one) is not evidence of anything.
    """
    seq, _, digest = (version or "").partition(".")
    if group is None or not seq.isdigit() or len(digest) != 12:
        return None
    return PlaylistSnapshot.objects.filter(
        group=group, seq=int(seq), digest__startswith=digest
    ).first()


class PlayReport(models.Model):
    """Proof of play: one item played on one device (append-only)."""

    device = models.ForeignKey(
        ScreenDevice, on_delete=models.CASCADE, related_name="plays"
    )
    play_id = models.CharField(max_length=64)
    item_key = models.CharField(max_length=64)
    title = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    duration_seconds = models.FloatField(default=0)
    playlist_version = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "播出记录"
        verbose_name_plural = "播出记录"
        constraints = [
            models.UniqueConstraint(
                fields=["device", "play_id"], name="screens_play_once"
            )
        ]


class RemovalWait(models.Model):
    """A retraction waiting until every device of a group runs ``seq`` or later."""

    group = models.ForeignKey(
        ScreenGroup, on_delete=models.CASCADE, related_name="removals"
    )
    item_key = models.CharField(max_length=64)
    title = models.CharField(max_length=255)
    seq = models.PositiveIntegerField()
    delivery_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "撤稿确认"
        verbose_name_plural = "撤稿确认"

    @property
    def took(self):
        if self.confirmed_at is None:
            return None
        return self.confirmed_at - self.requested_at
