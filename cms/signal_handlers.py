"""Signal receivers of the editorial model: page cache invalidation and CDN purge.

They listen to Wagtail's own publish signals, so a publish from the admin, a
workflow, the scheduler or a management command is handled the same way.
"""

import logging

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import (
    page_published,
    page_unpublished,
    post_page_move,
    published,
    unpublished,
)

from . import caching

logger = logging.getLogger("pufa.cache")


def _changes_navigation(page) -> bool:
    from .models import ColumnPage

    return isinstance(page.specific_deferred, ColumnPage)


def _refresh_caches(page):
    navigation = _changes_navigation(page)
    caching.invalidate_page(page)
    if navigation:
        caching.invalidate_site()

    def after_commit():
        # Again after commit: a visitor may have re-cached the old version
        # between the first invalidation and the commit.
        caching.invalidate_page(page)
        if navigation:
            caching.invalidate_site()
        try:
            caching.purge_related(page)
        except Exception:
            logger.exception("frontend cache purge failed page=%s", page.pk)

    transaction.on_commit(after_commit)


@receiver(page_published)
def page_published_refresh_caches(sender, instance, **kwargs):
    _refresh_caches(instance)


@receiver(page_unpublished)
def page_unpublished_refresh_caches(sender, instance, **kwargs):
    _refresh_caches(instance)


def _refresh_home():
    from .models import HomePage

    for home in HomePage.objects.all():
        _refresh_caches(home)


@receiver(published)
def snippet_published_refresh_caches(sender, instance, **kwargs):
    from .models import PublicServiceAd

    # The home page shows the public-service ads in flight.
    if isinstance(instance, PublicServiceAd):
        _refresh_home()


@receiver(unpublished)
def snippet_unpublished_refresh_caches(sender, instance, **kwargs):
    from .models import PublicServiceAd

    if isinstance(instance, PublicServiceAd):
        _refresh_home()


@receiver(post_page_move)
def page_moved_refresh_caches(sender, instance, **kwargs):
    # Every URL under the moved page changed; a moved column changes the
    # navigation too. Both are only in cached pages, so drop them all.
    transaction.on_commit(caching.invalidate_site)
