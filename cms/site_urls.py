"""Public listing pages that are not Wagtail pages: topics, tags, campaigns."""

from django.urls import path

from . import views

app_name = "cms"
urlpatterns = [
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("tags/<str:slug>/", views.tag, name="tag"),
    path("campaigns/<slug:slug>/", views.campaign, name="campaign"),
]
