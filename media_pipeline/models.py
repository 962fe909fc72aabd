"""Videos, their uploads and processing jobs, and per-channel image renditions.

The pipeline knows nothing of pages or channels: it is given files and
profiles, and reports through these models what became of them.

A video's outputs are described by ``Video.outputs``, a dict keyed by job kind
(``transcode``, ``screens``, ``subtitles``); each entry names the private
storage prefix the files live under and the files themselves. A job writes a
complete set under a fresh prefix and only then switches that entry, so a
failed or repeated run never damages what was there before.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .storage import private_storage, public_storage


class VideoStatus(models.TextChoices):
    UPLOADING = "uploading", "上传中"
    PROBING = "probing", "检测中"
    PROCESSING = "processing", "转码中"
    READY = "ready", "可用"
    REJECTED = "rejected", "已拒绝"
    FAILED = "failed", "处理失败"


class Video(models.Model):
    """A short video: its private original and what the pipeline made of it."""

    title = models.CharField("标题", max_length=255)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=VideoStatus.choices,
        default=VideoStatus.UPLOADING,
    )
    status_message = models.TextField("状态说明", blank=True)
    original = models.FileField(
        "原始文件", storage=private_storage, upload_to="originals/", blank=True
    )
    original_filename = models.CharField("上传文件名", max_length=255, blank=True)
    subtitles = models.FileField(
        "字幕文件 (SRT/WebVTT)",
        storage=private_storage,
        upload_to="subtitles/",
        blank=True,
    )
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    duration_seconds = models.FloatField("时长（秒）", null=True, blank=True)
    width = models.PositiveIntegerField("宽", null=True, blank=True)
    height = models.PositiveIntegerField("高", null=True, blank=True)
    rotation = models.SmallIntegerField("旋转角度", default=0)
    frame_rate = models.FloatField("帧率", null=True, blank=True)
    is_vfr = models.BooleanField("可变帧率", default=False)
    is_hdr = models.BooleanField("HDR", default=False)
    has_audio = models.BooleanField("有音轨", default=False)
    video_codec = models.CharField("视频编码", max_length=32, blank=True)
    audio_codec = models.CharField("音频编码", max_length=32, blank=True)
    probe = models.JSONField("检测结果", default=dict, blank=True)
    outputs = models.JSONField("处理结果", default=dict, blank=True)
    public_files = models.JSONField(
        "公开文件",
        default=list,
        blank=True,
        help_text="审核通过后复制到公开存储的文件。",
    )
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "短视频素材"
        verbose_name_plural = "短视频素材"

    def __str__(self):
        # The chooser lists videos by this text: say when one is not usable yet.
        if self.status == VideoStatus.READY:
            return self.title
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def is_portrait(self):
        return bool(self.width and self.height and self.height > self.width)

    @property
    def is_public(self) -> bool:
        return self.published_at is not None

    def output_name(self, kind: str, key: str) -> str | None:
        """Return the private storage name of one output, or None."""
        entry = self.outputs.get(kind) or {}
        relative = (entry.get("files") or {}).get(key)
        if not relative:
            return None
        return entry["prefix"] + relative

    def _public_url(self, kind: str, key: str) -> str | None:
        if not self.is_public:
            return None
        name = self.output_name(kind, key)
        if not name or name not in self.public_files:
            return None
        return public_storage().url(name)

    @property
    def public_mp4_url(self) -> str | None:
        """URL of the best faststart MP4, once approved and promoted."""
        return self._public_url("transcode", "mp4")

    @property
    def public_hls_url(self) -> str | None:
        """URL of the HLS master playlist, once approved and promoted."""
        return self._public_url("transcode", "hls")

    @property
    def poster_url(self) -> str | None:
        return self._public_url("transcode", "poster")

    @property
    def public_vtt_url(self) -> str | None:
        return self._public_url("subtitles", "vtt")

    @property
    def screen_landscape_url(self) -> str | None:
        """URL of the silent 1920×1080 screen master, once approved."""
        return self._public_url("screens", "landscape")

    @property
    def screen_portrait_url(self) -> str | None:
        """URL of the silent 1080×1920 screen master, once approved."""
        return self._public_url("screens", "portrait")

    def public_mp4_renditions(self) -> list[dict]:
        """Return ``[{"height", "width", "url"}]`` for every promoted MP4 rung."""
        if not self.is_public:
            return []
        entry = self.outputs.get("transcode") or {}
        result = []
        for rung in entry.get("rungs", []):
            name = entry["prefix"] + rung["mp4"]
            if name in self.public_files:
                result.append(
                    {
                        "width": rung["width"],
                        "height": rung["height"],
                        "url": public_storage().url(name),
                    }
                )
        return result


class Upload(models.Model):
    """A resumable upload in progress; deleted once it becomes a video original."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="upload")
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    # Set only when the bytes go straight to S3 with a multipart upload.
    s3_key = models.CharField(max_length=512, blank=True)
    s3_upload_id = models.CharField(max_length=512, blank=True)
    # Empty for uploads made by ``manage.py pufa_media ingest``.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every chunk or part URL renews it; the reaper expires uploads by it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    @property
    def part_name(self) -> str:
        return f"uploads/{self.id}.part"


class JobKind(models.TextChoices):
    PROBE = "probe", "检测"
    TRANSCODE = "transcode", "转码"
    SCREENS = "screens", "屏幕母版"
    SUBTITLES = "subtitles", "字幕"


class JobState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "处理中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class ErrorKind(models.TextChoices):
    NONE = "", "无"
    PERMANENT = "permanent", "永久错误"
    TRANSIENT = "transient", "临时错误"


class MediaJob(models.Model):
    """One unit of pipeline work; this row, not the task queue, holds its state."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField("类型", max_length=16, choices=JobKind.choices)
    state = models.CharField(
        "状态", max_length=16, choices=JobState.choices, default=JobState.QUEUED
    )
    progress = models.FloatField("进度", default=0.0)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    max_attempts = models.PositiveSmallIntegerField("最多尝试", default=3)
    not_before = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=128, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField("错误说明", blank=True)
    error_kind = models.CharField(
        max_length=16, choices=ErrorKind.choices, default=ErrorKind.NONE, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "媒体任务"
        verbose_name_plural = "媒体任务"
        indexes = [models.Index(fields=["state", "not_before"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}


class ChannelRendition(models.Model):
    """A per-channel image rendition, keyed by image id, profile and source."""

    image_id = models.PositiveBigIntegerField(db_index=True)
    profile = models.CharField(max_length=32)
    source_key = models.CharField(
        max_length=64, help_text="Hash of the source file name and focal point."
    )
    file = models.FileField(storage=public_storage, upload_to="renditions/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("image_id", "profile", "source_key")]
        verbose_name = "渠道图片规格"
        verbose_name_plural = "渠道图片规格"

    # The file field's own storage is fixed when the model class is built; the
    # pipeline always goes through the storages registry instead, so settings
    # changes (tests, S3) are honoured.
    @property
    def url(self) -> str:
        return public_storage().url(self.file.name)

    def open(self):
        return public_storage().open(self.file.name, "rb")
