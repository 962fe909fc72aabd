from django.urls import include, path  # noqa: F401

app_name = "channels"
urlpatterns = [
    path("channels/wechat/", include("channels.wechat.urls")),
]
