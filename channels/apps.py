from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "channels"
    verbose_name = "渠道分发"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.health import register_check
        from cms.scheduler import register_periodic

        from . import signal_handlers  # noqa: F401
        from .adapters import app, feeds, web  # noqa: F401
        from .health import check_oldest_pending
        from .outbox import check_confirmations, dispatch_due

        register_periodic("channels.dispatch", 2, dispatch_due)
        register_periodic("channels.confirmations", 15, check_confirmations)
        register_check("oldest_pending_delivery", check_oldest_pending)
