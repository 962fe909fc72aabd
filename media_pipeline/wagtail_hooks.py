"""Admin wiring of the media pipeline: the video snippet, its chooser, the upload page.

Creators (``media_pipeline.add_video``) reach only the videos they uploaded, in
the listing, the chooser and every per-video view; staff with
``media_pipeline.change_video`` reach all of them. Videos are made only by the
resumable upload, so the snippet's "add" leads to the upload page.
"""

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views import snippets as snippet_views

from . import admin_views
from .models import Video


def sees_all_videos(user) -> bool:
    return user.has_perm("media_pipeline.change_video")


def videos_for(user, queryset=None):
    """Return the videos ``user`` may see in the admin: all, or their own."""
    queryset = Video.objects.all() if queryset is None else queryset
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if sees_all_videos(user):
        return queryset
    return queryset.filter(uploaded_by=user)


class VideoPermissionPolicy(ModelPermissionPolicy):
    """Uploaders may edit their own videos' titles; ``change_video`` edits any.

    Deleting stays with ``delete_video``: a video may be on a live page.
    """

    def user_has_permission(self, user, action):
        if action == "change" and super().user_has_permission(user, "add"):
            return True
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "change" and not sees_all_videos(user):
            return (
                super().user_has_permission(user, "add")
                and instance.uploaded_by_id == user.pk
            )
        return super().user_has_permission_for_instance(user, action, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if "change" in actions and self.user_has_permission(user, "change"):
            return videos_for(user)
        return super().instances_user_has_any_permission_for(user, actions)


register_permission_policy(Video, VideoPermissionPolicy(Video))


class OwnVideoMixin:
    """For per-video views: someone else's video is not found for a creator."""

    def get_object(self, *args, **kwargs):
        video = super().get_object(*args, **kwargs)
        if not videos_for(self.request.user).filter(pk=video.pk).exists():
            raise Http404
        return video


class VideoEditView(OwnVideoMixin, snippet_views.EditView):
    pass


class VideoDeleteView(OwnVideoMixin, snippet_views.DeleteView):
    pass


class VideoUsageView(OwnVideoMixin, snippet_views.UsageView):
    pass


class VideoHistoryView(OwnVideoMixin, snippet_views.HistoryView):
    pass


class VideoSearchForm(BaseFilterForm):
    # Video titles are Chinese and the model is not in the search index: a
    # substring match finds "居住权" inside "民法典居住权解读".
    q = forms.CharField(
        label="搜索",
        widget=forms.TextInput(attrs={"placeholder": "按标题搜索"}),
        required=False,
    )

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(title__icontains=query)
            self.is_searching, self.search_query = True, query
        return objects


class VideoChooseMixin:
    filter_form_class = VideoSearchForm

    def get_object_list(self):
        return videos_for(self.request.user)


class VideoChooseView(VideoChooseMixin, snippet_chooser.ChooseView):
    pass


class VideoChooseResultsView(VideoChooseMixin, snippet_chooser.ChooseResultsView):
    pass


class VideoChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk):
        return videos_for(self.request.user).get(pk=pk)


class VideoChosenMultipleView(snippet_chooser.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return videos_for(self.request.user).filter(pk__in=pks)


class VideoChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = VideoChooseView
    choose_results_view_class = VideoChooseResultsView
    chosen_view_class = VideoChosenView
    chosen_multiple_view_class = VideoChosenMultipleView


class VideoViewSet(snippet_views.SnippetViewSet):
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
    edit_view_class = VideoEditView
    delete_view_class = VideoDeleteView
    usage_view_class = VideoUsageView
    history_view_class = VideoHistoryView
    chooser_viewset_class = VideoChooserViewSet
    # A copy would be a second row pointing at the same original and outputs.
    copy_view_enabled = False

    def get_queryset(self, request):
        return videos_for(request.user)

    @property
    def add_view(self):
        return lambda request: redirect("media_pipeline_upload")


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
