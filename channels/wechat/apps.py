from django.apps import AppConfig


class WeChatConfig(AppConfig):
    name = "channels.wechat"
    label = "wechat"
    verbose_name = "微信公众号"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.health import register_check

        from . import adapter  # noqa: F401  (registers the adapter)
        from .health import check_accounts

        register_check("wechat_accounts", check_accounts)
