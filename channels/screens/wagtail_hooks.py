from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views
from .forms import DaypartForm
from .models import Daypart, PlaylistEntry, ScreenGroup


class ScreenGroupViewSet(SnippetViewSet):
    model = ScreenGroup
    icon = "desktop"
    menu_label = "屏幕组"
    list_display = ["name", "slug", "orientation", "location"]
    search_fields = ["name", "slug", "location"]


class DaypartViewSet(SnippetViewSet):
    model = Daypart
    icon = "time"
    menu_label = "时段"
    list_display = [
        "name",
        "group",
        "start_time",
        "end_time",
        Column("weekdays_label", label="星期"),
    ]
    list_filter = ["group"]
    edit_handler = ObjectList(
        [
            FieldPanel("group"),
            FieldPanel("name"),
            FieldPanel("start_time"),
            FieldPanel("end_time"),
            FieldPanel("preset"),
            FieldPanel("weekdays"),
        ],
        base_form_class=DaypartForm,
    )


class PlaylistEntryViewSet(SnippetViewSet):
    model = PlaylistEntry
    icon = "list-ol"
    menu_label = "节目排期"
    list_display = ["title", "group", "priority", "share_of_voice", "is_emergency"]
    list_filter = ["group", "is_emergency", "is_filler"]
    search_fields = ["title"]
    form_fields = [
        "daypart",
        "priority",
        "share_of_voice",
        "is_emergency",
        "is_filler",
        "flight_start",
        "flight_end",
    ]


class ScreensGroup(SnippetViewSetGroup):
    items = (ScreenGroupViewSet, DaypartViewSet, PlaylistEntryViewSet)
    menu_icon = "desktop"
    menu_label = "屏幕"
    menu_order = 260


register_snippet(ScreensGroup)


@hooks.register("register_admin_urls")
def screens_admin_urls():
    return [
        path("screens/health/", admin_views.health, name="screens_health"),
        path(
            "screens/devices/<int:device_id>/approve/",
            admin_views.approve,
            name="screens_approve",
        ),
        path(
            "screens/devices/<int:device_id>/revoke/",
            admin_views.revoke,
            name="screens_revoke",
        ),
        path(
            "screens/devices/<int:device_id>/remove/",
            admin_views.remove,
            name="screens_remove",
        ),
    ]


class HealthMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.user_can_operate_screens(request.user)


@hooks.register("register_admin_menu_item")
def screens_health_menu_item():
    return HealthMenuItem(
        "屏幕监控", reverse("screens_health"), icon_name="desktop", order=261
    )
