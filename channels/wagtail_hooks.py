"""Admin wiring: the 渠道分发 menu, the item channel view link, destinations."""

from django.contrib.contenttypes.models import ContentType
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.action_menu import ActionMenuItem as SnippetActionMenuItem

from . import admin_urls
from .models import Destination
from .views import is_channel_publisher


@hooks.register("register_admin_urls")
def channels_admin_urls():
    return [
        path(
            "channels/",
            include(
                (admin_urls.urlpatterns, "channels_admin"), namespace="channels_admin"
            ),
        )
    ]


class DestinationViewSet(ModelViewSet):
    model = Destination
    icon = "site"
    menu_label = "发布渠道账号"
    add_to_admin_menu = False
    form_fields = [
        "channel",
        "name",
        "slug",
        "policy",
        "active",
        "paused_until",
        "config",
    ]
    list_display = ["name", "channel", "policy", "active", "breaker_state"]
    list_filter = ["channel", "active", "policy"]

    def get_queryset(self, request):
        return Destination.objects.all()


destination_viewset = DestinationViewSet("channel_destinations")


@hooks.register("register_admin_viewset")
def register_destination_viewset():
    return destination_viewset


class PublisherMenuItem(MenuItem):
    def is_shown(self, request):
        return is_channel_publisher(request.user)


@hooks.register("register_admin_menu_item")
def channels_menu():
    items = [
        MenuItem(
            "分发看板",
            reverse("channels_admin:dashboard"),
            icon_name="list-ul",
            order=1,
        ),
        MenuItem(
            "渠道编排台", reverse("channels_admin:desk"), icon_name="date", order=2
        ),
        PublisherMenuItem(
            "密钥与订阅令牌",
            reverse("channels_admin:access"),
            icon_name="key",
            order=4,
        ),
        PublisherMenuItem(
            "发布渠道账号",
            reverse("channel_destinations:index"),
            icon_name="site",
            order=3,
        ),
    ]
    return SubmenuMenuItem("渠道分发", Menu(items=items), icon_name="site", order=160)


def item_channels_url(instance):
    content_type = ContentType.objects.get_for_model(instance.__class__)
    return reverse("channels_admin:item", args=[content_type.pk, instance.pk])


class ChannelPreviewMenuItem(ActionMenuItem):
    name = "action-pufa-channels"
    label = "渠道预览与更正方案"
    icon_name = "view"
    order = 80

    def _instance(self, context):
        page = context.get("page")
        if page is not None:
            return page.specific
        return context.get("instance")

    def is_shown(self, context):
        instance = self._instance(context)
        return (
            context.get("view") == "edit"
            and instance is not None
            and hasattr(instance, "targeted_channels")
        )

    def get_url(self, context):
        return item_channels_url(self._instance(context))


@hooks.register("register_page_action_menu_item")
def page_channels_menu_item():
    return ChannelPreviewMenuItem()


class SnippetChannelPreviewMenuItem(SnippetActionMenuItem):
    name = "action-pufa-channels"
    label = "渠道预览与更正方案"
    icon_name = "view"
    order = 80

    def is_shown(self, context):
        return context.get("view") == "edit" and context.get("instance") is not None

    def get_url(self, context):
        return item_channels_url(context["instance"])


@hooks.register("register_snippet_action_menu_item")
def snippet_channels_menu_item(model):
    if hasattr(model, "targeted_channels"):
        return SnippetChannelPreviewMenuItem()
    return None
