from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .health import run_checks


@never_cache
def healthz(request):
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": checks},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )


def search(request):
    from wagtail.models import Page

    query = request.GET.get("q", "").strip()
    results = Page.objects.live().public().search(query) if query else []
    return render(request, "search.html", {"query": query, "results": results})
