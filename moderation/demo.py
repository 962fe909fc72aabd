"""Demo data for moderation: the workflow, invented terms, compliance numbers.

Every term here is invented; Pufa ships no real sensitive-word list.
"""

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page, Workflow, WorkflowContentType, WorkflowPage

from .models import AllowedPhrase, Term, TermAction, TermCategory
from .workflow import next_compliance_number

DEMO_TERMS = {
    ("演示·拦截词", TermAction.BLOCK): ["黑鸦帮", "zorbex", "幻铃散"],
    ("演示·人工审核", TermAction.REVIEW): ["灰隼会", "quibblex"],
    ("演示·遮蔽", TermAction.MASK): ["蓝蜥骗局", "frobnik"],
}
DEMO_ALLOWED = ["黑鸦帮非法集资案公开宣判"]


def ensure_workflow(command):
    from cms.models import HomePage, PublicServiceAd

    workflow = Workflow.objects.filter(name="三审三校", active=True).first()
    if workflow is None:
        command.stdout.write("moderation: 未找到三审三校流程，请先运行 migrate")
        return
    for home in HomePage.objects.all():
        WorkflowPage.objects.get_or_create(page=home, defaults={"workflow": workflow})
    WorkflowContentType.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(PublicServiceAd),
        defaults={"workflow": workflow},
    )


def ensure_terms():
    for (name, action), words in DEMO_TERMS.items():
        category, _ = TermCategory.objects.get_or_create(
            name=name, defaults={"action": action, "description": "演示用的虚构词语"}
        )
        for word in words:
            Term.objects.get_or_create(category=category, text=word)
    for phrase in DEMO_ALLOWED:
        AllowedPhrase.objects.get_or_create(
            text=phrase, defaults={"note": "演示：合法的案件名称"}
        )


def number_published_items(command):
    """Give published demo items without a compliance number one, in place."""
    from cms.models import ArticlePage, PublicServiceAd, VideoPage

    numbered = 0
    for model in (ArticlePage, VideoPage, PublicServiceAd):
        for item in model.objects.filter(live=True, compliance_number=""):
            number = next_compliance_number()
            model.objects.filter(pk=item.pk).update(compliance_number=number)
            revision = item.live_revision
            if revision is not None:
                revision.content["compliance_number"] = number
                revision.save(update_fields=["content"])
            numbered += 1
    return numbered


def ensure_demo_creator():
    """Give the cms demo's "creator" account an approved profile and its space."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from . import creators
    from .models import CreatorProfile, CreatorStatus

    users = get_user_model().objects
    user = users.filter(username="creator").first()
    approver = users.filter(is_superuser=True).order_by("pk").first()
    if user is None or approver is None or hasattr(user, "creator_profile"):
        return
    today = timezone.localdate()
    profile = CreatorProfile.objects.create(
        user=user,
        real_name="演示创作者",
        creator_type="individual",
        credential_type="lawyer",
        credential_number="DEMO-0000-0001",
        credential_issuer="演示司法行政机关",
        credential_valid_from=today - datetime.timedelta(days=365),
        credential_valid_until=today + datetime.timedelta(days=3 * 365),
        domain_label="婚姻家庭",
        status=CreatorStatus.PENDING,
        email_verified_at=timezone.now(),
    )
    creators.approve(profile, approver, "演示账号", names_checked=True)


def load_demo(command):
    ensure_workflow(command)
    ensure_terms()
    ensure_demo_creator()
    numbered = number_published_items(command)
    reviewers = Group.objects.filter(name__in=["初审", "复审", "终审"]).count()
    pages = Page.objects.filter(depth__gt=2).count()
    command.stdout.write(
        f"moderation: 三审三校流程就绪（{reviewers} 个审核组，{pages} 个页面），"
        f"演示词库 {Term.objects.count()} 个词，补发签发编号 {numbered} 个"
    )
