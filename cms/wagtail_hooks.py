from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import caching
from .models import Audience, Campaign, LegalTopic, PublicServiceAd


class PublicServiceAdViewSet(SnippetViewSet):
    model = PublicServiceAd
    icon = "media"
    menu_label = "公益广告"
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["title", "issuing_unit", "flight_start", "flight_end", "live"]
    list_filter = ["live", "to_screens", "to_wechat"]
    search_fields = ["title", "issuing_unit"]


class LegalTopicViewSet(SnippetViewSet):
    model = LegalTopic
    icon = "tag"
    menu_label = "法律主题"


class AudienceViewSet(SnippetViewSet):
    model = Audience
    icon = "group"
    menu_label = "受众"


class CampaignViewSet(SnippetViewSet):
    model = Campaign
    icon = "date"
    menu_label = "主题宣传"
    list_display = ["name", "recurring_start", "recurring_end"]


class TaxonomyGroup(SnippetViewSetGroup):
    items = (LegalTopicViewSet, AudienceViewSet, CampaignViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = "分类"
    menu_order = 220


register_snippet(PublicServiceAdViewSet)
register_snippet(TaxonomyGroup)


@hooks.register("on_serve_page")
def mark_page_cacheable(serve_chain):
    """Let the page cache finish a served page (headers, ETag, storing)."""

    def serve(page, request, args, kwargs):
        caching.mark_cacheable(request, page)
        return serve_chain(page, request, args, kwargs)

    return serve


@hooks.register("insert_editor_js")
def editor_character_counters():
    return format_html(
        '<script src="{}" defer></script>', static("cms/admin/counters.js")
    )


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("cms/admin/admin.css"))


@hooks.register("construct_homepage_panels")
def add_workbench_panel(request, panels):
    from .dashboard import WorkbenchPanel

    panels.append(WorkbenchPanel(request.user))


@hooks.register("before_serve_document")
def refuse_unpublished_documents(document, request):
    """A document no live item links is not found for the public."""
    from django.http import Http404

    from .document_access import may_download

    if not may_download(request.user, document):
        raise Http404("文件不存在或尚未公开。")
