from django.apps import AppConfig


class ScreensConfig(AppConfig):
    name = "channels.screens"
    label = "screens"
    verbose_name = "屏幕"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.health import register_check
        from cms.scheduler import register_periodic

        from ..adapters import register
        from ..newspaper.adapter import NewspaperAdapter
        from . import signal_handlers  # noqa: F401
        from .adapter import ScreensAdapter
        from .compiler import compile_all
        from .health import check_screens

        register("screens", ScreensAdapter)
        register("newspaper", NewspaperAdapter)
        # Flight windows move through the compile horizon as time passes.
        register_periodic("screens.compile", 300, compile_all)
        register_check("screens", check_screens)
