"""Querysets of what the web site lists: live items targeted at the web."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page

PAGE_SIZE = 12


def web_items():
    """Return live, public articles and videos targeted at the web, newest first."""
    return (
        Page.objects.live()
        .public()
        .filter(Q(articlepage__to_web=True) | Q(videopage__to_web=True))
        .order_by("-first_published_at", "-pk")
        .specific()
    )


def web_items_for_topic(topic):
    return web_items().filter(
        Q(articlepage__topics=topic) | Q(videopage__topics=topic)
    ).distinct()


def web_items_for_campaign(campaign):
    return web_items().filter(
        Q(articlepage__campaigns=campaign) | Q(videopage__campaigns=campaign)
    ).distinct()


def web_items_for_tag(slug):
    return web_items().filter(
        Q(articlepage__tagged_items__tag__slug=slug)
        | Q(videopage__tagged_items__tag__slug=slug)
    ).distinct()


def hidden_from_web_ids():
    """Return a queryset of the ids of items that are not targeted at the web."""
    return Page.objects.filter(
        Q(articlepage__to_web=False) | Q(videopage__to_web=False)
    ).values("pk")


def paginate(request, queryset, per_page=None):
    """Return the requested page of ``queryset``; a bad number gives page 1 or last."""
    paginator = Paginator(queryset, per_page or PAGE_SIZE)
    number = request.GET.get("page", 1)
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages or 1)


def ads_in_flight(now=None):
    """Return the live public-service ads whose flight window contains now."""
    from .models import PublicServiceAd

    now = now or timezone.now()
    ads = (
        PublicServiceAd.objects.filter(live=True, to_web=True)
        .filter(Q(flight_start__isnull=True) | Q(flight_start__lte=now))
        .filter(Q(flight_end__isnull=True) | Q(flight_end__gt=now))
        .prefetch_related("variants__image")
    )
    return list(ads)
