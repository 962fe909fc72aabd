"""Permission matrix: nobody but administrators publishes, unpublishes or deletes.

Each forbidden request is paired with the same request made by an
administrator, so a test fails if the request itself was malformed.
"""

import pytest
from lxml import html

from .conftest import approve_all, creator_article, submit

pytestmark = pytest.mark.django_db


def edit_form_data(client, page, **changes):
    """Return the admin edit form of ``page`` as POST data, with ``changes``."""
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    form = html.fromstring(response.content).get_element_by_id("page-edit-form")
    data = {}
    for element in form.xpath(".//input|.//select|.//textarea"):
        name = element.get("name")
        if not name:
            continue
        if element.tag == "select":
            chosen = [o.get("value") for o in element.xpath(".//option[@selected]")]
            if element.get("multiple") is not None:
                data[name] = chosen
            elif chosen:
                data[name] = chosen[0]
        elif element.get("type") == "checkbox":
            if element.get("checked") is not None:
                data[name] = "on"
        elif element.tag == "textarea":
            data[name] = element.text or ""
        else:
            data[name] = element.get("value") or ""
    data["body-count"] = "0"
    data.update(changes)
    return data


@pytest.fixture
def live_article(make_creator, reviewers):
    creator = make_creator()
    article = creator_article(creator)
    submit(article, creator)
    approve_all(article, reviewers)
    article.refresh_from_db()
    assert article.live
    return creator, article


