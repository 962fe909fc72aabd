from django.apps import AppConfig


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    verbose_name = "媒体处理"
    default_auto_field = "django.db.models.BigAutoField"
