"""WeChat posts: composing them, and learning what became of them.

A channel publisher composes one post from up to eight held deliveries of a
WeChat destination (the first is the headline article); the deliveries are
released to the outbox as one batch whose slot names the post. Whichever of
them a worker claims first sends the whole post (one ``draft/add``, one
``freepublish/submit``); the others wait for the same confirmation.

WeChat confirms asynchronously, by a callback event or by ``freepublish/get``.
Both end in :func:`apply_publish_status`, which is idempotent and tolerates
events out of order: a final state is never replaced by an earlier one, and
"deleted" or "banned" (5, 6) always win, since they only follow a success.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from channels import outbox
from channels.adapters.base import DeliveryResult
from channels.models import Delivery, DeliveryState

from .models import (
    PUBLISH_STATUS,
    PostState,
    WeChatCallbackEvent,
    WeChatPost,
    WeChatPostArticle,
)

logger = logging.getLogger("pufa.wechat")

MAX_ARTICLES = 8
SLOT_PREFIX = "wechat-post-"


# Composing ----------------------------------------------------------------------


def compose_post(destination, deliveries, *, user, scheduled_for=None) -> WeChatPost:
    """Make one post of ``deliveries`` (in order) and release them to the outbox.

    Raise ``ValidationError`` with a message for the publisher when the
    selection cannot be one post.
    """
    from channels.services import schedule_curated

    from .adapter import WeChatAdapter

    deliveries = list(deliveries)
    if not deliveries:
        raise ValidationError("请至少选择一篇稿件。")
    if len(deliveries) > MAX_ARTICLES:
        raise ValidationError(f"一次推送最多 {MAX_ARTICLES} 篇，当前选择了 {len(deliveries)} 篇。")
    if destination.channel != "wechat":
        raise ValidationError("只能为微信公众号编排推送。")
    adapter = WeChatAdapter(destination)
    problems = []
    for delivery in deliveries:
        findings = [f for f in adapter.validate(delivery.item()) if f.severity == "error"]
        problems += [f"“{delivery.item_title}”：{f.message}" for f in findings]
    if problems:
        raise ValidationError(problems)

    with transaction.atomic():
        post = WeChatPost.objects.create(destination=destination, composed_by=user)
        for index, delivery in enumerate(deliveries, start=1):
            WeChatPostArticle.objects.create(
                post=post, index=index, delivery=delivery, title=delivery.item_title[:255]
            )
        schedule_curated(
            destination, deliveries, user=user, scheduled_for=scheduled_for, slot=post.slot
        )
    logger.info(
        "post composed post=%s account=%s articles=%s", post.pk, destination.slug, len(deliveries)
    )
    return post


def post_for(delivery) -> tuple[WeChatPost, WeChatPostArticle]:
    """Return the post and article that carry ``delivery``, making one if none does.

    A delivery that reached the outbox without a composed post (or whose post
    failed before, and which a person retries) is sent as a post of its own.
    """
    article = (
        WeChatPostArticle.objects.filter(delivery=delivery)
        .select_related("post")
        .order_by("-post_id")
        .first()
    )
    retry_alone = article is not None and article.post.state in (
        PostState.FAILED,
        PostState.REJECTED,
    ) and delivery.state == DeliveryState.SENDING
    if article is not None and not retry_alone:
        return article.post, article
    if article is None and delivery.slot and not delivery.slot.startswith(SLOT_PREFIX):
        return _post_of_batch(delivery)
    with transaction.atomic():
        post = WeChatPost.objects.create(destination=delivery.destination)
        article = WeChatPostArticle.objects.create(
            post=post, index=1, delivery=delivery, title=delivery.item_title[:255]
        )
    return post, article


def _post_of_batch(delivery):
    """Make the post of a batch scheduled on the channel desk (eight a post)."""
    batch = list(
        Delivery.objects.filter(destination=delivery.destination, slot=delivery.slot)
        .exclude(state=DeliveryState.CANCELLED)
        .order_by("position", "id")
    )
    place = next(n for n, row in enumerate(batch) if row.pk == delivery.pk)
    chunk = place // MAX_ARTICLES
    members = batch[chunk * MAX_ARTICLES : (chunk + 1) * MAX_ARTICLES]
    key = f"{delivery.slot}#{chunk}"[:96]
    try:
        with transaction.atomic():
            post = WeChatPost.objects.create(destination=delivery.destination, batch=key)
            for index, row in enumerate(members, start=1):
                WeChatPostArticle.objects.create(
                    post=post, index=index, delivery=row, title=row.item_title[:255]
                )
    except IntegrityError:
        # Another worker made the post of this batch first.
        post = WeChatPost.objects.get(destination=delivery.destination, batch=key)
    return post, post.articles.get(delivery=delivery)


def claim_post(post, delivery) -> WeChatPost | None:
    """Let ``delivery``'s worker run the post's remote steps, or return None.

    A claim holds while the claiming delivery is still ``sending`` under the
    same outbox lease, so a dead worker's claim ends when the outbox reaps it.
    """
    with transaction.atomic():
        post = WeChatPost.objects.select_for_update().get(pk=post.pk)
        mine = (post.claim_delivery_id, post.claim_owner) == (delivery.pk, delivery.lease_owner)
        if post.claim_delivery_id and not mine:
            holder_alive = Delivery.objects.filter(
                pk=post.claim_delivery_id,
                state=DeliveryState.SENDING,
                lease_owner=post.claim_owner,
            ).exists()
            if holder_alive and post.claim_owner:
                return None
        post.claim_delivery_id, post.claim_owner = delivery.pk, delivery.lease_owner
        post.save(update_fields=["claim_delivery_id", "claim_owner"])
    return post


def release_post(post) -> None:
    WeChatPost.objects.filter(pk=post.pk).update(claim_delivery_id=None, claim_owner="")


# Outcomes ---------------------------------------------------------------------------


def receipt_for(post, article) -> dict:
    receipt = {
        "channel": "wechat",
        "account": post.destination.slug,
        "post": post.pk,
        "index": article.index,
    }
    for name in ("draft_media_id", "publish_id", "article_id"):
        if getattr(post, name):
            receipt[name] = getattr(post, name)
    if article.article_url:
        receipt["article_url"] = article.article_url
    return receipt


def result_for(post, article) -> DeliveryResult | None:
    """Return what the post's state means for one article's delivery."""
    receipt = receipt_for(post, article)
    if post.state == PostState.DELIVERED:
        if article.deleted:
            return DeliveryResult("revoked", receipt, "该文章已从公众号删除。")
        return DeliveryResult("delivered", receipt, f"微信已发布：{article.article_url}")
    if post.state == PostState.REJECTED:
        return DeliveryResult("rejected", receipt, post.reason)
    if post.state == PostState.FAILED:
        return DeliveryResult("failed", receipt, post.reason)
    if post.state == PostState.REVOKED:
        return DeliveryResult("revoked", receipt, post.reason)
    return None


def apply_publish_status(post, status, *, article_id="", items=(), fail_idx=(), source=""):
    """Record a publish job's status for ``post`` and its deliveries.

    ``items`` are ``(idx, article_url)`` pairs. Safe to call again with the
    same or an older status.
    """
    status = int(status)
    with transaction.atomic():
        post = WeChatPost.objects.select_for_update().get(pk=post.pk)
        changed = _apply(post, status, article_id, items, fail_idx)
    if changed:
        logger.info(
            "post status post=%s publish_id=%s status=%s state=%s source=%s",
            post.pk, post.publish_id, status, post.state, source,
        )
    sync_deliveries(post)
    return post


def _apply(post, status, article_id, items, fail_idx):
    if status == 1:
        return False
    if article_id and not post.article_id:
        post.article_id = article_id
        for idx, url in items:
            WeChatPostArticle.objects.filter(post=post, index=int(idx)).update(article_url=url)
    if status == 0 and post.state in (PostState.DELIVERED, PostState.REVOKED):
        post.save(update_fields=["article_id"])
        return False
    if status in (2, 3, 4) and post.is_final:
        return False
    if status in (5, 6) and post.state == PostState.REVOKED:
        return False
    now = timezone.now()
    post.publish_status = status
    post.finished_at = post.finished_at or now
    if status == 0:
        post.state = PostState.DELIVERED
        post.reason = ""
    elif status in (2, 3, 4):
        post.state = PostState.REJECTED
        failed = "、".join(f"第 {idx} 篇" for idx in fail_idx) or "全部文章"
        post.reason = f"微信发布失败（{PUBLISH_STATUS[status]}，{failed}）。"
    elif status in (5, 6):
        post.state = PostState.REVOKED
        post.reason = f"微信端已撤下：{PUBLISH_STATUS[status]}。"
    else:
        return False
    post.save()
    return True


def sync_deliveries(post, *, exclude=None) -> None:
    """Move the post's deliveries to what the post's state says."""
    post.refresh_from_db()
    for article in post.articles.select_related("delivery__destination"):
        delivery = article.delivery
        if delivery is None or delivery.pk == getattr(exclude, "pk", None):
            continue
        result = result_for(post, article)
        if result is None:
            continue
        if result.state == "revoked" and delivery.state == DeliveryState.DELIVERED:
            outbox.mark_revoked_by_channel(delivery, result.message)
        elif delivery.state in (
            DeliveryState.AWAITING_CONFIRMATION,
            DeliveryState.UNCERTAIN,
            # A sibling still in its worker's hands: the confirmation wins,
            # and that worker's own "awaiting" finds its lease gone.
            DeliveryState.SENDING,
        ):
            outbox.record_result(delivery, result)


def handle_event(destination, info: dict, event: str) -> bool:
    """Handle one publish-job event; return False for a repeat already handled."""
    publish_id = str(info.get("publish_id") or "")
    status = int(info.get("publish_status"))
    post = WeChatPost.objects.filter(destination=destination, publish_id=publish_id).first()
    if post is None:
        # Not ours, or it came before the submit's answer was recorded:
        # polling finds the outcome either way.
        logger.info("callback for unknown publish_id=%s account=%s", publish_id, destination.slug)
        return True
    try:
        with transaction.atomic():
            WeChatCallbackEvent.objects.create(
                destination=destination,
                publish_id=publish_id,
                publish_status=status,
                event=event,
            )
    except IntegrityError:
        # The same event again (WeChat retries, or both event names arrive).
        WeChatCallbackEvent.objects.filter(
            destination=destination, publish_id=publish_id, publish_status=status
        ).update(repeats=F("repeats") + 1)
        logger.info("callback repeated publish_id=%s status=%s", publish_id, status)
        return False
    apply_publish_status(
        post,
        status,
        article_id=info.get("article_id", ""),
        items=info.get("items", ()),
        fail_idx=info.get("fail_idx", ()),
        source="callback",
    )
    return True