def test_creator_cannot_see_or_open_other_creators_drafts(client, make_creator):
    alice, bob = make_creator("甲律师"), make_creator("乙律师")
    secret = creator_article(bob, title="乙的未公开草稿")
    client.force_login(alice)

    for url in (
        f"/admin/pages/{secret.pk}/edit/",
        f"/admin/pages/{secret.pk}/view_draft/",
        f"/admin/pages/{secret.pk}/revisions/",
        f"/admin/pages/{secret.pk}/history/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert "乙的未公开草稿" not in response.content.decode()
    listing = client.get(f"/admin/pages/{bob.creator_profile.column_id}/")
    assert "乙的未公开草稿" not in listing.content.decode()
    search = client.get("/admin/pages/search/?q=未公开草稿")
    assert "乙的未公开草稿" not in search.content.decode()

    # The owner does see it: the requests above were well formed.
    client.force_login(bob)
    assert client.get(f"/admin/pages/{secret.pk}/edit/").status_code == 200


def test_creator_can_only_add_in_own_column(client, make_creator):
    alice, bob = make_creator("甲律师"), make_creator("乙律师")
    client.force_login(alice)
    other = bob.creator_profile.column_id
    own = alice.creator_profile.column_id
    assert client.get(f"/admin/pages/add/cms/articlepage/{other}/").status_code in (
        302,
        403,
    )
    assert client.get(f"/admin/pages/add/cms/articlepage/{own}/").status_code == 200


def test_crafted_publish_post_does_not_publish(client, make_creator, admin_user):
    creator = make_creator()
    draft = creator_article(creator)
    client.force_login(creator)
    data = edit_form_data(client, draft, **{"action-publish": "1"})
    client.post(f"/admin/pages/{draft.pk}/edit/", data)
    draft.refresh_from_db()
    assert not draft.live

    other = creator_article(creator)
    client.force_login(admin_user)
    data = edit_form_data(client, other, **{"action-publish": "1"})
    client.post(f"/admin/pages/{other.pk}/edit/", data)
    other.refresh_from_db()
    assert other.live


def test_editor_cannot_publish_directly_either(client, make_user, make_article):
    editor = make_user("bianji", groups=["编辑"])
    draft = make_article(publish=False, live=False)
    client.force_login(editor)
    data = edit_form_data(client, draft, **{"action-publish": "1"})
    client.post(f"/admin/pages/{draft.pk}/edit/", data)
    draft.refresh_from_db()
    assert not draft.live


def test_scheduled_expiry_is_rejected_by_the_automated_check(client, make_creator):
    creator = make_creator()
    draft = creator_article(creator)
    client.force_login(creator)
    data = edit_form_data(
        client, draft, expire_at="2030-01-01 10:00", **{"action-submit": "1"}
    )
    client.post(f"/admin/pages/{draft.pk}/edit/", data)
    draft.refresh_from_db()
    state = draft.current_workflow_state
    assert state is not None and state.status == "needs_changes"
    report = state.current_task_state.check_report
    assert any(f["kind"] == "schedule" for f in report.findings)


def test_submit_through_the_editor_starts_the_review(client, make_creator):
    creator = make_creator()
    draft = creator_article(creator)
    client.force_login(creator)
    data = edit_form_data(client, draft, **{"action-submit": "1"})
    client.post(f"/admin/pages/{draft.pk}/edit/", data)
    draft.refresh_from_db()
    assert draft.current_workflow_task.name == "初审"
    assert not draft.live


@pytest.mark.parametrize("who", ["creator", "editor"])
def test_live_item_cannot_be_unpublished_or_deleted(
    client, live_article, make_user, who
):
    creator, article = live_article
    user = creator if who == "creator" else make_user("bianji", groups=["编辑"])
    client.force_login(user)
    client.post(f"/admin/pages/{article.pk}/unpublish/")
    client.post(f"/admin/pages/{article.pk}/delete/")
    for action in ("unpublish", "delete"):
        client.post(
            f"/admin/bulk/wagtailcore/page/{action}/?id={article.pk}&next=/admin/"
        )
    article.refresh_from_db()
    assert article.live


def test_administrator_can_unpublish_the_same_way(client, live_article, admin_user):
    _, article = live_article
    client.force_login(admin_user)
    client.post(f"/admin/bulk/wagtailcore/page/unpublish/?id={article.pk}&next=/admin/")
    article.refresh_from_db()
    assert not article.live


def test_bulk_publish_is_refused(client, make_creator, make_user, admin_user):
    creator = make_creator()
    draft = creator_article(creator)
    editor = make_user("bianji", groups=["编辑"])
    for user in (creator, editor):
        client.force_login(user)
        client.post(f"/admin/bulk/wagtailcore/page/publish/?id={draft.pk}&next=/admin/")
        draft.refresh_from_db()
        assert not draft.live
    client.force_login(admin_user)
    client.post(f"/admin/bulk/wagtailcore/page/publish/?id={draft.pk}&next=/admin/")
    draft.refresh_from_db()
    assert draft.live


def test_creator_cannot_approve_through_any_screen(client, make_creator, reviewers):
    creator = make_creator()
    draft = creator_article(creator)
    submit(draft, creator)
    state = draft.current_workflow_task_state
    wagtail_url = f"/admin/pages/workflow/action/{draft.pk}/approve/{state.pk}/"
    our_url = f"/admin/moderation/review/{state.pk}/"
    client.force_login(creator)
    client.post(our_url, {"action": "approve"})
    client.post(wagtail_url, {"comment": ""})
    draft.refresh_from_db()
    assert draft.current_workflow_task.name == "初审"

    # The same two screens work for the right reviewers.
    client.force_login(reviewers["first"])
    client.post(wagtail_url, {"comment": ""})
    draft.refresh_from_db()
    assert draft.current_workflow_task.name == "复审"
    state = draft.current_workflow_task_state
    client.force_login(reviewers["second"])
    client.post(f"/admin/moderation/review/{state.pk}/", {"action": "approve"})
    draft.refresh_from_db()
    assert draft.current_workflow_task.name == "终审"


def test_live_ad_cannot_be_deleted_or_published_by_editor(client, make_user, reviewers):
    from cms.models import PublicServiceAd

    from .conftest import submit as submit_item

    editor = make_user("bianji", groups=["编辑"])
    ad = PublicServiceAd.objects.create(title="法治宣传", issuing_unit="某普法办")
    ad.save_revision(user=editor)
    submit_item(ad, editor)
    approve_all(ad, reviewers)
    ad.refresh_from_db()
    assert ad.live
    client.force_login(editor)
    client.post(f"/admin/snippets/cms/publicservicead/delete/{ad.pk}/")
    client.post(f"/admin/snippets/cms/publicservicead/unpublish/{ad.pk}/")
    assert PublicServiceAd.objects.get(pk=ad.pk).live


def test_no_write_api_is_exposed(client):
    assert client.get("/api/v2/pages/").status_code == 404
