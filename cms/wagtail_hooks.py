from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

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
