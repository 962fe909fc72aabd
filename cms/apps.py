from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "内容"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from PIL import Image as PILImage

        # Pillow's decompression-bomb guard applies to every image in the process.
        PILImage.MAX_IMAGE_PIXELS = settings.PUFA_MAX_IMAGE_PIXELS

        from . import document_access, media_publishing, signal_handlers  # noqa: F401
