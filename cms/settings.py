"""Pufa settings, driven only by environment variables.

With no variable set, Pufa runs embedded: SQLite and two file folders under
``var/``, local-memory cache, the database task backend. Production sets
``DATABASE_URL``, ``REDIS_URL``, ``AWS_*``/``S3_*``, ``SECRET_KEY`` and
``ALLOWED_HOSTS``; the README lists every variable.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PUFA_VAR_DIR", BASE_DIR / "var"))


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# A production deployment is one that names its own secret key.
PRODUCTION = bool(env("SECRET_KEY"))
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env("SECRET_KEY") or "pufa-embedded-insecure-key-never-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Key for fields encrypted at rest (credential numbers, channel secrets).
# Several comma-separated Fernet keys allow rotation: the first encrypts.
PUFA_FIELD_KEYS = env_list("PUFA_FIELD_KEYS")

INSTALLED_APPS = [
    "cms",
    "media_pipeline",
    "channels",
    "channels.wechat",
    "channels.screens",
    "moderation",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.frontend_cache",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "storages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'pufa.sqlite3'}",
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and the scheduler share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=30000;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory, or Redis when REDIS_URL is set.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "pufa"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pufa",
        }
    }

# Background work through the Django Tasks API.
PUFA_TASKS = env("PUFA_TASKS", "db")
if REDIS_URL and PUFA_TASKS == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
else:
    TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }

# Files: two storages, "public" (approved media, CDN-fronted) and "private"
# (originals, unapproved renditions, credential scans).
S3_BUCKET = env("AWS_STORAGE_BUCKET_NAME") or env("S3_BUCKET")
PUBLIC_MEDIA_ROOT = Path(env("PUBLIC_MEDIA_ROOT", str(VAR_DIR / "public")))
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
MEDIA_ROOT = PUBLIC_MEDIA_ROOT
MEDIA_URL = env("MEDIA_URL", "/media/")
if S3_BUCKET:
    _s3_common = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env("AWS_S3_ENDPOINT_URL") or env("S3_ENDPOINT_URL") or None,
        "region_name": env("AWS_S3_REGION_NAME") or env("S3_REGION") or None,
        "access_key": env("AWS_ACCESS_KEY_ID") or None,
        "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
        "file_overwrite": False,
    }
    STORAGES = {
        "public": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3_common,
                "location": "public",
                "default_acl": None,
                "querystring_auth": False,
                "custom_domain": env("AWS_S3_CUSTOM_DOMAIN") or env("CDN_DOMAIN") or None,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3_common,
                "location": "private",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": int(env("PRIVATE_URL_EXPIRY", "300")),
            },
        },
    }
else:
    STORAGES = {
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(PUBLIC_MEDIA_ROOT), "base_url": MEDIA_URL},
        },
        "private": {
            # URLs are signed, expiring links to a permission-checked view.
            "BACKEND": "media_pipeline.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT)},
        },
    }
# Whatever does not ask for public storage is private: Wagtail image originals
# and renditions, documents. Approval copies what a live item needs to public.
STORAGES["default"] = STORAGES["private"]
STORAGES["staticfiles"] = {
    "BACKEND": (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
}
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Users, languages and time.
AUTH_USER_MODEL = "cms.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
LOGIN_URL = "/admin/login/"

# Wagtail.
WAGTAIL_SITE_NAME = env("PUFA_SITE_NAME", "普法")
WAGTAILADMIN_BASE_URL = env("PUFA_BASE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "cms.PufaImage"
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.forms.PufaImageForm"
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 30 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 60_000_000
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "csv", "txt", "srt", "vtt"]
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {
        "WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea",
        "OPTIONS": {"features": ["bold", "italic", "h2", "h3", "ol", "ul", "link"]},
    }
}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
# Pillow's decompression-bomb guard applies to every image opened anywhere.
PUFA_MAX_IMAGE_PIXELS = WAGTAILIMAGES_MAX_IMAGE_PIXELS

# Frontend cache purge (CDN), configured only when a purge URL is given.
WAGTAILFRONTENDCACHE = {}
if env("CDN_PURGE_URL"):
    WAGTAILFRONTENDCACHE["cdn"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": env("CDN_PURGE_URL"),
    }
if env("CLOUDFLARE_ZONE_ID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": env("CLOUDFLARE_BEARER_TOKEN"),
        "ZONEID": env("CLOUDFLARE_ZONE_ID"),
    }

# Pages are cached this long by browsers and CDNs (seconds).
PUFA_PAGE_MAX_AGE = int(env("PUFA_PAGE_MAX_AGE", "60"))
PUFA_PAGE_CACHE_SECONDS = int(env("PUFA_PAGE_CACHE_SECONDS", "300"))

# Email: console by default, SMTP when EMAIL_HOST is set.
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "pufa@localhost")
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# Video: ffmpeg from imageio-ffmpeg unless FFMPEG_BINARY names another.
FFMPEG_BINARY = env("FFMPEG_BINARY")
PUFA_MAX_UPLOAD_BYTES = int(env("PUFA_MAX_UPLOAD_BYTES", str(2 * 1024**3)))

# Security in production.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
    X_FRAME_OPTIONS = "SAMEORIGIN"
    SILENCED_SYSTEM_CHECKS = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "pufa": {"handlers": ["console"], "level": env("PUFA_LOG_LEVEL", "INFO")},
    },
}


# Embedded mode serves static files straight from the apps' folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Media pipeline: upload limits, the ladder (rungs named by the short side),
# encoder speed, job supervision and loudness target.
PUFA_MEDIA_LADDER = [int(x) for x in env_list("PUFA_MEDIA_LADDER", "360,540,720")]
PUFA_MEDIA_PROFILE_VERSION = int(env("PUFA_MEDIA_PROFILE_VERSION", "1"))
PUFA_MEDIA_X264_PRESET = env("PUFA_MEDIA_X264_PRESET", "veryfast")
PUFA_MEDIA_MAX_FPS = int(env("PUFA_MEDIA_MAX_FPS", "30"))
PUFA_MEDIA_SCREEN_FPS = int(env("PUFA_MEDIA_SCREEN_FPS", "25"))
PUFA_MEDIA_LOUDNESS_LUFS = float(env("PUFA_MEDIA_LOUDNESS_LUFS", "-16"))
PUFA_MEDIA_MIN_SECONDS = float(env("PUFA_MEDIA_MIN_SECONDS", "1"))
PUFA_MEDIA_MAX_SECONDS = float(env("PUFA_MEDIA_MAX_SECONDS", "600"))
PUFA_MEDIA_MAX_DIMENSION = int(env("PUFA_MEDIA_MAX_DIMENSION", "4096"))
PUFA_MEDIA_UPLOAD_CHUNK_BYTES = int(env("PUFA_MEDIA_UPLOAD_CHUNK_BYTES", str(8 << 20)))
PUFA_MEDIA_JOB_TIMEOUT = int(env("PUFA_MEDIA_JOB_TIMEOUT", "3600"))
PUFA_MEDIA_LEASE_SECONDS = int(env("PUFA_MEDIA_LEASE_SECONDS", "60"))
PUFA_MEDIA_MAX_ATTEMPTS = int(env("PUFA_MEDIA_MAX_ATTEMPTS", "3"))
PUFA_MEDIA_SIGNED_URL_SECONDS = int(env("PUFA_MEDIA_SIGNED_URL_SECONDS", "300"))
PUFA_MEDIA_CJK_FONT = env("PUFA_MEDIA_CJK_FONT")
# An upload nobody touched for this long is aborted by the media reaper.
PUFA_UPLOAD_EXPIRY_HOURS = float(env("PUFA_UPLOAD_EXPIRY_HOURS", "48"))

# Moderation (三审三校): sign-off numbers the approved revision and publishes it;
# an edit during review makes earlier approvals stale.
WAGTAIL_FINISH_WORKFLOW_ACTION = "moderation.workflow.finish_workflow"
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
# Domains (and their subdomains) items may link to without a finding.
PUFA_LINK_ALLOWLIST = env_list(
    "PUFA_LINK_ALLOWLIST",
    "gov.cn,npc.gov.cn,court.gov.cn,moj.gov.cn,spp.gov.cn,chinacourt.org,"
    "pkulaw.com,flk.npc.gov.cn,localhost,127.0.0.1",
)
# Hours a step may wait before the moderation queue shows it as late.
PUFA_REVIEW_SLA_HOURS = int(env("PUFA_REVIEW_SLA_HOURS", "24"))

# Channels: the delivery outbox (leases, retries, circuit breaker) and the
# 410 Gone answer at the paths of retracted pages.
MIDDLEWARE.append("channels.middleware.RetractedPathMiddleware")
PUFA_DELIVERY_LEASE_SECONDS = float(env("PUFA_DELIVERY_LEASE_SECONDS", "30"))
PUFA_DELIVERY_MAX_ATTEMPTS = int(env("PUFA_DELIVERY_MAX_ATTEMPTS", "8"))
PUFA_DELIVERY_BACKOFF_BASE = float(env("PUFA_DELIVERY_BACKOFF_BASE", "2"))
PUFA_DELIVERY_BACKOFF_MAX = float(env("PUFA_DELIVERY_BACKOFF_MAX", "600"))
PUFA_BREAKER_THRESHOLD = int(env("PUFA_BREAKER_THRESHOLD", "5"))
PUFA_BREAKER_COOLDOWN_SECONDS = float(env("PUFA_BREAKER_COOLDOWN_SECONDS", "30"))
PUFA_OLDEST_PENDING_LIMIT = int(env("PUFA_OLDEST_PENDING_LIMIT", "600"))

# WeChat: how often an unconfirmed post may be polled (freepublish/get has a
# small daily quota), and in embedded mode the fake WeChat platform that
# `make run` starts for the `demo` account (production talks to WeChat).
PUFA_WECHAT_POLL_SECONDS = int(env("PUFA_WECHAT_POLL_SECONDS", "60"))
PUFA_WECHAT_FAKE_PORT = int(env("PUFA_WECHAT_FAKE_PORT", "8025"))
PUFA_WECHAT_FAKE_ACCOUNTS = VAR_DIR / "wechat-fake-accounts.json"
if not PRODUCTION:
    PUFA_EXTRA_PROCESSES = {
        **globals().get("PUFA_EXTRA_PROCESSES", {}),
        "wechat-fake": [
            "{python}", "-m", "channels.wechat.fake_server",
            "--port", str(PUFA_WECHAT_FAKE_PORT),
            "--accounts", str(PUFA_WECHAT_FAKE_ACCOUNTS),
        ],
    }

# Web site: the page cache answers anonymous page views before anything else
# runs, so it is the first middleware. Its store must be shared by every
# process (web workers, task worker, scheduler) for an invalidation to reach
# them all: Redis when configured, else files under var/.
MIDDLEWARE.insert(0, "cms.caching.PageCacheMiddleware")
PUFA_PAGE_CACHE_ALIAS = "pages"
if REDIS_URL:
    CACHES["pages"] = {**CACHES["default"], "KEY_PREFIX": env("CACHE_KEY_PREFIX", "pufa")}
else:
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "pages"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
# Media pipeline: why a video was refused outlives its deleted rows for a week,
# read by the web process and written by the worker, so the store is shared.
if REDIS_URL:
    CACHES["media"] = {**CACHES["default"], "TIMEOUT": 7 * 24 * 3600}
else:
    CACHES["media"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "media"),
        "TIMEOUT": 7 * 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
# The admin and the site speak Simplified Chinese whatever the browser asks
# for; a user who prefers English picks it in the admin account settings.
if "django.middleware.locale.LocaleMiddleware" in MIDDLEWARE:
    MIDDLEWARE.remove("django.middleware.locale.LocaleMiddleware")
# Avatars from gravatar.com would be an outside asset in every admin page.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
if PRODUCTION:
    # Wagtail's live preview shows the page in a same-origin frame of the
    # admin, so X-Frame-Options stays SAMEORIGIN on purpose. HSTS preload is
    # a commitment an operator opts into with SECURE_HSTS_PRELOAD.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W019"]
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# Screens and newspaper channels.
# Absolute base of the media URLs written into SMIL playlists (a CDN or the
# public host name); empty uses the host the player asked.
PUFA_SCREENS_BASE_URL = env("PUFA_SCREENS_BASE_URL")
