"""Creators reach only their own videos in the Wagtail admin; staff reach all."""

import pytest
from django.test import Client
from django.urls import reverse

from media_pipeline.models import Video, VideoStatus

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _video(title, user) -> Video:
    return Video.objects.create(
        title=title, uploaded_by=user, status=VideoStatus.READY
    )


def _url(name, *args, chooser=False) -> str:
    viewset = Video.snippet_viewset
    if chooser:
        viewset = viewset.chooser_viewset
    return reverse(viewset.get_url_name(name), args=args)


@pytest.fixture
def videos(uploader, make_user):
    other = make_user(groups=["自媒体创作者"])
    return {
        "own": _video("民法典居住权解读（本人）", uploader),
        "other": _video("民法典居住权解读（他人）", other),
    }


def _chooser_html(response) -> str:
    assert response.status_code == 200
    data = response.json() if "json" in response["Content-Type"] else {}
    return data.get("html") or response.content.decode()


def test_creator_chooser_lists_only_their_own_videos(uploader, videos):
    html = _chooser_html(_client(uploader).get(_url("choose", chooser=True)))

    assert "（本人）" in html
    assert "（他人）" not in html


def test_creator_chooser_search_finds_only_their_own_videos(uploader, videos):
    _video("国家宪法日", videos["own"].uploaded_by)
    url = _url("choose_results", chooser=True)

    html = _chooser_html(_client(uploader).get(url, {"q": "居住权"}))

    assert "（本人）" in html
    assert "（他人）" not in html and "国家宪法日" not in html


def test_creator_cannot_choose_someone_elses_video(uploader, videos):
    client = _client(uploader)

    own = client.get(_url("chosen", videos["own"].pk, chooser=True))
    other = client.get(_url("chosen", videos["other"].pk, chooser=True))

    assert own.status_code == 200
    assert own.json()["result"]["string"].endswith("（本人）")
    assert other.status_code == 404


def test_creator_snippet_listing_shows_only_their_own_videos(uploader, videos):
    response = _client(uploader).get(_url("list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "（本人）" in html and "（他人）" not in html


def test_creator_edits_own_video_title_but_not_someone_elses(uploader, videos):
    client = _client(uploader)
    own, other = videos["own"], videos["other"]

    assert client.get(_url("edit", other.pk)).status_code == 404
    assert client.post(_url("edit", other.pk), {"title": "改"}).status_code == 404
    assert client.get(_url("history", other.pk)).status_code == 404
    assert client.get(_url("usage", other.pk)).status_code == 404
    assert client.get(_url("edit", own.pk)).status_code == 200
    saved = client.post(_url("edit", own.pk), {"title": "居住权（新标题）"})

    assert saved.status_code == 302
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.title == "居住权（新标题）"
    assert other.title == "民法典居住权解读（他人）"


def test_staff_with_change_permission_see_and_choose_every_video(editor, videos):
    client = _client(editor)

    listing = client.get(_url("list")).content.decode()
    chooser = _chooser_html(client.get(_url("choose", chooser=True)))

    assert "（本人）" in listing and "（他人）" in listing
    assert "（本人）" in chooser and "（他人）" in chooser
    assert client.get(_url("edit", videos["other"].pk)).status_code == 200


def test_adding_a_video_in_the_snippet_admin_leads_to_the_upload_page(uploader):
    response = _client(uploader).get(_url("add"))

    assert response.status_code == 302
    assert response["Location"] == reverse("media_pipeline_upload")
    assert not Video.objects.exists()
