from django.urls import path

from . import private_files, views

app_name = "media_pipeline"
urlpatterns = [
    path("pipeline/uploads/", views.create_upload, name="uploads"),
    path("pipeline/uploads/<uuid:upload_id>", views.upload_detail, name="upload"),
    path(
        "pipeline/uploads/<uuid:upload_id>/parts",
        views.upload_parts,
        name="upload_parts",
    ),
    path(
        "pipeline/uploads/<uuid:upload_id>/complete",
        views.upload_complete,
        name="upload_complete",
    ),
    path(
        "pipeline/videos/<int:video_id>/status", views.video_status, name="video_status"
    ),
    path(
        "pipeline/videos/<int:video_id>/subtitles",
        views.video_subtitles,
        name="video_subtitles",
    ),
    path("pipeline/jobs/<int:job_id>/cancel", views.job_cancel, name="job_cancel"),
    path("pipeline/private/<str:token>", views.private_file, name="private_file"),
    path("pipeline/files/<str:token>", private_files.serve, name="signed_file"),
]
