"""Answer ``410 Gone`` where a retracted page used to be."""

from django.http import HttpResponse
from django.template.loader import render_to_string

from .models import RetractedPath


class RetractedPathMiddleware:
    """Turn a 404 at a retracted page's path into 410 Gone with a notice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        record = RetractedPath.objects.filter(path=request.path).first()
        if record is None:
            return response
        body = render_to_string(
            "channels/gone.html", {"record": record}, request=request
        )
        gone = HttpResponse(body, status=410)
        gone["Cache-Control"] = "public, max-age=60"
        return gone
