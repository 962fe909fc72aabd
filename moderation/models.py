"""Moderation state: creators, term lists, review tasks, signatures, audit log.

The review workflow (三审三校) is made of Wagtail tasks: an automated check
followed by three ordered human steps (初审, 复审, 终审). The rules that make it
more than a group approval live in :class:`ReviewTask`: the author never
approves, one person approves at most one step of the same revision, and every
approval leaves a :class:`ReviewSignature`.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from wagtail.models import AbstractGroupApprovalTask, Task, TaskState

from cms.encryption import EncryptedTextField, mask

# Creators -------------------------------------------------------------------


class CreatorType(models.TextChoices):
    INDIVIDUAL = "individual", "个人（法律专业人士）"
    INSTITUTION = "institution", "机构"
    GOVERNMENT = "government", "政府单位"


class CredentialType(models.TextChoices):
    LAWYER = "lawyer", "律师执业证"
    NOTARY = "notary", "公证员执业证"
    LEGAL_SERVICE = "legal_service", "基层法律服务工作者执业证"
    JUDICIAL_EXAM = "judicial_exam", "法律职业资格证书"
    ORG_LICENSE = "org_license", "机构执业许可证/登记证书"
    GOV_MANDATE = "gov_mandate", "单位法人证书/机关证明"


class CreatorStatus(models.TextChoices):
    UNVERIFIED = "unverified", "待验证邮箱"
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"
    SUSPENDED = "suspended", "已暂停发布"


class ReviewerDecision(models.Model):
    """Who decided on an application or a renewal, when, and why."""

    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="审核人",
    )
    decision_reason = models.TextField("审核意见", blank=True)

    class Meta:
        abstract = True

    def record_decision(self, reviewer, reason) -> None:
        """Note the decision on the instance; the caller saves it."""
        self.decided_at = timezone.now()
        self.decided_by = reviewer
        self.decision_reason = reason


class CreatorProfile(ReviewerDecision):
    """A creator's application and, once approved, their standing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="creator_profile",
        verbose_name="账号",
    )
    real_name = models.CharField("真实姓名/单位名称", max_length=64)
    creator_type = models.CharField(
        "创作者类型", max_length=16, choices=CreatorType.choices
    )
    # Encrypted at rest; reviewers see only a masked form.
    id_number = EncryptedTextField("身份证号/统一社会信用代码", blank=True)
    credential_type = models.CharField(
        "资质类型", max_length=24, choices=CredentialType.choices
    )
    credential_number = EncryptedTextField("资质证书编号")
    credential_issuer = models.CharField("发证机关", max_length=128)
    credential_valid_from = models.DateField("有效期起")
    credential_valid_until = models.DateField("有效期至")
    credential_scan = models.CharField(
        "证书扫描件", max_length=255, blank=True, help_text="私有存储中的文件名"
    )
    domain_label = models.CharField("擅长领域", max_length=32)

    status = models.CharField(
        "状态",
        max_length=16,
        choices=CreatorStatus.choices,
        default=CreatorStatus.UNVERIFIED,
        db_index=True,
    )
    manual_review_reasons = models.JSONField("需人工核实的原因", default=list)
    applied_at = models.DateTimeField("申请时间", auto_now_add=True)
    email_verified_at = models.DateTimeField("邮箱验证时间", null=True, blank=True)
    suspended_reason = models.CharField("暂停原因", max_length=255, blank=True)
    expiry_reminded_at = models.DateTimeField("到期提醒时间", null=True, blank=True)

    collection = models.ForeignKey(
        "wagtailcore.Collection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="素材库",
    )
    column = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="创作者专栏",
    )
    space_group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="专属权限组",
    )

    class Meta:
        verbose_name = "自媒体创作者"
        verbose_name_plural = "自媒体创作者"
        ordering = ["-applied_at"]

    def __str__(self):
        return self.real_name

    @property
    def needs_manual_review(self):
        return bool(self.manual_review_reasons)

    @property
    def credential_name(self):
        """Return the credential's display name: type and issuer, never the number."""
        return f"{self.get_credential_type_display()}（{self.credential_issuer}）"

    @property
    def masked_credential_number(self):
        return mask(self.credential_number)

    @property
    def masked_id_number(self):
        return mask(self.id_number)

    @property
    def can_publish(self):
        return self.status == CreatorStatus.APPROVED


class RenewalStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


class CredentialRenewal(ReviewerDecision):
    """A creator's renewed credential, waiting for a reviewer or decided."""

    profile = models.ForeignKey(
        CreatorProfile,
        on_delete=models.CASCADE,
        related_name="renewals",
        verbose_name="创作者",
    )
    credential_valid_from = models.DateField("新有效期起")
    credential_valid_until = models.DateField("新有效期至")
    credential_scan = models.CharField(
        "新证书扫描件", max_length=255, help_text="私有存储中的文件名"
    )
    status = models.CharField(
        "状态",
        max_length=16,
        choices=RenewalStatus.choices,
        default=RenewalStatus.PENDING,
        db_index=True,
    )
    requested_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "资质更新"
        verbose_name_plural = "资质更新"
        ordering = ["-requested_at", "-pk"]


# Term lists -----------------------------------------------------------------


class TermAction(models.TextChoices):
    BLOCK = "block", "拦截（退回）"
    REVIEW = "review", "提示人工审核"
    MASK = "mask", "签发时以＊遮蔽"


class TermCategory(models.Model):
    name = models.CharField("类别", max_length=64, unique=True)
    action = models.CharField(
        "处置方式", max_length=8, choices=TermAction.choices, default=TermAction.REVIEW
    )
    description = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "敏感词类别"
        verbose_name_plural = "敏感词类别"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}（{self.get_action_display()}）"


class Term(models.Model):
    category = models.ForeignKey(
        TermCategory,
        on_delete=models.CASCADE,
        related_name="terms",
        verbose_name="类别",
    )
    text = models.CharField("词语", max_length=64)
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "敏感词"
        verbose_name_plural = "敏感词"
        ordering = ["category", "text"]
        constraints = [
            models.UniqueConstraint(fields=["category", "text"], name="unique_term")
        ]

    def __str__(self):
        return self.text


class AllowedPhrase(models.Model):
    """A legal phrase never flagged, even when it contains a listed term."""

    text = models.CharField("白名单短语", max_length=128, unique=True)
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "白名单短语"
        verbose_name_plural = "白名单短语"
        ordering = ["text"]

    def __str__(self):
        return self.text


# Review workflow --------------------------------------------------------------


class ReviewStep(models.TextChoices):
    FIRST = "first", "初审（法律准确性）"
    SECOND = "second", "复审（编辑加工）"
    FINAL = "final", "终审（签发）"


class AutomatedCheckTask(Task):
    """Step 0: terms, links and channel limits; finishes on its own."""

    class Meta:
        verbose_name = "自动检查"
        verbose_name_plural = "自动检查"

    def start(self, workflow_state, user=None):
        from .checks import run_automated_check

        task_state = super().start(workflow_state, user=user)
        report = run_automated_check(task_state)
        if report.passed:
            task_state.approve(user=None, update=False, comment=report.summary())
        else:
            task_state.reject(user=None, update=False, comment=report.summary())
        return task_state

    def get_actions(self, obj, user):
        return []

    def locked_for_user(self, obj, user):
        return False

    @classmethod
    def get_description(cls):
        return "检查敏感词、外部链接和各渠道字段限制，不通过则列出全部问题退回作者。"


class RejectForm(forms.Form):
    comment = forms.CharField(label="退回原因", widget=forms.Textarea, required=True)


