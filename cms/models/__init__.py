from .ads import AdFormat, AdTag, PublicServiceAd, PublicServiceAdVariant
from .images import PufaImage, PufaRendition
from .items import Channel, ChannelTargetingMixin, EditorialMixin
from .pages import (
    ArticleKind,
    ArticlePage,
    ArticleTag,
    ColumnFeaturedItem,
    ColumnIndexPage,
    ColumnPage,
    HomeFeaturedColumn,
    HomePage,
    VideoPage,
    VideoTag,
)
from .taxonomy import Audience, Campaign, CampaignWindow, LegalTopic
from .users import User

__all__ = [
    "AdFormat",
    "AdTag",
    "ArticleKind",
    "ArticlePage",
    "ArticleTag",
    "Audience",
    "Campaign",
    "CampaignWindow",
    "Channel",
    "ChannelTargetingMixin",
    "ColumnFeaturedItem",
    "ColumnIndexPage",
    "ColumnPage",
    "EditorialMixin",
    "HomeFeaturedColumn",
    "HomePage",
    "LegalTopic",
    "PublicServiceAd",
    "PublicServiceAdVariant",
    "PufaImage",
    "PufaRendition",
    "User",
    "VideoPage",
    "VideoTag",
]
