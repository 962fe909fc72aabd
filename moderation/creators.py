"""Creator onboarding: apply, verify email, approve or reject, suspend on expiry.

Approval gives the creator a space of their own (the documented choice):

* a Wagtail collection "创作者：<name>" for their images;
* a column (专栏) "<name>的专栏" under the column index, where they may add
  items and edit only what they own (Wagtail's ``add`` permission);
* a personal group "创作者空间-<user id>" holding exactly those two
  permissions, besides the shared ``自媒体创作者`` role.

Creators therefore never see other people's drafts in the admin: their
explorer starts at their own column, and nobody else adds pages there.
"""

import logging
import re
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .audit import record
from .models import CreatorProfile, CreatorStatus
from .notify import tell

logger = logging.getLogger("pufa.moderation")

CREATOR_GROUP = "自媒体创作者"
VERIFY_SALT = "pufa.creators.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600
REMINDER_DAYS = 30

# Words that make a name look like a court, procuratorate, police, government or
# a news outlet: such applicants are always checked by a person.
SENSITIVE_NAME_WORDS = ["法院", "检察院", "公安", "司法局", "政府", "媒体", "报", "台"]
PROVINCES = [
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "台湾",
]
_DIVISION = re.compile(
    r"[\u4e00-\u9fff]{1,8}(省|自治区|特别行政区|自治州|自治县|地区|盟|旗|"
    r"市|县|区|镇|乡|街道)"
)
# Common words ending like a division that are not one (超市, 社区 …).
_NOT_DIVISION = re.compile(r"(超市|城市|都市|门市|社区|园区|景区|小区|误区|专区)$")


def manual_review_reasons(name):
    """Return why an applicant's name must be checked by a person (may be empty)."""
    reasons = [f"名称含“{word}”" for word in SENSITIVE_NAME_WORDS if word in name]
    reasons += [f"名称含行政区划“{p}”" for p in PROVINCES if p in name]
    for match in _DIVISION.finditer(name):
        if not _NOT_DIVISION.search(match.group(0)):
            reasons.append(f"名称含行政区划“{match.group(0)}”")
            break
    return reasons


def save_scan(uploaded, user_id):
    """Store a credential scan in private storage and return its name."""
    extension = uploaded.name.rsplit(".", 1)[-1].lower()
    name = f"credentials/{user_id}/{timezone.now():%Y%m%d%H%M%S}.{extension}"
    return storages["private"].save(name, uploaded)


def verification_token(user):
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)


