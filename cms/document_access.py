"""Who may download a Wagtail document (DESIGN §4.1: nothing unapproved is public).

Documents are stored in private storage and served by Wagtail's document view.
That view answers anyone holding the link, so :func:`may_download` narrows
it: a reader without admin access gets a document only while a live, public
item refers to it (a link in an article's body, a field of a live snippet).
Wagtail's reference index records those links: Wagtail refreshes it from a
background task after every save, and a publish refreshes the published
item's entry at once (below), so a document is reachable the moment the
article linking it is, not when the worker gets to it. A draft that links a
document does not make it public, and unpublishing the last item that links
it makes it private again and purges its URL from the CDN.
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import receiver
from wagtail.documents import get_document_model
from wagtail.models import Page, ReferenceIndex
from wagtail.signals import page_published, page_unpublished, published, unpublished

logger = logging.getLogger("pufa.media")


def _integer_keys(rows) -> list[int]:
    return [int(value) for value in rows if str(value).isdigit()]


def used_by_live_item(document) -> bool:
    """Return True if a live, public page or a live snippet links ``document``."""
    references = ReferenceIndex.get_references_to(document)
    page_type = ContentType.objects.get_for_model(Page)
    page_ids = _integer_keys(
        references.filter(base_content_type=page_type).values_list(
            "object_id", flat=True
        )
    )
    if page_ids and Page.objects.live().public().filter(pk__in=page_ids).exists():
        return True
    others = references.exclude(base_content_type=page_type).values_list(
        "base_content_type", "object_id"
    )
    for type_id, object_id in set(others):
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None or not hasattr(model, "live"):
            continue
        if model._default_manager.filter(pk=object_id, live=True).exists():
            return True
    return False


def may_download(user, document) -> bool:
    """Staff see every document; everyone else only those live items link."""
    if user.is_authenticated and user.has_perm("wagtailadmin.access_admin"):
        return True
    return used_by_live_item(document)


@receiver(page_published)
@receiver(published)
def index_references_on_publish(sender, instance, **kwargs):
    """Record what the published item links before anyone follows a link."""
    target = instance.specific if isinstance(instance, Page) else instance
    if ReferenceIndex.is_indexed(type(target)):
        ReferenceIndex.create_or_update_for_object(target)


def linked_documents(item):
    """Return the documents ``item`` links, as the reference index knows them."""
    document_model = get_document_model()
    document_type = ContentType.objects.get_for_model(document_model)
    # to_object_id is text (it holds any model's key): compare in Python.
    ids = ReferenceIndex.get_references_for_object(item).filter(
        to_content_type=document_type
    )
    keys = _integer_keys(ids.values_list("to_object_id", flat=True))
    return list(document_model.objects.filter(pk__in=keys)) if keys else []


@receiver(page_unpublished)
@receiver(unpublished)
def purge_documents_on_unpublish(sender, instance, **kwargs):
    """After the commit, purge the documents no live item links any more."""
    from .media_publishing import purge_urls

    item = instance.specific if isinstance(instance, Page) else instance

    def purge():
        try:
            # A savepoint: a failure here must not break the caller's transaction.
            with transaction.atomic():
                closed = [
                    doc for doc in linked_documents(item) if not used_by_live_item(doc)
                ]
            purge_urls([doc.url for doc in closed])
        except Exception:
            logger.exception("document purge failed item=%s", item.pk)

    transaction.on_commit(purge)
