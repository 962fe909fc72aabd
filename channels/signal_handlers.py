"""Write outbox rows in the same transaction as a publish or unpublish.

Wagtail's ``published``/``unpublished`` signals fire for pages and for
snippets with drafts; scheduled expiry unpublishes base ``Page`` objects, so
the instance is made specific before it is recognised as an item.
"""

import logging

from django.dispatch import receiver
from wagtail.signals import published, unpublished

from cms.models import EditorialMixin

from . import outbox

logger = logging.getLogger("pufa.channels")


def _as_item(instance):
    specific = getattr(instance, "specific", instance)
    return specific if isinstance(specific, EditorialMixin) else None


@receiver(published)
def queue_publish(sender, instance, revision=None, **kwargs):
    item = _as_item(instance)
    if item is None:
        return
    from .services import forget_retracted_url

    forget_retracted_url(item)
    outbox.write_publish_rows(item, revision, user=getattr(revision, "user", None))


@receiver(unpublished)
def queue_retraction(sender, instance, **kwargs):
    item = _as_item(instance)
    if item is None or outbox.is_retracting():
        return
    outbox.write_retract_rows(item, reason="稿件已下线")
