"""Admin wiring: moderation screens, and guards that keep the workflow unbypassable.

Group permissions already keep publishing to administrators (see migration
0002); these hooks are the second line, whatever screen or bulk action is
used: outside administrators nobody publishes, unpublishes or deletes a
live item; retraction goes through a request approved by 终审.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.menu import MenuItem, SubmenuMenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_urls
from .admin_views import is_final_reviewer, is_reviewer
from .models import AllowedPhrase, CreatorProfile, CreatorStatus, Term, TermCategory

RETRACT_MESSAGE = "已发布的稿件不能直接下线或删除，请提交撤稿申请，由终审批准后执行。"


@hooks.register("register_admin_urls")
def moderation_admin_urls():
    return [
        path(
            "moderation/",
            include(
                (admin_urls.urlpatterns, "moderation_admin"),
                namespace="moderation_admin",
            ),
        )
    ]


class _ShownIf(MenuItem):
    def __init__(self, *args, check, **kwargs):
        super().__init__(*args, **kwargs)
        self._check = check

    def is_shown(self, request):
        return self._check(request.user)


def _anyone(user):
    return user.is_active


@hooks.register("register_admin_menu_item")
def moderation_menu():
    from wagtail.admin.menu import Menu

    items = [
        _ShownIf(
            "审核队列",
            reverse("moderation_admin:queue"),
            icon_name="tasks",
            order=1,
            check=is_reviewer,
        ),
        _ShownIf(
            "创作者申请",
            reverse("moderation_admin:creators"),
            icon_name="user",
            order=2,
            check=is_reviewer,
        ),
        _ShownIf(
            "撤稿申请",
            reverse("moderation_admin:retractions"),
            icon_name="bin",
            order=3,
            check=_anyone,
        ),
        _ShownIf(
            "审计日志",
            reverse("moderation_admin:audit"),
            icon_name="history",
            order=4,
            check=is_final_reviewer,
        ),
        _ShownIf(
            "导入敏感词",
            reverse("moderation_admin:term_import"),
            icon_name="upload",
            order=5,
            check=is_final_reviewer,
        ),
        _ShownIf(
            "站内消息",
            reverse("moderation_admin:inbox"),
            icon_name="mail",
            order=6,
            check=_anyone,
        ),
    ]
    return SubmenuMenuItem("审核", Menu(items=items), icon_name="tasks", order=150)


class TermCategoryViewSet(SnippetViewSet):
    model = TermCategory
    icon = "warning"
    menu_label = "敏感词类别"
    list_display = ["name", "action", "description"]


class TermViewSet(SnippetViewSet):
    model = Term
    icon = "warning"
    menu_label = "敏感词"
    list_display = ["text", "category", "created_at"]
    list_filter = ["category"]
    search_fields = ["text"]


class AllowedPhraseViewSet(SnippetViewSet):
    model = AllowedPhrase
    icon = "success"
    menu_label = "白名单短语"
    list_display = ["text", "note"]


class ContentSafetyGroup(SnippetViewSetGroup):
    items = (TermCategoryViewSet, TermViewSet, AllowedPhraseViewSet)
    menu_icon = "warning"
    menu_label = "内容安全词库"
    menu_order = 230


register_snippet(ContentSafetyGroup)


# Guards ---------------------------------------------------------------------


def _deny(request, message, fallback="wagtailadmin_home"):
    messages.error(request, message)
    return redirect(request.META.get("HTTP_REFERER") or reverse(fallback))


def _has_live(page):
    return page.get_descendants(inclusive=True).live().exists()


@hooks.register("before_publish_page")
def only_the_workflow_publishes(request, page):
    if not request.user.is_superuser:
        return _deny(request, "稿件只能经三审三校签发后发布，请提交审核。")


@hooks.register("before_unpublish_page")
def no_direct_unpublish(request, page):
    if not request.user.is_superuser:
        return _deny(request, RETRACT_MESSAGE)


@hooks.register("before_delete_page")
def no_deleting_live_pages(request, page):
    if not request.user.is_superuser and _has_live(page):
        return _deny(request, RETRACT_MESSAGE)


@hooks.register("before_bulk_action")
def no_bulk_bypass(request, action_type, objects, action_class_instance):
    if request.user.is_superuser:
        return None
    if action_type == "publish":
        return _deny(request, "稿件只能经三审三校签发后发布，不能批量发布。")
    if action_type == "unpublish":
        return _deny(request, RETRACT_MESSAGE)
    if action_type == "delete":
        for obj in objects:
            if getattr(obj, "live", False) or (
                hasattr(obj, "get_descendants") and _has_live(obj)
            ):
                return _deny(request, RETRACT_MESSAGE)
    return None


@hooks.register("before_delete_snippet")
def no_deleting_live_snippets(request, instances):
    if request.user.is_superuser:
        return None
    if any(getattr(instance, "live", False) for instance in instances):
        return _deny(request, RETRACT_MESSAGE)
    return None


@hooks.register("before_unpublish")
def no_direct_snippet_unpublish(request, instance):
    if not request.user.is_superuser:
        return _deny(request, RETRACT_MESSAGE)
    return None


def _suspended_creator(user):
    profile = CreatorProfile.objects.filter(user=user).first()
    return profile is not None and profile.status != CreatorStatus.APPROVED


@hooks.register("before_create_page")
def creators_in_good_standing_create(request, parent_page, page_class):
    if _suspended_creator(request.user):
        return _deny(request, "您的创作者发布权限未开通或已暂停。")
    return None


@hooks.register("before_edit_page")
def creators_in_good_standing_edit(request, page):
    if _suspended_creator(request.user):
        return _deny(request, "您的创作者发布权限未开通或已暂停。")
    return None


class RetractMenuItem(ActionMenuItem):
    name = "action-pufa-retract"
    label = "申请撤稿"
    icon_name = "bin"
    order = 90

    def is_shown(self, context):
        page = context.get("page")
        return (
            context.get("view") == "edit"
            and page is not None
            and page.live
            and hasattr(page.specific_class, "compliance_number")
        )

    def get_url(self, context):
        page = context["page"]
        return reverse(
            "moderation_admin:retraction_request",
            args=["wagtailcore", "page", page.pk],
        )


@hooks.register("register_page_action_menu_item")
def retract_menu_item():
    return RetractMenuItem()


@hooks.register("construct_page_action_menu")
def hide_direct_publishing(menu_items, request, context):
    if request.user.is_superuser:
        return
    menu_items[:] = [
        item
        for item in menu_items
        if getattr(item, "name", "")
        not in {"action-publish", "action-unpublish", "action-delete"}
    ]


@hooks.register("construct_page_listing_buttons")
def retract_listing_button(buttons, page, user, context=None):
    if page.live and hasattr(page.specific_class, "compliance_number"):
        buttons.append(
            ListingButton(
                "申请撤稿",
                reverse(
                    "moderation_admin:retraction_request",
                    args=["wagtailcore", "page", page.pk],
                ),
                priority=90,
            )
        )


@hooks.register("register_snippet_action_menu_item")
def retract_snippet_menu_item(model):
    if not hasattr(model, "compliance_number"):
        return None

    from wagtail.snippets.action_menu import ActionMenuItem as SnippetMenuItem

    class RetractSnippetItem(SnippetMenuItem):
        name = "action-pufa-retract"
        label = "申请撤稿"
        icon_name = "bin"
        order = 90

        def is_shown(self, context):
            instance = context.get("instance")
            return context.get("view") == "edit" and getattr(instance, "live", False)

        def get_url(self, context):
            instance = context["instance"]
            meta = instance._meta
            return reverse(
                "moderation_admin:retraction_request",
                args=[meta.app_label, meta.model_name, instance.pk],
            )

    return RetractSnippetItem()
