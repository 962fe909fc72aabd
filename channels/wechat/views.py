"""The callback URL of a WeChat account: ``/channels/wechat/<account>/callback``.

WeChat checks the URL once with a GET (``echostr``), then POSTs events to
it. Every request is signed with the account's token; in safe mode the event
is AES-encrypted and ``msg_signature`` covers the ciphertext too. The answer
must come within five seconds, so the view only records the event (no call
to WeChat) and answers ``success``, also for events it does not care about,
so that WeChat does not keep retrying them.
"""

import logging

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from channels.adapters.base import CredentialsUnreadable
from channels.models import Destination

from . import posts
from .crypto import MessageCryptoError, decrypt_message, signature, signature_matches

logger = logging.getLogger("pufa.wechat")

PUBLISH_EVENTS = {"PUBLISHJOBFINISH", "FREEPUBLISHJOBFINISH"}
MAX_BODY_BYTES = 256 * 1024


def _parse(xml: bytes):
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    return etree.fromstring(xml, parser=parser)


def _text(node, path, default=""):
    found = node.find(path)
    return (found.text or "").strip() if found is not None and found.text else default


def publish_info(root) -> dict:
    """Return the publish job fields of an event message."""
    info = root.find("PublishEventInfo")
    if info is None:
        return {}
    items = [
        (int(_text(item, "idx", "0")), _text(item, "article_url"))
        for item in info.findall("article_detail/item")
    ]
    return {
        "publish_id": _text(info, "publish_id"),
        "publish_status": int(_text(info, "publish_status", "1")),
        "article_id": _text(info, "article_id"),
        "items": items,
        "fail_idx": [int(node.text) for node in info.findall("fail_idx") if node.text],
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request, account):
    destination = get_object_or_404(Destination, slug=account, channel="wechat")
    try:
        credentials = destination.credentials()
    except CredentialsUnreadable:
        # WeChat retries a callback it did not get an answer to.
        logger.error("callback for an account with unreadable credentials %s", account)
        return HttpResponse("credentials unreadable", status=503)
    token = credentials.get("token", "")
    timestamp = request.GET.get("timestamp", "")
    nonce = request.GET.get("nonce", "")
    if not token:
        logger.error("callback without a token configured account=%s", account)
        return HttpResponseForbidden("callback token not configured")
    plain_ok = signature_matches(
        signature(token, timestamp, nonce), request.GET.get("signature")
    )
    if request.method == "GET":
        if not plain_ok:
            return HttpResponseForbidden("bad signature")
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")

    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponseBadRequest("too large")
    try:
        root = _parse(request.body)
    except etree.XMLSyntaxError:
        return HttpResponseBadRequest("bad xml")
    encrypted = _text(root, "Encrypt")
    if request.GET.get("encrypt_type") == "aes" or encrypted:
        expected = signature(token, timestamp, nonce, encrypted)
        if not signature_matches(expected, request.GET.get("msg_signature")):
            return HttpResponseForbidden("bad signature")
        try:
            message = decrypt_message(
                encrypted,
                credentials.get("encoding_aes_key", ""),
                credentials.get("appid", ""),
            )
            root = _parse(message.encode())
        except (MessageCryptoError, etree.XMLSyntaxError):
            logger.info("callback could not be decrypted account=%s", account)
            return HttpResponseBadRequest("cannot decrypt")
    elif not plain_ok:
        return HttpResponseForbidden("bad signature")

    event = _text(root, "Event")
    if _text(root, "MsgType") == "event" and event in PUBLISH_EVENTS:
        info = publish_info(root)
        if info.get("publish_id"):
            posts.handle_event(destination, info, event)
    return HttpResponse("success", content_type="text/plain")
