"""The WeChat Official Account adapter: two-phase delivery of posts.

``publish`` sends the post that carries a delivery: body images and the cover
are uploaded (once per account: :class:`~.models.WeChatAsset` remembers
them), the articles become one draft, and the draft is submitted. Each remote
step is recorded on the :class:`~.models.WeChatPost` row before the next one
starts, so a retry after a crash reuses the draft instead of making another
article. ``freepublish/submit`` only says "accepted": the delivery waits in
``awaiting_confirmation`` until the callback (or ``check_confirmation``,
polling ``freepublish/get`` within the day's quota) says delivered, rejected
or revoked.

WeChat cannot edit a published article. A correction either deletes the old
article and publishes the new revision, or keeps it and publishes a
correction notice; the destination's ``config["correction_mode"]``
(``republish``, the default, or ``notice``) chooses.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from channels.adapters import register
from channels.adapters.base import (
    Adapter,
    Capabilities,
    DeliveryResult,
    Finding,
    PermanentError,
    TransientError,
    UncertainError,
)
from channels.models import DeliveryState

from . import posts
from .client import DAILY_QUOTAS, WeChatClient, account_for
from .formatter import (
    ImageHost,
    PlaceholderImageHost,
    RenditionImageHost,
    body_image_bytes,
    cover_bytes,
    cover_image_of,
    format_item,
)
from .models import PostState, WeChatAsset, WeChatPost, WeChatPostArticle

logger = logging.getLogger("pufa.wechat")

CORRECTION_MODES = {"republish": "删除原文后重新发布", "notice": "保留原文，另发更正说明"}


class UploadingImageHost(ImageHost):
    """Uploads each body image once per account through ``media/uploadimg``."""

    def __init__(self, client, destination):
        self.client = client
        self.destination = destination

    def body_image_url(self, image) -> str:
        data, filename = body_image_bytes(image)
        asset = _asset(self.destination, data, "body")
        if asset and asset.url:
            return asset.url
        url = self.client.upload_body_image(data, filename)
        _remember(self.destination, data, "body", url=url)
        return url

    def thumb_media_id(self, image) -> str:
        data = cover_bytes(image)
        asset = _asset(self.destination, data, "thumb")
        if asset and asset.media_id:
            return asset.media_id
        answer = self.client.add_material(data, "cover.jpg", kind="thumb")
        _remember(self.destination, data, "thumb", media_id=answer["media_id"], url=answer["url"])
        return answer["media_id"]


def _asset(destination, data, kind):
    digest = hashlib.sha256(data).hexdigest()
    return WeChatAsset.objects.filter(destination=destination, sha256=digest, kind=kind).first()


def _remember(destination, data, kind, *, url="", media_id=""):
    WeChatAsset.objects.update_or_create(
        destination=destination,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        defaults={"url": url, "media_id": media_id},
    )


class WeChatAdapter(Adapter):
    channel = "wechat"
    label = "微信公众号"
    capabilities = Capabilities(
        update_in_place=False, delete=True, async_confirmation=True, needs_rereview=True
    )

    # Settings of the destination --------------------------------------------

    @property
    def config(self) -> dict:
        return self.destination.config or {}

    @property
    def correction_mode(self) -> str:
        mode = self.config.get("correction_mode", "republish")
        return mode if mode in CORRECTION_MODES else "republish"

    def client(self) -> WeChatClient:
        return WeChatClient(account_for(self.destination))

    def _format(self, item, host, *, notice_for=None):
        article = format_item(
            item,
            host=host,
            author=self.config.get("author", ""),
            site_name=settings.WAGTAIL_SITE_NAME,
        )
        if notice_for is not None:
            article.title = ("更正：" + article.title)[:32]
        return article

    # Contract ---------------------------------------------------------------

    def validate(self, item) -> list[Finding]:
        if not getattr(item, "to_wechat", False):
            return []
        try:
            article = self._format(item, PlaceholderImageHost())
        except Exception:
            logger.exception("wechat validation crashed item=%s", getattr(item, "pk", None))
            return [Finding("wechat", "无法生成微信文章，请检查正文中的图片和视频。", "body")]
        return article.findings

    def preview(self, item) -> str:
        article = self._format(item, RenditionImageHost())
        return render_to_string(
            "wechat/preview.html",
            {
                "article": article,
                "account": self.destination.name,
                "findings": [f for f in article.findings if "mmbiz" not in f.message],
            },
        )

    def publish(self, delivery) -> DeliveryResult:
        post, article = posts.post_for(delivery)
        done = posts.result_for(post, article)
        if done is not None or post.state == PostState.AWAITING_CONFIRMATION:
            return done or self._awaiting(post, article)
        claimed = posts.claim_post(post, delivery)
        if claimed is None:
            return self._awaiting(post, article, "与同一推送的其他稿件一起提交中。")
        try:
            post = self._send(claimed, delivery)
        except (PermanentError, UncertainError) as error:
            self._give_up(post, delivery, error)
            raise
        finally:
            posts.release_post(post)
        article.refresh_from_db()
        posts.sync_deliveries(post, exclude=delivery)
        return self._awaiting(post, article)

    def _awaiting(self, post, article, message="已提交微信发布，等待微信确认。"):
        post.refresh_from_db()
        return DeliveryResult("awaiting_confirmation", posts.receipt_for(post, article), message)

    def _send(self, post, delivery) -> WeChatPost:
        client = self.client()
        if not post.draft_media_id:
            articles = self._draft_articles(post, client)
            WeChatPost.objects.filter(pk=post.pk).update(state=PostState.DRAFTING)
            post.draft_media_id = client.add_draft(articles)
            post.state = PostState.DRAFT_CREATED
            post.save(update_fields=["draft_media_id", "state"])
            logger.info("draft created post=%s account=%s", post.pk, self.destination.slug)
        if not post.publish_id:
            resubmitting = post.state == PostState.SUBMITTING
            post.state = PostState.SUBMITTING
            post.save(update_fields=["state"])
            try:
                publish_id = client.submit(post.draft_media_id)
            except PermanentError as error:
                if resubmitting and error.detail.get("errcode") == 40007:
                    raise UncertainError(
                        "草稿已不在草稿箱中：上一次提交可能已生效，但没有收到 publish_id，"
                        "请在微信公众平台“发表记录”中核实。",
                        detail=error.detail,
                    ) from error
                raise
            post.publish_id = publish_id
            post.state = PostState.AWAITING_CONFIRMATION
            post.submitted_at = timezone.now()
            post.save(update_fields=["publish_id", "state", "submitted_at"])
            logger.info(
                "post submitted post=%s account=%s publish_id=%s",
                post.pk, self.destination.slug, publish_id,
            )
        return post

    def _drop_cancelled(self, post) -> None:
        """Take retracted (cancelled) items out of a post not yet drafted.

        The remaining articles are numbered again from 1, since WeChat's
        ``idx`` is the position in the draft.
        """
        articles = list(post.articles.select_related("delivery").order_by("index"))
        gone = [
            a for a in articles
            if a.delivery is None or a.delivery.state == DeliveryState.CANCELLED
        ]
        if not gone:
            return
        with transaction.atomic():
            WeChatPostArticle.objects.filter(pk__in=[a.pk for a in gone]).delete()
            kept = [a for a in articles if a not in gone]
            for article in kept:
                WeChatPostArticle.objects.filter(pk=article.pk).update(index=article.index + 100)
            for index, article in enumerate(kept, start=1):
                WeChatPostArticle.objects.filter(pk=article.pk).update(index=index)
        logger.info("cancelled articles left post=%s count=%s", post.pk, len(gone))

    def _draft_articles(self, post, client) -> list[dict]:
        self._drop_cancelled(post)
        host = UploadingImageHost(client, self.destination)
        entries, problems = [], []
        for article in post.articles.select_related("delivery").order_by("index"):
            delivery = article.delivery
            if delivery is None:
                raise PermanentError(f"推送中的第 {article.index} 篇已没有分发记录。")
            item = delivery.item()
            notice = (
                delivery.action == "update" and self.correction_mode == "notice"
            ) or None
            formatted = self._format(item, host, notice_for=notice)
            problems += [
                f"第 {article.index} 篇“{article.title}”：{f.message}"
                for f in formatted.findings
            ]
            thumb = host.thumb_media_id(cover_image_of(item))
            entries.append(formatted.as_draft(thumb))
        if problems:
            raise PermanentError("；".join(problems))
        return entries

    def _give_up(self, post, delivery, error) -> None:
        state = PostState.UNCERTAIN if isinstance(error, UncertainError) else PostState.FAILED
        if isinstance(error, UncertainError):
            WeChatPost.objects.filter(pk=post.pk).update(state=state, reason=error.message)
            return
        WeChatPost.objects.filter(pk=post.pk).exclude(
            state=PostState.AWAITING_CONFIRMATION
        ).update(state=state, reason=error.message, finished_at=timezone.now())
        post.refresh_from_db()
        posts.sync_deliveries(post, exclude=delivery)

    def check_confirmation(self, delivery) -> DeliveryResult | None:
        article = (
            WeChatPostArticle.objects.filter(delivery=delivery)
            .select_related("post")
            .order_by("-post_id")
            .first()
        )
        if article is None:
            return None
        post = article.post
        done = posts.result_for(post, article)
        if done is not None:
            return done
        if not post.publish_id:
            return self._orphaned(post, article)
        if not self._may_poll(post):
            return None
        answer = self.client().get_publish(post.publish_id)
        detail = answer.get("article_detail") or {}
        posts.apply_publish_status(
            post,
            answer.get("publish_status", 1),
            article_id=answer.get("article_id", ""),
            items=[(i.get("idx"), i.get("article_url", "")) for i in detail.get("item", [])],
            fail_idx=answer.get("fail_idx") or (),
            source="poll",
        )
        post.refresh_from_db()
        article.refresh_from_db()
        return posts.result_for(post, article)

    def _orphaned(self, post, article) -> DeliveryResult | None:
        """Fail a waiting article whose post nobody is left to submit.

        The delivery that was sending the post may have failed for good
        (too many attempts) after its siblings went to wait; without this
        they would wait for ever. A person can retry them.
        """
        if post.state == PostState.UNCERTAIN:
            return None
        driving = post.articles.filter(
            delivery__state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
        ).exists()
        if driving:
            return None
        reason = "同一推送中负责提交的分发记录已失败，推送未能提交，请重试。"
        WeChatPost.objects.filter(pk=post.pk, publish_id="").update(
            state=PostState.FAILED, reason=reason, finished_at=timezone.now()
        )
        post.refresh_from_db()
        return posts.result_for(post, article)

    def _may_poll(self, post) -> bool:
        """Poll a post at most once a minute, and keep a fifth of the quota spare."""
        from .client import QuotaBook

        interval = float(getattr(settings, "PUFA_WECHAT_POLL_SECONDS", 60))
        now = timezone.now()
        limit = account_for(self.destination).quota("freepublish/get") or DAILY_QUOTAS[
            "freepublish/get"
        ]
        if QuotaBook(account_for(self.destination)).used("freepublish/get") >= limit * 0.8:
            return False
        with transaction.atomic():
            polled = (
                WeChatPost.objects.filter(pk=post.pk)
                .exclude(last_polled_at__gt=now - timedelta(seconds=interval))
                .update(last_polled_at=now)
            )
        return bool(polled)

    def retract(self, delivery) -> DeliveryResult:
        if delivery.action == "update" and self.correction_mode == "notice":
            return DeliveryResult("revoked", {}, "保留原文，另发更正说明。")
        receipt = delivery.previous_receipt()
        article = WeChatPostArticle.objects.filter(
            post_id=receipt.get("post"), index=receipt.get("index")
        ).select_related("post").first()
        if article is None:
            return DeliveryResult("revoked", {}, "微信端没有这篇稿件，无需删除。")
        post = article.post
        if post.state in (PostState.REJECTED, PostState.FAILED, PostState.REVOKED):
            return DeliveryResult("revoked", {}, "微信端没有发布成功的文章，无需删除。")
        if article.deleted:
            return DeliveryResult("revoked", posts.receipt_for(post, article), "已删除。")
        if not post.article_id:
            raise TransientError("等待微信确认发布结果后再删除。", retry_after=30)
        try:
            self.client().delete_article(post.article_id, article.index)
        except PermanentError as error:
            if error.detail.get("errcode") != 40007:
                raise
            logger.info("article already gone post=%s index=%s", post.pk, article.index)
        WeChatPostArticle.objects.filter(pk=article.pk).update(deleted=True)
        logger.info(
            "article deleted post=%s index=%s account=%s",
            post.pk, article.index, self.destination.slug,
        )
        article.refresh_from_db()
        return DeliveryResult(
            "revoked",
            {**posts.receipt_for(post, article), "deleted_index": article.index},
            f"已从公众号删除第 {article.index} 篇。",
        )


register("wechat", WeChatAdapter)
