"""Images with rights metadata, kept private until an item using them is approved.

Originals and Wagtail renditions are written to Django's ``default`` storage,
which is the private one. When an item is published, ``cms.media_publishing``
calls :meth:`PufaImage.make_public`: the image's renditions are copied to the
public storage and later renditions of it are copied as they are made. A
rendition's ``url`` is the public copy for a public image and a signed,
expiring, permission-checked link otherwise. The original itself never
becomes public; channels that need the full picture get their own rendition.
"""

import logging

from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.images.models import AbstractImage, AbstractRendition

from media_pipeline.storage import copy_between, delete_names, public_storage

logger = logging.getLogger("pufa.media")


class PufaImage(AbstractImage):
    """An image with the rights metadata every channel has to carry."""

    caption = models.CharField("图片说明", max_length=255, blank=True)
    credit = models.CharField("署名/摄影", max_length=128, blank=True)
    copyright_holder = models.CharField("版权方", max_length=128, blank=True)
    source = models.CharField("来源", max_length=255, blank=True)
    is_public = models.BooleanField(
        "已公开",
        default=False,
        editable=False,
        help_text="由已发布的稿件使用时为真；此时其缩略图可公开访问。",
    )

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

    def make_public(self) -> None:
        """Copy every rendition to public storage, then mark the image public."""
        for rendition in self.renditions.all():
            rendition.copy_to_public()
        if not self.is_public:
            type(self).objects.filter(pk=self.pk).update(is_public=True)
            self.is_public = True
            logger.info("image made public image=%s", self.pk)

    def make_private(self) -> list[str]:
        """Withdraw the public copies; return their URLs for the CDN purge."""
        type(self).objects.filter(pk=self.pk).update(is_public=False)
        self.is_public = False
        urls = []
        for rendition in self.renditions.all():
            urls += rendition.remove_public_copy()
        logger.info("image made private image=%s", self.pk)
        return urls

    # Wagtail makes renditions on demand (a template asks for a new size);
    # a public image's new rendition must be public as soon as it exists.
    def create_rendition(self, filter):
        rendition = super().create_rendition(filter)
        if self.is_public:
            rendition.copy_to_public()
        return rendition

    def create_renditions(self, *filters):
        created = super().create_renditions(*filters)
        if self.is_public and len(filters) > 1:
            for rendition in created.values():
                rendition.copy_to_public()
        return created


class PufaRendition(AbstractRendition):
    image = models.ForeignKey(
        PufaImage, on_delete=models.CASCADE, related_name="renditions"
    )

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)

    @property
    def url(self):
        if self.image.is_public:
            return public_storage().url(self.file.name)
        return self.file.url

    def copy_to_public(self) -> None:
        copy_between(self.file.storage, public_storage(), self.file.name)

    def remove_public_copy(self) -> list[str]:
        storage = public_storage()
        if not storage.exists(self.file.name):
            return []
        url = storage.url(self.file.name)
        delete_names(storage, [self.file.name])
        return [url]


@receiver(post_delete, sender=PufaRendition)
def rendition_deleted_remove_public_copy(sender, instance, **kwargs):
    # Wagtail deletes the private file itself; the public copy is ours.
    try:
        instance.remove_public_copy()
    except Exception:
        logger.exception(
            "could not remove public rendition name=%s", instance.file.name
        )
