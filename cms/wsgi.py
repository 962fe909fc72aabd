"""WSGI entry point; page-cache hits are answered before Django runs (cms.caching)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
django_application = get_wsgi_application()

from cms.caching import PageCacheWSGI  # noqa: E402 - needs the configured settings

application = PageCacheWSGI(django_application)
