from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", views.search, name="search"),
    path("", include("cms.site_urls")),
    path("", include("channels.urls")),
    path("", include("moderation.urls")),
    path("", include("media_pipeline.urls")),
]

if settings.DEBUG or not settings.S3_BUCKET:
    # Public media from the local folder (embedded mode); a CDN or nginx
    # serves it in production.
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.public_media)
    ]

urlpatterns += [path("", include(wagtail_urls))]
