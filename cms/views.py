import logging

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from taggit.models import Tag
from wagtail.models import Page

from . import caching, listing
from . import search as cjk
from .health import run_checks
from .models import Campaign, LegalTopic

logger = logging.getLogger("pufa.search")

SEARCH_PAGE_SIZE = 10
MAX_QUERY_LENGTH = 100


@never_cache
def healthz(request):
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": checks},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )


def search_page_size():
    return SEARCH_PAGE_SIZE


def _result_text(page):
    parts = [getattr(page, "summary", "") or getattr(page, "intro", "")]
    body_text = getattr(page, "plain_body_text", None)
    if body_text:
        parts.append(body_text())
    return " ".join(part for part in parts if part)


def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    terms = cjk.query_terms(query)
    context = {"query": query, "terms": terms, "results": None, "notice": ""}
    if query and not terms:
        context["notice"] = "请输入中文、字母或数字作为搜索词。"
    elif terms and all(len(term) == 1 and not term.isascii() for term in terms):
        context["notice"] = "请至少输入两个字，例如“宪法”“合同”。"
    elif terms:
        pages = (
            Page.objects.live()
            .public()
            .exclude(pk__in=listing.hidden_from_web_ids())
            .specific()
        )
        found = pages.search(" ".join(terms), operator="and")
        results = listing.paginate(request, found, search_page_size())
        context["results"] = results
        context["hits"] = [
            {"page": page, "snippet": cjk.snippet(_result_text(page), terms)}
            for page in results
        ]
        logger.debug("search terms=%d results=%d", len(terms), results.paginator.count)
    return render(request, "search.html", context)


def _listing(request, template, heading, description, items, **extra):
    page = listing.paginate(request, items)
    caching.mark_cacheable(request)
    context = {
        "heading": heading,
        "description": description,
        "items": page,
        **extra,
    }
    return render(request, template, context)


def topic(request, slug):
    topic = get_object_or_404(LegalTopic, slug=slug)
    return _listing(
        request,
        "cms/listing_page.html",
        topic.name,
        topic.description or f"与“{topic.name}”相关的普法稿件。",
        listing.web_items_for_topic(topic),
        kind_label="法律主题",
        topics=LegalTopic.objects.all(),
        current_topic=topic,
    )


def tag(request, slug):
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise Http404("没有这个标签")
    return _listing(
        request,
        "cms/listing_page.html",
        tag.name,
        f"带有“{tag.name}”标签的稿件。",
        listing.web_items_for_tag(slug),
        kind_label="标签",
    )


def campaign(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug)
    return _listing(
        request,
        "cms/listing_page.html",
        campaign.name,
        campaign.description or f"{campaign.name}主题宣传稿件。",
        listing.web_items_for_campaign(campaign),
        kind_label="主题宣传",
        campaign=campaign,
    )


def public_media(request, path):
    """Serve a file of the public storage folder (embedded mode only).

    The folder is read per request, so a changed ``PUBLIC_MEDIA_ROOT`` (tests,
    reconfiguration) is honoured without reloading the URLconf.
    """
    from django.conf import settings
    from django.views.static import serve

    return serve(request, path, document_root=settings.PUBLIC_MEDIA_ROOT)
