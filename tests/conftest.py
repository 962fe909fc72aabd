"""Shared fixtures: the site tree from the data migration, and item factories."""

import itertools

import pytest
from django.contrib.auth.models import Group

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Give each test its own public and private folders."""
    from django.core.files.storage import storages

    if "S3Storage" in settings.STORAGES["default"]["BACKEND"]:
        yield
        return
    public, private = tmp_path / "public", tmp_path / "private"
    private_storage = {
        "BACKEND": "media_pipeline.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(private)},
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": private_storage,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(public), "base_url": "/media/"},
        },
        "private": private_storage,
    }
    settings.PUBLIC_MEDIA_ROOT = public
    settings.PRIVATE_MEDIA_ROOT = private
    storages._storages = {}
    storages._backends = None
    yield
    storages._storages = {}
    storages._backends = None


@pytest.fixture(autouse=True)
def _isolated_page_cache(settings):
    """Give each test an empty page cache (cms.caching) and rendition cache.

    Wagtail caches renditions by image id and file hash; ids repeat between
    tests, files do not.
    """
    test = next(_counter)
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"pufa-pages-{test}",
        },
        "renditions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"pufa-renditions-{test}",
        },
    }
    yield


@pytest.fixture
def browser(monkeypatch):
    """A headless Debian Chromium for the browser journeys."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    # Playwright's sync API keeps an event loop in this thread; the test's own
    # database calls are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def home(db):
    from cms.models import HomePage

    return HomePage.objects.get()


@pytest.fixture
def column_index(home):
    from cms.models import ColumnIndexPage

    return ColumnIndexPage.objects.get()


@pytest.fixture
def make_user(db):
    from cms.models import User

    def make(username=None, groups=(), **kwargs):
        username = username or f"user{next(_counter)}"
        user = User.objects.create_user(
            username=username,
            password="pw-Pufa-2026",
            email=f"{username}@example.cn",
            **kwargs,
        )
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("root", is_superuser=True, is_staff=True)


@pytest.fixture
def make_column(column_index):
    from cms.models import ColumnPage

    def make(title="以案说法", slug=None, **kwargs):
        column = ColumnPage(
            title=title, slug=slug or f"column-{next(_counter)}", **kwargs
        )
        column_index.add_child(instance=column)
        column.save_revision().publish()
        return column

    return make


@pytest.fixture
def make_article(make_column):
    from cms.models import ArticlePage

    def make(parent=None, title="民法典里的居住权", publish=True, body=None, **kwargs):
        parent = parent or make_column()
        kwargs.setdefault("summary", "居住权是民法典新设立的用益物权。")
        kwargs.setdefault("live", publish)
        article = ArticlePage(
            title=title,
            slug=kwargs.pop("slug", f"article-{next(_counter)}"),
            body=body
            if body is not None
            else [
                ("paragraph", "<p>居住权人有权按照合同约定占有、使用他人的住宅。</p>")
            ],
            **kwargs,
        )
        parent.add_child(instance=article)
        revision = article.save_revision()
        if publish:
            revision.publish()
            article.refresh_from_db()
        return article

    return make


def pytest_collection_modifyitems(items):
    """Let every transactional test restore the migrated data when it ends.

    Transactional tests (live servers, worker subprocesses) flush the database;
    without a serialized rollback the roles, the site tree and the workflow
    created by data migrations would be gone for the tests that follow, and a
    serialized test after a plain one would collide with recreated content
    types.
    """
    for item in items:
        if "django_db_serialized_rollback" not in item.fixturenames:
            item.fixturenames.append("django_db_serialized_rollback")
