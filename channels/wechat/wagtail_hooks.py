"""Admin wiring of the WeChat desk (微信推送)."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views

admin_urlpatterns = [
    path("", admin_views.desk, name="desk"),
    path("preview/<int:delivery_id>/", admin_views.preview, name="preview"),
]


@hooks.register("register_admin_urls")
def wechat_admin_urls():
    return [
        path("wechat/", include((admin_urlpatterns, "wechat_admin"), namespace="wechat_admin"))
    ]


class PublisherMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_publish(request.user)


@hooks.register("register_admin_menu_item")
def wechat_menu_item():
    return PublisherMenuItem("微信推送", reverse("wechat_admin:desk"), icon_name="mail", order=260)
