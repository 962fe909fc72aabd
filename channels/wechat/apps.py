from django.apps import AppConfig


class WeChatConfig(AppConfig):
    name = "channels.wechat"
    label = "wechat"
    verbose_name = "微信公众号"
    default_auto_field = "django.db.models.BigAutoField"
