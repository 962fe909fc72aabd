from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:pk>/retry/", views.retry, name="retry"),
    path("deliveries/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("deliveries/<int:pk>/unschedule/", views.unschedule, name="unschedule"),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:destination_id>/schedule/", views.schedule, name="schedule"),
    path(
        "items/<int:content_type_id>/<str:object_id>/",
        views.item_channels,
        name="item",
    ),
    path("access/", views.access, name="access"),
    path("access/apps/", views.issue_app_key, name="issue_app_key"),
    path("access/apps/<int:pk>/disable/", views.disable_app, name="disable_app"),
    path("access/tokens/", views.issue_feed_token, name="issue_feed_token"),
    path(
        "access/tokens/<int:pk>/revoke/",
        views.revoke_feed_token,
        name="revoke_feed_token",
    ),
]