def send_verification(request, user):
    url = request.build_absolute_uri(
        reverse("moderation:verify", args=[verification_token(user)])
    )
    from django.conf import settings
    from django.core.mail import send_mail

    send_mail(
        "【普法】请验证您的邮箱",
        f"您好，请在三天内打开以下链接完成邮箱验证：\n{url}\n\n如非本人操作，请忽略本邮件。",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def verify_email(token):
    """Activate the account named by ``token``; return its profile or None."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        return None
    profile = (
        CreatorProfile.objects.select_related("user")
        .filter(user_id=data.get("u"), user__email=data.get("e"))
        .first()
    )
    if profile is None:
        return None
    if profile.status == CreatorStatus.UNVERIFIED:
        profile.status = CreatorStatus.PENDING
        profile.email_verified_at = timezone.now()
        profile.save(update_fields=["status", "email_verified_at"])
        profile.user.is_active = True
        profile.user.save(update_fields=["is_active"])
        record("creator.email_verified", actor=profile.user, obj=profile)
    return profile


def _collection_for(profile):
    from wagtail.models import Collection

    if profile.collection_id:
        return profile.collection
    root = Collection.get_first_root_node()
    return root.add_child(name=f"创作者：{profile.real_name}（{profile.user_id}）")


def _column_for(profile, reviewer):
    from cms.models import ColumnIndexPage, ColumnPage

    if profile.column_id:
        return profile.column
    index = ColumnIndexPage.objects.first()
    column = ColumnPage(
        title=f"{profile.real_name}的专栏",
        slug=f"creator-{profile.user_id}",
        intro=f"{profile.get_creator_type_display()} · {profile.domain_label}",
        owner=reviewer,
    )
    index.add_child(instance=column)
    # The column is a container made by the system, not an item: it carries
    # nothing to any channel, so it is published without review.
    column.save_revision(user=reviewer).publish(
        user=reviewer, skip_permission_checks=True
    )
    return column


def _space_group_for(profile, collection, column):
    from wagtail.models import GroupCollectionPermission, GroupPagePermission

    group, _ = Group.objects.get_or_create(name=f"创作者空间-{profile.user_id}")
    GroupPagePermission.objects.get_or_create(
        group=group,
        page=column,
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="add_page"
        ),
    )
    for codename in ("add_image", "choose_image", "change_image"):
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=collection,
            permission=Permission.objects.get(
                content_type__app_label="wagtailimages", codename=codename
            ),
        )
    return group


def _grant_publishing(profile, reviewer):
    """Give an approved creator their space and the creator role, unsaved status."""
    collection = _collection_for(profile)
    column = _column_for(profile, reviewer)
    group = _space_group_for(profile, collection, column)
    profile.user.groups.add(Group.objects.get(name=CREATOR_GROUP), group)
    profile.collection, profile.column, profile.space_group = collection, column, group
    profile.status = CreatorStatus.APPROVED
    profile.suspended_reason = ""


@transaction.atomic
def approve(profile, reviewer, reason="", names_checked=False):
    """Approve an application; raise ValueError (Chinese message) if not allowed."""
    if profile.status not in (CreatorStatus.PENDING, CreatorStatus.SUSPENDED):
        raise ValueError("只有待审核或已暂停的申请可以批准。")
    if profile.needs_manual_review and not names_checked:
        raise ValueError("该申请的名称需人工核实，请勾选“已人工核实名称”后再批准。")
    if profile.credential_valid_until < timezone.localdate():
        raise ValueError("资质证书已过期，不能批准。")
    if profile.user_id == reviewer.pk:
        raise ValueError("不能审核自己的申请。")

    _grant_publishing(profile, reviewer)
    profile.record_decision(reviewer, reason)
    profile.save()

    record("creator.approve", actor=reviewer, obj=profile, data={"reason": reason})
    tell(
        [profile.user],
        "【普法】您的创作者申请已通过",
        f"您的自媒体创作者申请已通过审核。{reason}",
        reverse("moderation:portal"),
    )
    logger.info("creator approved profile=%s", profile.pk)
    return profile


@transaction.atomic
def reject(profile, reviewer, reason):
    if not reason.strip():
        raise ValueError("驳回时必须填写原因。")
    if profile.status not in (CreatorStatus.PENDING, CreatorStatus.UNVERIFIED):
        raise ValueError("只有待审核的申请可以驳回。")
    profile.status = CreatorStatus.REJECTED
    profile.record_decision(reviewer, reason)
    profile.save()
    record("creator.reject", actor=reviewer, obj=profile, data={"reason": reason})
    tell(
        [profile.user],
        "【普法】您的创作者申请未通过",
        f"您的自媒体创作者申请未通过审核。原因：{reason}",
        reverse("moderation:portal"),
    )
    logger.info("creator rejected profile=%s", profile.pk)
    return profile


@transaction.atomic
def suspend(profile, reason, actor=None):
    """Stop a creator from adding or submitting anything, keeping their login."""
    profile.user.groups.remove(
        *Group.objects.filter(name=CREATOR_GROUP),
        *([profile.space_group] if profile.space_group_id else []),
    )
    profile.status = CreatorStatus.SUSPENDED
    profile.suspended_reason = reason
    profile.save(update_fields=["status", "suspended_reason"])
    record("creator.suspend", actor=actor, obj=profile, data={"reason": reason})
    tell(
        [profile.user],
        "【普法】您的发布权限已暂停",
        f"您的创作者发布权限已暂停：{reason}。请在创作者中心更新资质，审核通过后即恢复。",
        reverse("moderation:portal"),
    )
    logger.info("creator suspended profile=%s", profile.pk)


def check_credentials(today=None):
    """Suspend creators whose credential expired; remind those 30 days ahead."""
    today = today or timezone.localdate()
    approved = CreatorProfile.objects.filter(status=CreatorStatus.APPROVED)
    for profile in approved.filter(credential_valid_until__lt=today):
        suspend(profile, f"资质证书已于 {profile.credential_valid_until} 到期")
    due = approved.filter(
        credential_valid_until__gte=today,
        credential_valid_until__lte=today + timedelta(days=REMINDER_DAYS),
        expiry_reminded_at__isnull=True,
    )
    for profile in due:
        tell(
            [profile.user],
            "【普法】您的资质证书即将到期",
            f"您的{profile.credential_name}将于 {profile.credential_valid_until} "
            "到期，到期后发布权限将自动暂停，请及时更新。",
            reverse("moderation:portal"),
        )
        profile.expiry_reminded_at = timezone.now()
        profile.save(update_fields=["expiry_reminded_at"])
        record("creator.expiry_reminder", obj=profile)


def standing_problems(user_ids, today=None):
    """Return why creators among ``user_ids`` may not publish today (may be empty).

    A credential past its end date counts even before the scheduler has
    suspended the creator.
    """
    today = today or timezone.localdate()
    problems = []
    for profile in CreatorProfile.objects.filter(user_id__in=set(user_ids) - {None}):
        if profile.status != CreatorStatus.APPROVED:
            reason = f"，{profile.suspended_reason}" if profile.suspended_reason else ""
            problems.append(
                f"创作者“{profile.real_name}”当前不能发布："
                f"{profile.get_status_display()}{reason}"
            )
        elif profile.credential_valid_until < today:
            problems.append(
                f"创作者“{profile.real_name}”的资质证书已于 "
                f"{profile.credential_valid_until} 到期，当前不能发布"
            )
    return problems


# Renewal ----------------------------------------------------------------------

# Who may file a renewed credential: creators in standing, or suspended ones.
RENEWABLE = (CreatorStatus.APPROVED, CreatorStatus.SUSPENDED)


@transaction.atomic
def request_renewal(profile, valid_from, valid_until, scan):
    """File a renewed credential for a reviewer; return the pending renewal."""
    from .models import CredentialRenewal, RenewalStatus

    if profile.status not in RENEWABLE:
        raise ValueError("只有已通过或已暂停发布的创作者可以更新资质。")
    if profile.renewals.filter(status=RenewalStatus.PENDING).exists():
        raise ValueError("您已有一份资质更新在审核中，请等待审核结果。")
    renewal = CredentialRenewal.objects.create(
        profile=profile,
        credential_valid_from=valid_from,
        credential_valid_until=valid_until,
        credential_scan=save_scan(scan, profile.user_id),
    )
    record(
        "creator.renewal_request",
        actor=profile.user,
        obj=profile,
        data={"renewal": renewal.pk, "valid_until": valid_until.isoformat()},
    )
    logger.info("credential renewal requested profile=%s", profile.pk)
    return renewal


@transaction.atomic
def approve_renewal(renewal, reviewer, reason=""):
    """Take a renewed credential into the profile; reinstate a suspended creator."""
    from .models import RenewalStatus

    profile = renewal.profile
    if renewal.status != RenewalStatus.PENDING:
        raise ValueError("该资质更新已处理。")
    if profile.user_id == reviewer.pk:
        raise ValueError("不能审核自己的资质更新。")
    if renewal.credential_valid_until < timezone.localdate():
        raise ValueError("新的资质证书已过期，不能批准。")

    reinstated = profile.status == CreatorStatus.SUSPENDED
    profile.credential_valid_from = renewal.credential_valid_from
    profile.credential_valid_until = renewal.credential_valid_until
    profile.credential_scan = renewal.credential_scan
    profile.expiry_reminded_at = None
    if reinstated:
        _grant_publishing(profile, reviewer)
    profile.save()
    renewal.status = RenewalStatus.APPROVED
    renewal.record_decision(reviewer, reason)
    renewal.save()

    record(
        "creator.renewal_approve",
        actor=reviewer,
        obj=profile,
        data={"renewal": renewal.pk, "reinstated": reinstated, "reason": reason},
    )
    tell(
        [profile.user],
        "【普法】您的资质更新已通过",
        f"资质有效期已更新至 {profile.credential_valid_until}。"
        + ("发布权限已恢复。" if reinstated else "")
        + reason,
        reverse("moderation:portal"),
    )
    logger.info(
        "credential renewal approved profile=%s reinstated=%s", profile.pk, reinstated
    )
    return renewal


@transaction.atomic
def reject_renewal(renewal, reviewer, reason):
    from .models import RenewalStatus

    if not reason.strip():
        raise ValueError("驳回时必须填写原因。")
    if renewal.status != RenewalStatus.PENDING:
        raise ValueError("该资质更新已处理。")
    renewal.status = RenewalStatus.REJECTED
    renewal.record_decision(reviewer, reason)
    renewal.save()
    profile = renewal.profile
    record(
        "creator.renewal_reject",
        actor=reviewer,
        obj=profile,
        data={"renewal": renewal.pk, "reason": reason},
    )
    tell(
        [profile.user],
        "【普法】您的资质更新未通过",
        f"您提交的资质更新未通过审核。原因：{reason}",
        reverse("moderation:portal"),
    )
    logger.info("credential renewal rejected profile=%s", profile.pk)
    return renewal
