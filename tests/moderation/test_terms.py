"""Term matching over normalised text, and the automated check that uses it."""

import pytest

from moderation.terms import TermMatcher, normalise

TERMS = [
    ("黑鸦帮", "虚构组织", "block"),
    ("zorbex", "虚构药名", "block"),
    ("灰隼会", "虚构复核", "review"),
    ("蓝蜥", "虚构遮蔽", "mask"),
]
ALLOWED = ["黑鸦帮非法集资案公开宣判"]


@pytest.fixture
def matcher():
    return TermMatcher(TERMS, ALLOWED)


@pytest.mark.parametrize(
    "text",
    [
        "这里提到黑鸦帮。",
        "全角：ＺＯＲＢＥＸ 胶囊",
        "混合大小写 ZoRbEx",
        "插入符号 黑*鸦-帮",
        "插入空格 黑 鸦　帮",
        "零宽字符 黑\u200b鸦\u200d帮",
        "繁体 黑鴉幫",
        "字母间插点 z.o.r.b.e.x",
    ],
)
def test_evasions_are_caught(matcher, text):
    hits = matcher.find(text)
    assert hits, text
    assert hits[0].term in {"黑鸦帮", "zorbex"}


def test_hit_points_at_the_original_characters(matcher):
    text = "前文 黑*鸦帮 后文"
    (hit,) = matcher.find(text)
    assert text[hit.start : hit.end] == "黑*鸦帮"


def test_allow_listed_legal_phrase_is_not_flagged(matcher):
    assert matcher.find("本报讯 黑鸦帮非法集资案公开宣判，旁听群众百余人。") == []
    # Outside the phrase the same term is still caught.
    assert len(matcher.find("黑鸦帮非法集资案公开宣判后，黑鸦帮余党落网。")) == 1


def test_unrelated_text_is_not_flagged(matcher):
    assert matcher.find("民法典规定了居住权，居住权人有权占有、使用他人的住宅。") == []


def test_mask_stars_only_mask_terms(matcher):
    assert matcher.mask("小心蓝蜥和黑鸦帮") == "小心＊＊和黑鸦帮"
    assert matcher.mask("小心 蓝-蜥 骗局") == "小心 ＊＊＊ 骗局"


def test_normalise_folds_width_case_and_script():
    assert normalise("ＡＢＣ abc 黑鴉") == "abcabc黑鸦"


@pytest.mark.django_db
def test_automated_check_rejects_with_every_finding_listed(make_creator, terms):
    from .conftest import creator_article, submit

    creator = make_creator()
    article = creator_article(creator)
    # The editor saves drafts without model validation (as Wagtail's does).
    draft = article.get_latest_revision_as_object()
    draft.title = "ＺＯＲＢＥＸ 的真相" + "，标题很长" * 8
    draft.summary = "黑*鸦帮和灰隼会，详见 https://evil.example.com/x"
    draft.to_wechat = True
    draft.save_revision(user=creator, clean=False)
    state = submit(article, creator)
    assert state.status == "needs_changes"
    report = state.current_task_state.check_report
    kinds = sorted({f["kind"] for f in report.findings})
    assert kinds == ["channel", "link", "term"]
    messages = " ".join(f["message"] for f in report.findings)
    assert "ＺＯＲＢＥＸ" in messages and "黑*鸦帮" in messages
    assert "evil.example.com" in messages
    assert "灰隼会" in messages  # review terms are listed too
    assert state.current_task_state.comment.startswith("自动检查未通过")


@pytest.mark.django_db
def test_review_terms_pass_and_are_shown_to_reviewers(
    client, make_creator, reviewers, terms
):
    from .conftest import creator_article, submit

    creator = make_creator()
    article = creator_article(
        creator, summary="关于灰隼会的普法提示，参见 https://www.npc.gov.cn/"
    )
    state = submit(article, creator)
    assert state.status == "in_progress"
    client.force_login(reviewers["first"])
    page = client.get(
        f"/admin/moderation/review/{state.current_task_state.pk}/"
    ).content.decode()
    assert "灰隼会" in page and "提示人工审核" in page


@pytest.mark.django_db
def test_mask_terms_are_starred_in_the_published_revision(
    make_creator, reviewers, terms
):
    from .conftest import approve_all, creator_article, submit

    creator = make_creator()
    article = creator_article(creator, summary="警惕蓝蜥骗局")
    submit(article, creator)
    approve_all(article, reviewers)
    article.refresh_from_db()
    assert article.live and article.summary == "警惕＊＊骗局"


@pytest.mark.django_db
def test_csv_import_per_category(client, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from moderation.models import Term

    final = make_user("zs", groups=["终审"])
    client.force_login(final)
    upload = SimpleUploadedFile(
        "terms.csv", "# 虚构词表\n虚构甲\n虚构乙\n虚构甲\n\n".encode(), "text/csv"
    )
    response = client.post(
        "/admin/moderation/terms/import/",
        {"new_category": "虚构类别", "action": "block", "file": upload},
    )
    assert response.status_code == 302
    assert sorted(Term.objects.values_list("text", flat=True)) == ["虚构乙", "虚构甲"]
    assert Term.objects.first().category.action == "block"

    bad = SimpleUploadedFile("terms.csv", "虚构丙".encode("gbk"), "text/csv")
    page = client.post(
        "/admin/moderation/terms/import/",
        {"new_category": "另一类", "action": "review", "file": bad},
    ).content.decode()
    assert "UTF-8" in page
    assert Term.objects.count() == 2
