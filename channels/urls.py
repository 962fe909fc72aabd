"""Public URLs of the channels: feeds, the app API and the sub-apps' own."""

from importlib import util

from django.urls import include, path, re_path

from . import feeds
from .api import api

urlpatterns = [
    re_path(
        r"^feeds/(?P<name>latest|videos|(?:columns|topics)/[-\w]+)/archive/"
        r"(?P<page>[0-9]+)\.(?P<fmt>rss|atom)$",
        lambda request, name, page, fmt: feeds.feed_view(request, name, fmt, int(page)),
        name="pufa_feed_archive",
    ),
    re_path(
        r"^feeds/(?P<name>latest|videos|(?:columns|topics)/[-\w]+)\.(?P<fmt>rss|atom)$",
        feeds.feed_view,
        name="pufa_feed",
    ),
    path("api/app/v1/", api.urls),
]

# The WeChat and screens sub-apps bring their own URL modules when they exist.
for module, prefix in (
    ("channels.wechat.urls", "channels/wechat/"),
    ("channels.screens.urls", "screens/"),
):
    if util.find_spec(module) is not None:
        urlpatterns.append(path(prefix, include(module)))
