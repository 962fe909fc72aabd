"""Videos and their processing state.

The pipeline knows nothing of pages or channels: it is given files and
profiles, and reports through these models what became of them.
"""

from django.conf import settings
from django.db import models

from .storage import private_storage


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
        "状态", max_length=16, choices=VideoStatus.choices, default=VideoStatus.UPLOADING
    )
    status_message = models.TextField("状态说明", blank=True)
    original = models.FileField(
        "原始文件", storage=private_storage, upload_to="originals/", blank=True
    )
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
        return self.title

    @property
    def is_portrait(self):
        return bool(self.width and self.height and self.height > self.width)
