from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "审核"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.scheduler import register_periodic

        from . import signal_handlers
        from .creators import check_credentials

        signal_handlers.connect()
        register_periodic("moderation.credentials", 3600, check_credentials)
