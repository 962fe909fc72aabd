"""HTTP caching: headers, 304, the server-side page cache, invalidation, CDN purge."""

import os
import wsgiref.util

import pytest
from django.core.cache import caches
from django.test import Client

from cms.caching import PageCacheWSGI
from cms.models import ArticlePage, ColumnPage, HomePage

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
PAGE_CACHES = {
    "locmem": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pufa-test-pages",
    },
    "files": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"},
}
if os.environ.get("REDIS_URL"):
    PAGE_CACHES["redis"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": f"pufa-test-{os.getpid()}",
    }


def _use_page_cache(name, settings, tmp_path):
    config = dict(PAGE_CACHES[name])
    if name == "files":
        config["LOCATION"] = str(tmp_path / "page-cache")
    settings.CACHES = {**settings.CACHES, "pages": config}
    cache = caches["pages"]
    if name != "redis":
        cache.clear()
    return cache


@pytest.fixture
def page_cache(settings, tmp_path):
    return _use_page_cache("locmem", settings, tmp_path)


@pytest.fixture(params=sorted(PAGE_CACHES))
def any_page_cache(request, settings, tmp_path):
    """Run a test against each store the page cache is deployed on.

    The file store is the embedded default shared by the web, worker and
    scheduler processes; Redis is the production store.
    """
    cache = _use_page_cache(request.param, settings, tmp_path)
    yield cache
    if request.param == "redis":
        cache.delete_pattern("*")


def run_purge_tasks():
    """Run the frontend-cache purges that were queued, as the tasks worker would."""
    from django_tasks import task_backends

    backend = task_backends["default"]
    for result in list(backend.results):
        if "frontend_cache" in result.task.module_path:
            result.task.call(*result.args, **result.kwargs)
    backend.clear()


def body(response):
    return response.content.decode()