class ReviewTask(AbstractGroupApprovalTask):
    """One ordered human review step approved by a member of its group."""

    step = models.CharField(
        "审核环节", max_length=8, choices=ReviewStep.choices, default=ReviewStep.FIRST
    )

    admin_form_fields = AbstractGroupApprovalTask.admin_form_fields + ["step"]

    class Meta:
        verbose_name = "审核环节"
        verbose_name_plural = "审核环节"

    def start(self, workflow_state, user=None):
        # Wagtail resumes a rejected workflow at the step that rejected it; an
        # edited revision must pass every earlier step again, in order.
        first_due = workflow_state.get_next_task()
        if first_due is not None and first_due.pk != self.pk:
            return first_due.specific.start(workflow_state, user=user)
        task_state = super().start(workflow_state, user=user)
        from .notify import notify_reviewers

        notify_reviewers(task_state)
        return task_state

    # Who may act ---------------------------------------------------------

    def _current_task_state(self, obj):
        state = obj.current_workflow_task_state
        if state is None or state.task_id != self.pk:
            return None
        return state

    def refusal_reason(self, task_state, user):
        """Return why ``user`` may not act on ``task_state``, or "" if they may."""
        if not user.is_active or not user.is_authenticated:
            return "账号不可用。"
        if not (user.is_superuser or self._user_in_groups(user)):
            return "只有本环节审核组的成员可以审核。"
        if user.pk in authors_of(task_state):
            return "作者不能审核自己的稿件。"
        already = TaskState.objects.filter(
            workflow_state_id=task_state.workflow_state_id,
            revision_id=task_state.revision_id,
            status=TaskState.STATUS_APPROVED,
            finished_by=user,
        ).exclude(pk=task_state.pk)
        if already.exists():
            return "同一版本的不同审核环节必须由不同的人审核。"
        return ""

    def user_can_act(self, obj, user):
        state = self._current_task_state(obj)
        return state is not None and not self.refusal_reason(state, user)

    def get_actions(self, obj, user):
        if not self.user_can_act(obj, user):
            return []
        approve_label = "签发" if self.step == ReviewStep.FINAL else "通过"
        return [
            ("reject", "退回修改", True),
            ("approve", approve_label, False),
            ("approve", f"{approve_label}并附意见", True),
        ]

    def get_form_for_action(self, action):
        if action == "reject":
            return RejectForm
        return super().get_form_for_action(action)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        if not (user.is_superuser or self._user_in_groups(user)):
            return TaskState.objects.none()
        approved_same_revision = TaskState.objects.filter(
            workflow_state_id=OuterRef("workflow_state_id"),
            revision_id=OuterRef("revision_id"),
            status=TaskState.STATUS_APPROVED,
            finished_by=user,
        )
        return (
            self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
            .exclude(revision__user=user)
            .exclude(workflow_state__requested_by=user)
            .exclude(Exists(approved_same_revision))
        )

    def locked_for_user(self, obj, user):
        return not (user.is_superuser or self._user_in_groups(user))

    # Acting --------------------------------------------------------------

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        from .workflow import record_signature

        task_state = TaskState.objects.select_for_update().get(pk=task_state.pk)
        if task_state.status != TaskState.STATUS_IN_PROGRESS:
            raise PermissionDenied("该审核环节已结束。")
        reason = self.refusal_reason(task_state, user)
        if reason:
            raise PermissionDenied(reason)
        comment = (kwargs.get("comment") or "").strip()
        if action_name == "approve":
            refuse_if_creator_cannot_publish(task_state)
            record_signature(task_state.specific, user)
            task_state.specific.approve(user=user, comment=comment)
        elif action_name == "reject":
            if not comment:
                raise PermissionDenied("退回时必须填写原因。")
            task_state.specific.reject(user=user, comment=comment)

    @classmethod
    def get_description(cls):
        return "本组成员审核；作者不能审核，同一版本的各环节须由不同的人审核。"


