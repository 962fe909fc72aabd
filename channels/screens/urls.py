from django.urls import path

from . import views

urlpatterns = [
    path("player/", views.player, name="screens_player"),
    path("player-sw.js", views.service_worker, name="screens_service_worker"),
    path("devices/register", views.register, name="screens_register"),
    path("devices/claim", views.claim, name="screens_claim"),
    path(
        "devices/<int:device_id>/heartbeat",
        views.heartbeat,
        name="screens_heartbeat",
    ),
    path("media/<str:name>", views.media_file, name="screens_media"),
    path(
        "<slug:group>/playlist.smil",
        views.playlist_smil,
        name="screens_playlist_smil",
    ),
    path(
        "<slug:group>/manifest.json",
        views.playlist_manifest,
        name="screens_manifest",
    ),
]
