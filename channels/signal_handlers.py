"""Write outbox rows in the same transaction as a publish or unpublish."""

import logging

from django.dispatch import receiver
from wagtail.signals import published, unpublished

from cms.models import EditorialMixin

from . import outbox

logger = logging.getLogger("pufa.channels")


@receiver(published)
def queue_publish(sender, instance, revision=None, **kwargs):
    if not isinstance(instance, EditorialMixin):
        return
    item = instance.specific if hasattr(instance, "specific") else instance
    from .services import forget_retracted_url

    forget_retracted_url(item)
    outbox.write_publish_rows(item, revision, user=getattr(revision, "user", None))


@receiver(unpublished)
def queue_retraction(sender, instance, **kwargs):
    if not isinstance(instance, EditorialMixin) or outbox.is_retracting():
        return
    item = instance.specific if hasattr(instance, "specific") else instance
    outbox.write_retract_rows(item, reason="稿件已下线")
