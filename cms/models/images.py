from django.db import models
from wagtail.images.models import AbstractImage, AbstractRendition


class PufaImage(AbstractImage):
    """An image with the rights metadata every channel has to carry."""

    caption = models.CharField("图片说明", max_length=255, blank=True)
    credit = models.CharField("署名/摄影", max_length=128, blank=True)
    copyright_holder = models.CharField("版权方", max_length=128, blank=True)
    source = models.CharField("来源", max_length=255, blank=True)

    admin_form_fields = (
        "title",
        "file",
        "collection",
        "caption",
        "credit",
        "copyright_holder",
        "source",
        "tags",
        "focal_point_x",
        "focal_point_y",
        "focal_point_width",
        "focal_point_height",
    )

    class Meta(AbstractImage.Meta):
        verbose_name = "图片"
        verbose_name_plural = "图片"


class PufaRendition(AbstractRendition):
    image = models.ForeignKey(
        PufaImage, on_delete=models.CASCADE, related_name="renditions"
    )

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
