from django.urls import path

from . import admin_views as views

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("review/<int:task_state_id>/", views.review, name="review"),
    path("creators/", views.creator_list, name="creators"),
    path("creators/<int:pk>/", views.creator_detail, name="creator"),
    path("creators/<int:pk>/scan", views.creator_scan, name="creator_scan"),
    path("renewals/<int:pk>/", views.renewal_decision, name="renewal"),
    path("renewals/<int:pk>/scan", views.renewal_scan, name="renewal_scan"),
    path("retractions/", views.retraction_list, name="retractions"),
    path(
        "retract/<str:app_label>/<str:model_name>/<str:pk>/",
        views.retraction_request,
        name="retraction_request",
    ),
    path("audit/", views.audit, name="audit"),
    path("audit/export.csv", views.audit_csv, name="audit_csv"),
    path("inbox/", views.inbox, name="inbox"),
    path("terms/import/", views.term_import, name="term_import"),
]
