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
]
