"""Admin pages of the media pipeline: upload with progress, and the job list."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import Video
from .views import may_view_video


def upload(request):
    """The upload widget and the user's (or, for editors, everyone's) videos."""
    user = request.user
    if not user.has_perm("media_pipeline.add_video"):
        raise PermissionDenied
    videos = Video.objects.prefetch_related("jobs").select_related("uploaded_by")
    if not user.has_perm("media_pipeline.change_video"):
        videos = videos.filter(uploaded_by=user)
    page = Paginator(videos, 20).get_page(request.GET.get("p"))
    rows = [
        {"video": video, "jobs": list(video.jobs.all()), "can_view": True}
        for video in page
        if may_view_video(user, video)
    ]
    return render(
        request,
        "media_pipeline/admin/upload.html",
        {
            "page": page,
            "rows": rows,
            "can_cancel": user.has_perm("media_pipeline.change_video"),
        },
    )
