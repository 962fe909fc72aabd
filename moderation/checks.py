"""The automated check (step 0): terms, links, channel limits, corrections.

It reads the revision under review, never the live object, and writes one
:class:`CheckReport`. Findings of severity ``error`` reject the submission
with every finding listed; the others are shown to the reviewers.
"""

import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.html import strip_tags

from .models import CheckReport, TermAction
from .terms import current_matcher

logger = logging.getLogger("pufa.moderation")

# Fields whose text readers see, and what reviewers call them.
TEXT_FIELDS = {
    "title": "标题",
    "subtitle": "副标题",
    "summary": "摘要",
    "slogan": "广告语",
    "issuing_unit": "发布单位",
    "byline": "作者",
    "source": "来源",
    "wechat_title": "微信标题",
    "wechat_digest": "微信摘要",
    "newspaper_headline": "见报标题",
    "newspaper_deck": "见报副题",
    "screen_caption": "屏幕字幕条",
    "correction_note": "更正说明",
    "transcript": "文字稿",
}
RICH_FIELDS = {"body": "正文", "description": "视频说明", "editor_note": "编者按"}

_URL = re.compile(r"""(?:https?:)?//[^\s"'<>()，。]+""", re.IGNORECASE)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)

SEVERITY_FOR_ACTION = {
    TermAction.BLOCK: "error",
    TermAction.REVIEW: "warning",
    TermAction.MASK: "info",
}


def _strings(value):
    """Yield every string inside a StreamField's JSON (or a plain string)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key not in {"id", "type"}:
                yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def item_texts(content):
    """Yield (field, label, raw text) for every reader-facing text of a revision."""
    for field, label in TEXT_FIELDS.items():
        value = content.get(field)
        if isinstance(value, str) and value:
            yield field, label, value
    for field, label in RICH_FIELDS.items():
        value = content.get(field)
        if isinstance(value, str) and value.startswith("["):
            import json

            try:
                value = json.loads(value)
            except ValueError:
                pass
        for text in _strings(value):
            if text:
                yield field, label, text


def _host_allowed(host, allowed):
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in allowed)


def allowed_domains():
    from wagtail.models import Site

    domains = {d.lower() for d in settings.PUFA_LINK_ALLOWLIST}
    domains.update(Site.objects.values_list("hostname", flat=True))
    return domains


def link_findings(texts):
    allowed = allowed_domains()
    findings, seen = [], set()
    for field, label, text in texts:
        urls = set(_HREF.findall(text)) | set(_URL.findall(strip_tags(text)))
        for url in urls:
            if url.startswith(("/", "#", "mailto:", "tel:")) and not url.startswith(
                "//"
            ):
                continue
            host = urlsplit(url if "//" in url else "//" + url).hostname or ""
            if not host or _host_allowed(host, allowed) or (field, host) in seen:
                continue
            seen.add((field, host))
            findings.append(
                {
                    "kind": "link",
                    "severity": "error",
                    "field": field,
                    "message": f"{label}中的链接指向白名单以外的域名：{host}",
                }
            )
    return findings


def term_findings(texts):
    matcher = current_matcher()
    findings = []
    for field, label, text in texts:
        plain = strip_tags(text)
        for hit in matcher.find(plain):
            action = TermAction(hit.action)
            findings.append(
                {
                    "kind": "term",
                    "severity": SEVERITY_FOR_ACTION[action],
                    "field": field,
                    "category": hit.category,
                    "term": hit.term,
                    "message": (
                        f"{label}含有“{hit.category}”类词语“{hit.matched}”"
                        f"（{action.label}）"
                    ),
                }
            )
    return findings


def channel_findings(item):
    try:
        from channels.validation import validate_item
    except ImportError:
        validate_item = None
    if validate_item is not None:
        return [
            {
                "kind": "channel",
                "severity": "error" if finding.severity == "error" else "warning",
                "channel": finding.channel,
                "field": finding.field,
                "message": finding.message,
            }
            for finding in validate_item(item)
        ]
    # Limitation: until channels.validation exists only the limits the
    # editorial model knows are checked.
    return [
        {"kind": "channel", "severity": "error", "field": field, "message": message}
        for field, message in item.channel_field_errors().items()
    ]


def correction_findings(item):
    live_revision = getattr(item, "live_revision", None)
    if not getattr(item, "live", False) or live_revision is None:
        return []
    live_note = getattr(live_revision.as_object(), "correction_note", "")
    note = (item.correction_note or "").strip()
    if not note or note == (live_note or "").strip():
        return [
            {
                "kind": "correction",
                "severity": "error",
                "field": "correction_note",
                "message": "修改已发布的稿件须填写新的更正说明，各渠道将一并展示。",
            }
        ]
    return []


def schedule_findings(item):
    if getattr(item, "expire_at", None):
        return [
            {
                "kind": "schedule",
                "severity": "error",
                "field": "expire_at",
                "message": "稿件不能预设下线时间；下线请提交撤稿申请。",
            }
        ]
    return []


def creator_findings(task_state, item):
    from .creators import standing_problems

    people = {
        task_state.workflow_state.requested_by_id,
        getattr(item, "owner_id", None),
    }
    return [
        {"kind": "creator", "severity": "error", "field": "", "message": message}
        for message in standing_problems(people)
    ]


def findings_for(task_state):
    revision = task_state.revision
    item = revision.as_object()
    item = getattr(item, "specific", item)
    texts = list(item_texts(revision.content))
    findings = []
    findings += creator_findings(task_state, item)
    findings += term_findings(texts)
    findings += link_findings(texts)
    if hasattr(item, "channel_field_errors"):
        findings += channel_findings(item)
        findings += correction_findings(item)
        findings += schedule_findings(item)
    return findings


def run_automated_check(task_state):
    """Check the revision of ``task_state`` and return its saved report."""
    try:
        findings = findings_for(task_state)
    except Exception:
        # A check that cannot run must not let the item through unread.
        logger.exception("automated check failed task_state=%s", task_state.pk)
        findings = [
            {
                "kind": "internal",
                "severity": "error",
                "field": "",
                "message": "自动检查无法完成，请稍后重新提交或联系管理员。",
            }
        ]
    passed = not any(f["severity"] == "error" for f in findings)
    report = CheckReport.objects.create(
        task_state=task_state,
        revision=task_state.revision,
        passed=passed,
        findings=findings,
    )
    logger.info(
        "automated check done task_state=%s passed=%s findings=%s",
        task_state.pk,
        passed,
        len(findings),
    )
    return report
