"""Documents are downloadable by the public only while a live item links them."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.test import Client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def document(db):
    from wagtail.documents import get_document_model

    return get_document_model().objects.create(
        title="民法典居住权合同范本",
        file=ContentFile(PDF, name="contract.pdf"),
    )


def _linking(document):
    return [
        (
            "paragraph",
            f'<p>下载<a linktype="document" id="{document.pk}">合同范本</a>。</p>',
        )
    ]


def _download(client, document):
    response = client.get(document.url)
    body = b"".join(response.streaming_content) if response.streaming else b""
    return response.status_code, body


def test_a_document_no_item_links_is_not_found_for_the_public(document, client):
    status, body = _download(client, document)

    assert status == 404 and body != PDF


def test_a_document_linked_only_from_a_draft_stays_private(
    document, make_article, client
):
    make_article(publish=False, body=_linking(document))

    assert _download(client, document)[0] == 404


def test_staff_can_open_any_document(document, make_user):
    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    staff = Client()
    staff.force_login(user)
    reader = Client()
    reader.force_login(make_user())

    assert _download(staff, document) == (200, PDF)
    assert _download(reader, document)[0] == 404


def test_publishing_an_article_that_links_it_opens_it_and_unpublishing_closes_it(
    document, make_article, client
):
    article = make_article(publish=False, body=_linking(document))
    article.save_revision().publish()

    assert _download(client, document) == (200, PDF)
    # The published page links the document where readers can follow it.
    page = client.get(article.url).content.decode()
    assert document.url in page

    article.refresh_from_db()
    article.unpublish()

    assert _download(client, document)[0] == 404


def test_unpublishing_purges_the_document_from_the_cdn_once_no_live_item_links_it(
    document, make_article, settings, purge_server, django_capture_on_commit_callbacks
):
    from tests.cms.test_caching import DUMMY_TASKS, run_purge_tasks

    settings.WAGTAILFRONTENDCACHE = {
        "cdn": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{purge_server.server_port}",
        }
    }
    settings.TASKS = DUMMY_TASKS
    first = make_article(publish=False, body=_linking(document))
    second = make_article(publish=False, body=_linking(document))
    for article in (first, second):
        article.save_revision().publish()

    def purged_after_unpublishing(article):
        purge_server.purged.clear()
        with django_capture_on_commit_callbacks(execute=True):
            article.refresh_from_db()
            article.unpublish()
        run_purge_tasks()
        return [path for _host, path in purge_server.purged]

    # The second article still links it: it stays public and cached.
    assert document.url not in purged_after_unpublishing(first)
    assert document.url in purged_after_unpublishing(second)
