from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "channels"
    verbose_name = "渠道分发"
    default_auto_field = "django.db.models.BigAutoField"