class TestHeaders:
    def test_published_page_is_public_with_strong_etag(self, settings, make_article):
        settings.PUFA_PAGE_MAX_AGE = 123
        article = make_article()
        response = Client().get(article.url)
        assert response["Cache-Control"] == "public, max-age=123"
        etag = response["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert "Cookie" not in response.get("Vary", "")

    def test_if_none_match_answers_304_without_body(self, make_article):
        article = make_article()
        first = Client().get(article.url)
        again = Client().get(article.url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        stale = Client().get(article.url, HTTP_IF_NONE_MATCH='"not-this-one"')
        assert stale.status_code == 200

    def test_logged_in_user_gets_private_no_store(self, make_article, admin_user):
        article = make_article()
        client = Client()
        client.force_login(admin_user)
        response = client.get(article.url)
        assert response["Cache-Control"] == "private, no-store"
        assert "ETag" not in response

    def test_draft_view_and_preview_are_private(self, make_article, admin_user):
        article = make_article()
        article.title = "草稿里的新标题"
        article.save_revision()
        client = Client()
        client.force_login(admin_user)
        response = client.get(f"/admin/pages/{article.pk}/view_draft/")
        assert response.status_code == 200
        assert "草稿里的新标题" in body(response)
        control = response["Cache-Control"]
        assert "private" in control and "no-store" in control and "public" not in control

    def test_restricted_page_is_never_public(self, make_article):
        from wagtail.models import PageViewRestriction

        article = make_article()
        PageViewRestriction.objects.create(
            page=article, restriction_type=PageViewRestriction.LOGIN
        )
        response = Client().get(article.url)
        assert response.status_code == 302  # to the login page
        assert "public" not in response.get("Cache-Control", "")


class TestServerSideCache:
    def test_second_anonymous_view_is_served_from_the_cache(self, page_cache, make_article):
        article = make_article(title="原来的标题")
        assert "原来的标题" in body(Client().get(article.url))
        # Changed behind Wagtail's back (no publish): the cached copy is served.
        ArticlePage.objects.filter(pk=article.pk).update(title="悄悄改掉的标题")
        response = Client().get(article.url)
        assert "原来的标题" in body(response)
        assert response["Cache-Control"].startswith("public")

    def test_publishing_an_edit_serves_the_new_content(self, any_page_cache, make_article):
        article = make_article(title="第一版标题")
        column = article.get_parent()
        for url in (article.url, column.url, "/"):
            assert "第一版标题" in body(Client().get(url))

        article = ArticlePage.objects.get(pk=article.pk)
        article.title = "更正后的标题"
        article.save_revision().publish()

        for url in (article.url, column.url, "/"):
            html = body(Client().get(url))
            assert "更正后的标题" in html, url
            assert "第一版标题" not in html, url

    def test_new_item_appears_on_cached_column_home_and_topic_pages(
        self, page_cache, make_column, make_article, topic
    ):
        column = make_column(slug="yian")
        Client().get(column.url)
        Client().get("/")
        Client().get("/topics/minfadian/")

        article = make_article(parent=column, title="新发布的案例", publish=False)
        article.topics.add(topic)
        article.save_revision().publish()

        assert "新发布的案例" in body(Client().get(column.url))
        assert "新发布的案例" in body(Client().get("/"))
        assert "新发布的案例" in body(Client().get("/topics/minfadian/"))

    def test_unpublished_page_is_gone_from_the_cache(self, any_page_cache, make_article):
        article = make_article(title="将被撤下的稿件")
        url = article.url
        assert Client().get(url).status_code == 200
        ArticlePage.objects.get(pk=article.pk).unpublish()
        assert Client().get(url).status_code == 404
        assert "将被撤下的稿件" not in body(Client().get("/"))

    def test_featuring_column_is_refreshed_when_the_item_changes(
        self, page_cache, make_column, make_article
    ):
        from cms.models import ColumnFeaturedItem

        home_column = make_column(slug="home-col")
        other = make_column(slug="featuring")
        article = make_article(parent=home_column, title="被推荐的稿件")
        other = ColumnPage.objects.get(pk=other.pk)
        other.featured_items = [ColumnFeaturedItem(item=article)]
        other.save_revision().publish()
        assert "被推荐的稿件" in body(Client().get(other.url))

        article = ArticlePage.objects.get(pk=article.pk)
        article.title = "推荐稿件改了标题"
        article.save_revision().publish()
        assert "推荐稿件改了标题" in body(Client().get(other.url))

    def test_visitors_with_a_session_and_query_strings_bypass_the_cache(
        self, page_cache, make_article
    ):
        article = make_article(title="旧标题")
        Client().get(article.url)
        ArticlePage.objects.filter(pk=article.pk).update(title="新标题")
        with_query = Client().get(article.url + "?utm_source=wechat")
        assert "新标题" in body(with_query)
        with_session = Client()
        with_session.cookies["sessionid"] = "whatever"
        assert "新标题" in body(with_session.get(article.url))

    def test_made_up_host_names_cannot_grow_the_cache_without_bound(
        self, monkeypatch, page_cache, make_article
    ):
        from cms import caching

        monkeypatch.setattr(caching, "MAX_HOSTS", 3)
        article = make_article()
        for number in range(caching.MAX_HOSTS + 5):
            Client().get(article.url, HTTP_HOST=f"h{number}.example.cn")
        assert len(page_cache.get(caching.HOSTS_KEY)) == caching.MAX_HOSTS

    def test_cached_copy_answers_if_none_match(self, page_cache, make_article):
        article = make_article()
        etag = Client().get(article.url)["ETag"]
        again = Client().get(article.url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304


class TestWSGIFront:
    def _environ(self, path, **extra):
        environ = {"PATH_INFO": path, "HTTP_HOST": "testserver", **extra}
        wsgiref.util.setup_testing_defaults(environ)
        environ["PATH_INFO"] = path.encode("utf-8").decode("iso-8859-1")
        return environ

    def _call(self, app, environ):
        seen = {}

        def start_response(status, headers):
            seen["status"], seen["headers"] = status, dict(headers)

        chunks = app(environ, start_response)
        return seen["status"], seen["headers"], b"".join(chunks)

    def test_hit_is_answered_without_calling_django(self, any_page_cache, make_article):
        article = make_article(title="缓存里的稿件")
        primed = Client().get(article.url)
        calls = []

        def django_app(environ, start_response):
            calls.append(environ["PATH_INFO"])
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"rendered by django"]

        front = PageCacheWSGI(django_app)
        status, headers, content = self._call(front, self._environ(article.url))
        assert status.startswith("200")
        assert content == primed.content
        assert headers["ETag"] == primed["ETag"]
        assert headers["Content-Type"].startswith("text/html")
        assert calls == []

        status, _, content = self._call(
            front, self._environ(article.url, HTTP_IF_NONE_MATCH=primed["ETag"])
        )
        assert status.startswith("304") and content == b""

        self._call(front, self._environ(article.url, HTTP_COOKIE="sessionid=abc"))
        self._call(front, self._environ("/not-cached/"))
        assert len(calls) == 2

    def test_publish_clears_what_the_front_remembers(self, page_cache, make_article):
        article = make_article(title="记住的旧标题")
        Client().get(article.url)
        front = PageCacheWSGI(lambda environ, start_response: [])
        _, _, content = self._call(front, self._environ(article.url))
        assert "记住的旧标题" in content.decode()

        article = ArticlePage.objects.get(pk=article.pk)
        article.title = "发布后的新标题"
        article.save_revision().publish()
        Client().get(article.url)

        _, _, content = self._call(front, self._environ(article.url))
        assert "发布后的新标题" in content.decode()


class TestFrontendCachePurge:
    def test_publish_and_unpublish_purge_page_and_listings(
        self, settings, purge_server, make_column, make_article, topic,
        django_capture_on_commit_callbacks,
    ):
        settings.WAGTAILFRONTENDCACHE = {
            "cdn": {
                "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
                "LOCATION": f"http://127.0.0.1:{purge_server.server_port}",
            }
        }
        # Wagtail sends purges from a background task.
        settings.TASKS = DUMMY_TASKS
        column = make_column(slug="yian")
        article = make_article(parent=column, slug="shiyongqi", publish=False)
        article.topics.add(topic)
        article.tags.add("试用期")
        purge_server.purged.clear()

        with django_capture_on_commit_callbacks(execute=True):
            article.save_revision().publish()
        run_purge_tasks()

        paths = [path for _host, path in purge_server.purged]
        assert "/columns/yian/shiyongqi/" in paths
        assert "/columns/yian/" in paths
        assert "/columns/" in paths
        assert "/" in paths
        assert "/topics/minfadian/" in paths
        assert "/tags/%E8%AF%95%E7%94%A8%E6%9C%9F/" in paths

        purge_server.purged.clear()
        with django_capture_on_commit_callbacks(execute=True):
            ArticlePage.objects.get(pk=article.pk).unpublish()
        run_purge_tasks()
        paths = [path for _host, path in purge_server.purged]
        assert "/columns/yian/shiyongqi/" in paths and "/" in paths

    def test_no_purge_without_a_configured_backend(
        self, settings, purge_server, make_article, django_capture_on_commit_callbacks
    ):
        settings.WAGTAILFRONTENDCACHE = {}
        settings.TASKS = DUMMY_TASKS
        with django_capture_on_commit_callbacks(execute=True):
            make_article()
        run_purge_tasks()
        assert purge_server.purged == []


def test_home_page_is_cacheable_too(page_cache, home):
    first = Client().get("/")
    assert first["Cache-Control"].startswith("public")
    HomePage.objects.filter(pk=home.pk).update(title="改过的首页")
    assert body(Client().get("/")) == body(first)
