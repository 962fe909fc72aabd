from django.apps import AppConfig


class ScreensConfig(AppConfig):
    name = "channels.screens"
    label = "screens"
    verbose_name = "屏幕"
    default_auto_field = "django.db.models.BigAutoField"
