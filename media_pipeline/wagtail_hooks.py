from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .models import Video


class VideoViewSet(SnippetViewSet):
    model = Video
    icon = "media"
    menu_label = "短视频素材"
    menu_order = 230
    add_to_admin_menu = True
    list_display = ["title", "status", "duration_seconds", "uploaded_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    # Files arrive only through the resumable upload; here only the title is edited.
    panels = [
        FieldPanel("title"),
        HelpPanel(
            content=(
                "视频文件请在“上传短视频”页面上传；处理状态、进度和失败原因也在那里查看。"
            ),
            heading="说明",
        ),
        FieldPanel("status", read_only=True),
        FieldPanel("status_message", read_only=True),
        FieldPanel("duration_seconds", read_only=True),
    ]


register_snippet(VideoViewSet)


@hooks.register("register_admin_urls")
def register_upload_url():
    return [
        path("media-pipeline/upload/", admin_views.upload, name="media_pipeline_upload")
    ]


@hooks.register("register_admin_menu_item")
def register_upload_menu_item():
    class UploadMenuItem(MenuItem):
        def is_shown(self, request):
            return request.user.has_perm("media_pipeline.add_video")

    return UploadMenuItem(
        "上传短视频", reverse("media_pipeline_upload"), icon_name="upload", order=229
    )