def refuse_if_creator_cannot_publish(task_state):
    """Raise PermissionDenied if an author of ``task_state`` may not publish now.

    Standing is checked at every approval, not only in step 0: a creator may be
    suspended, or their credential run out, while an item is in review.
    """
    from .creators import standing_problems

    problems = standing_problems(authors_of(task_state))
    if problems:
        message = "；".join(problems)
        raise PermissionDenied(
            f"不能通过：{message}。稿件不会发布，资质更新通过后可继续审核。"
        )


def authors_of(task_state):
    """Return the ids of the people who count as authors of a task state's revision."""
    ids = {task_state.revision.user_id, task_state.workflow_state.requested_by_id}
    obj = task_state.workflow_state.content_object
    ids.add(getattr(obj, "owner_id", None))
    ids.discard(None)
    return ids


class CheckReport(models.Model):
    """What the automated check found on one revision."""

    task_state = models.OneToOneField(
        "wagtailcore.TaskState", on_delete=models.CASCADE, related_name="check_report"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.CASCADE, related_name="+"
    )
    passed = models.BooleanField("通过")
    findings = models.JSONField("问题", default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "自动检查报告"
        verbose_name_plural = "自动检查报告"

    def summary(self):
        if not self.findings:
            return "自动检查通过，未发现问题。"
        head = "自动检查通过，请审核人留意：" if self.passed else "自动检查未通过："
        return head + "；".join(f["message"] for f in self.findings)


class ReviewSignature(models.Model):
    """Who approved which revision at which step, and a hash of what they saw."""

    task_state = models.OneToOneField(
        "wagtailcore.TaskState", on_delete=models.CASCADE, related_name="signature"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    step = models.CharField("审核环节", max_length=8, choices=ReviewStep.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revision_id_signed = models.BigIntegerField("版本号")
    content_hash = models.CharField("内容哈希", max_length=64)
    signed_at = models.DateTimeField("签名时间", auto_now_add=True)
    compliance_number = models.CharField("签发编号", max_length=20, blank=True)

    class Meta:
        verbose_name = "审核签名"
        verbose_name_plural = "审核签名"
        ordering = ["signed_at", "pk"]


class ComplianceCounter(models.Model):
    """The last compliance number handed out in a year; locked while counting."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "签发编号计数器"


# Retraction -------------------------------------------------------------------


class RetractionStatus(models.TextChoices):
    PENDING = "pending", "待终审批准"
    APPROVED = "approved", "已批准并撤稿"
    REJECTED = "rejected", "已驳回"
    FAILED = "failed", "执行失败"


class RetractionRequest(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField("稿件", max_length=255)
    reason = models.TextField("撤稿原因")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="申请人",
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=RetractionStatus.choices,
        default=RetractionStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="批准人",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.TextField("处理意见", blank=True)

    class Meta:
        verbose_name = "撤稿申请"
        verbose_name_plural = "撤稿申请"
        ordering = ["-requested_at"]

    def __str__(self):
        return f"撤稿：{self.object_label}"

    def get_item(self):
        model = self.content_type.model_class()
        return model.objects.filter(pk=self.object_id).first()


# Inbox ------------------------------------------------------------------------


class InboxMessage(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pufa_inbox"
    )
    subject = models.CharField("主题", max_length=255)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=255, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-pk"]


# Audit log --------------------------------------------------------------------


class AuditEntry(models.Model):
    """One decision, chained to the one before by ``prev_hash``.

    Actor and object are stored as plain values, not foreign keys, so that
    deleting a user or an item never rewrites a row of the chain.
    """

    seq = models.BigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    action = models.CharField("操作", max_length=64, db_index=True)
    actor_id = models.BigIntegerField("操作人 ID", null=True, blank=True)
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象 ID", max_length=64, blank=True)
    object_label = models.CharField("对象", max_length=255, blank=True)
    data = models.JSONField("数据", default=dict)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    entry_hash = models.CharField("本条哈希", max_length=64)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["seq"]


class AuditChainHead(models.Model):
    """The chain's last sequence number and hash; locked to append in order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)
