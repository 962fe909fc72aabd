"""Fixtures for moderation: reviewers, approved creators, invented terms."""

import datetime
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

_counter = itertools.count(1)

PDF = b"%PDF-1.4\n% invented scan\n"


@pytest.fixture
def reviewers(make_user):
    """One member for each review step, plus a second 复审 member."""
    return {
        "first": make_user("chushen", groups=["初审"]),
        "second": make_user("fushen", groups=["复审"]),
        "final": make_user("zhongshen", groups=["终审"]),
        "second_b": make_user("fushen2", groups=["复审"]),
    }


@pytest.fixture
def make_creator(make_user, make_user_admin):
    from moderation import creators
    from moderation.models import CreatorProfile, CreatorStatus

    def make(name="张律师", approve=True, valid_days=365, **kwargs):
        n = next(_counter)
        user = make_user(f"creator{n}")
        profile = CreatorProfile.objects.create(
            user=user,
            real_name=name,
            creator_type="individual",
            id_number="11010519900101123X",
            credential_type="lawyer",
            credential_number=f"1101202010{n:06d}",
            credential_issuer="某市司法行政机关",
            credential_valid_from=timezone.localdate() - datetime.timedelta(days=400),
            credential_valid_until=timezone.localdate()
            + datetime.timedelta(days=valid_days),
            domain_label="婚姻家庭",
            status=CreatorStatus.PENDING,
            manual_review_reasons=creators.manual_review_reasons(name),
            **kwargs,
        )
        if approve:
            creators.approve(profile, make_user_admin, "资质齐全", names_checked=True)
            user.refresh_from_db()
        return user

    return make


@pytest.fixture
def make_user_admin(make_user):
    return make_user(f"admin{next(_counter)}", is_superuser=True, is_staff=True)


@pytest.fixture
def terms(db):
    from moderation.models import AllowedPhrase, Term, TermCategory
    from moderation.terms import reset_matcher_cache

    block = TermCategory.objects.create(name="虚构拦截", action="block")
    review = TermCategory.objects.create(name="虚构复核", action="review")
    masked = TermCategory.objects.create(name="虚构遮蔽", action="mask")
    for text in ("黑鸦帮", "zorbex"):
        Term.objects.create(category=block, text=text)
    Term.objects.create(category=review, text="灰隼会")
    Term.objects.create(category=masked, text="蓝蜥")
    AllowedPhrase.objects.create(text="黑鸦帮非法集资案公开宣判")
    reset_matcher_cache()
    yield
    reset_matcher_cache()


@pytest.fixture
def scan_file():
    return SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")


def creator_article(creator, title="居住权怎么设立", **fields):
    """Create a draft article in the creator's own column, as the creator."""
    from cms.models import ArticlePage

    column = creator.creator_profile.column.specific
    fields.setdefault("summary", "居住权是用益物权。")
    article = ArticlePage(
        title=title,
        slug=f"a-{next(_counter)}",
        owner=creator,
        body=[("paragraph", "<p>居住权人有权占有、使用他人的住宅。</p>")],
        live=False,
        **fields,
    )
    column.add_child(instance=article)
    article.save_revision(user=creator)
    return article


def submit(item, user):
    """Submit an item to its workflow the way the editor's submit action does."""
    item.refresh_from_db()
    workflow = item.get_workflow()
    state = item.current_workflow_state
    if state is not None and state.status == "needs_changes":
        state.resume(user)
    else:
        workflow.start(item, user)
    item.refresh_from_db()
    return item.current_workflow_state


def act(item, user, action="approve", comment=""):
    item.refresh_from_db()
    task = item.current_workflow_task
    task.on_action(item.current_workflow_task_state, user, action, comment=comment)
    item.refresh_from_db()


def approve_all(item, reviewers):
    for step in ("first", "second", "final"):
        act(item, reviewers[step])


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing with PBKDF2 for every fixture user dominates these tests' time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
