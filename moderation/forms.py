"""Forms of the creator portal and the moderation admin."""

import csv
import io

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import CreatorType, CredentialType, TermAction, TermCategory

SCAN_EXTENSIONS = {"pdf", "jpg", "jpeg", "png"}
SCAN_MAX_BYTES = 10 * 1024 * 1024


def _clean_scan(scan):
    extension = scan.name.rsplit(".", 1)[-1].lower() if "." in scan.name else ""
    if extension not in SCAN_EXTENSIONS:
        raise ValidationError("证书扫描件只支持 PDF、JPG、PNG 格式。")
    if scan.size > SCAN_MAX_BYTES:
        raise ValidationError("证书扫描件不能超过 10 MB。")
    head = scan.read(8)
    scan.seek(0)
    signatures = (b"%PDF", b"\xff\xd8\xff", b"\x89PNG")
    if not head.startswith(signatures):
        raise ValidationError("文件内容与格式不符，请上传真实的扫描件。")
    return scan


def _check_validity(form, data, expired_message):
    start, until = (
        data.get("credential_valid_from"),
        data.get("credential_valid_until"),
    )
    if start and until and until <= start:
        form.add_error("credential_valid_until", "有效期至必须晚于有效期起。")
    if until and until < timezone.localdate():
        form.add_error("credential_valid_until", expired_message)


class ApplyForm(forms.Form):
    username = forms.RegexField(
        label="登录名",
        regex=r"^[A-Za-z0-9_.-]{3,30}$",
        error_messages={"invalid": "登录名须为 3–30 位字母、数字或 _ . -"},
    )
    email = forms.EmailField(label="电子邮箱", help_text="用于验证账号和接收审核通知。")
    password = forms.CharField(label="密码", widget=forms.PasswordInput)
    password_again = forms.CharField(label="再次输入密码", widget=forms.PasswordInput)
    real_name = forms.CharField(
        label="真实姓名 / 单位全称", max_length=64, help_text="将用于实名核验。"
    )
    creator_type = forms.ChoiceField(label="创作者类型", choices=CreatorType.choices)
    id_number = forms.CharField(
        label="身份证号 / 统一社会信用代码",
        max_length=18,
        min_length=15,
        help_text="加密保存，仅用于实名核验。",
    )
    credential_type = forms.ChoiceField(
        label="资质类型", choices=CredentialType.choices
    )
    credential_number = forms.CharField(label="资质证书编号", max_length=64)
    credential_issuer = forms.CharField(label="发证机关", max_length=128)
    credential_valid_from = forms.DateField(
        label="有效期起", widget=forms.DateInput(attrs={"type": "date"})
    )
    credential_valid_until = forms.DateField(
        label="有效期至", widget=forms.DateInput(attrs={"type": "date"})
    )
    credential_scan = forms.FileField(
        label="证书扫描件", help_text="PDF、JPG 或 PNG，不超过 10 MB。"
    )
    domain_label = forms.CharField(
        label="擅长领域",
        max_length=32,
        help_text="例如：婚姻家庭、劳动争议、未成年人保护",
    )
    agree = forms.BooleanField(label="我确认以上信息真实有效，并同意平台审核规则。")

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError("该登录名已被使用。")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError("该邮箱已注册。")
        return email

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip().upper()
        if not value.isalnum():
            raise ValidationError("证件号码只能包含数字和字母。")
        return value

    def clean_credential_scan(self):
        return _clean_scan(self.cleaned_data["credential_scan"])

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "两次输入的密码不一致。")
        elif data.get("password"):
            try:
                validate_password(data["password"])
            except ValidationError as error:
                self.add_error("password", error)
        _check_validity(self, data, "资质证书已过期，请更新后再申请。")
        return data


class RenewalForm(forms.Form):
    credential_valid_from = forms.DateField(
        label="新有效期起", widget=forms.DateInput(attrs={"type": "date"})
    )
    credential_valid_until = forms.DateField(
        label="新有效期至", widget=forms.DateInput(attrs={"type": "date"})
    )
    credential_scan = forms.FileField(
        label="新证书扫描件", help_text="PDF、JPG 或 PNG，不超过 10 MB。"
    )

    def clean_credential_scan(self):
        return _clean_scan(self.cleaned_data["credential_scan"])

    def clean(self):
        data = super().clean()
        _check_validity(self, data, "新的资质证书已过期，请上传有效的证书。")
        return data


class RenewalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "批准"), ("reject", "驳回")], widget=forms.RadioSelect
    )
    reason = forms.CharField(label="审核意见", widget=forms.Textarea, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", "驳回时必须填写原因。")
        return data


class DecisionForm(RenewalDecisionForm):
    names_checked = forms.BooleanField(label="已人工核实名称", required=False)


class ReviewActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "退回修改")])
    comment = forms.CharField(label="审核意见", widget=forms.Textarea, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not data.get("comment", "").strip():
            self.add_error("comment", "退回时必须填写原因，作者将在创作者中心看到。")
        return data


class RetractionForm(forms.Form):
    reason = forms.CharField(
        label="撤稿原因",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "请填写撤稿原因。"},
    )


class RetractionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准撤稿"), ("reject", "驳回")])
    note = forms.CharField(label="处理意见", widget=forms.Textarea, required=False)


class TermImportForm(forms.Form):
    category = forms.ModelChoiceField(
        label="已有类别", queryset=TermCategory.objects.all(), required=False
    )
    new_category = forms.CharField(label="或新建类别", max_length=64, required=False)
    action = forms.ChoiceField(
        label="新类别的处置方式", choices=TermAction.choices, required=False
    )
    file = forms.FileField(
        label="CSV 文件",
        help_text="UTF-8 编码，每行一个词（第一列）；空行和以 # 开头的行忽略。",
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError("文件不能超过 5 MB。")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(
                "文件不是 UTF-8 编码，请另存为 UTF-8 后重试。"
            ) from error
        terms, problems = [], []
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not row or not row[0].strip() or row[0].strip().startswith("#"):
                continue
            term = row[0].strip()
            if len(term) > 64:
                problems.append(f"第 {number} 行超过 64 字")
                continue
            terms.append(term)
        if problems:
            raise ValidationError("；".join(problems[:10]))
        if not terms:
            raise ValidationError("文件中没有词语。")
        return terms

    def clean(self):
        data = super().clean()
        if not data.get("category") and not data.get("new_category", "").strip():
            self.add_error("category", "请选择已有类别或填写新类别名称。")
        if data.get("new_category") and not data.get("action"):
            self.add_error("action", "请选择新类别的处置方式。")
        return data
