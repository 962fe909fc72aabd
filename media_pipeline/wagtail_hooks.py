from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Video


class VideoViewSet(SnippetViewSet):
    model = Video
    icon = "media"
    menu_label = "短视频素材"
    menu_order = 230
    add_to_admin_menu = True
    list_display = ["title", "status", "duration_seconds", "created_at"]
    list_filter = ["status"]


register_snippet(VideoViewSet)
