"""Signed, expiring, permission-checked links to files in local private storage.

A link carries the file name and an expiry time, signed with SECRET_KEY. The
expiry is rounded up to the next whole window of
``PUFA_MEDIA_SIGNED_URL_SECONDS``, so the same file keeps the same URL for a
while (browsers can cache admin thumbnails) and every link dies within two
windows. Only signed-in staff (anyone who may use the admin or upload media)
can open one; the response is never stored by shared caches.
"""

import mimetypes
import os
import time

from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.utils.http import http_date

from .storage import private_storage

SALT = "pufa.media.signed-file"


def _window() -> int:
    return max(1, settings.PUFA_MEDIA_SIGNED_URL_SECONDS)


def sign(name: str, now: float | None = None) -> str:
    """Return the token of a link to private file ``name``."""
    window = _window()
    expires = (int(now or time.time()) // window + 2) * window
    return signing.Signer(salt=SALT).sign_object(
        {"n": name, "e": expires}, compress=True
    )


def unsign(token: str, now: float | None = None) -> str:
    """Return the file name of a valid token; raise SignatureExpired/BadSignature."""
    data = signing.Signer(salt=SALT).unsign_object(token)
    if not isinstance(data, dict) or "n" not in data or "e" not in data:
        raise signing.BadSignature("malformed token")
    if (now or time.time()) > data["e"]:
        raise signing.SignatureExpired("link expired")
    return data["n"]


def may_open_private_files(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (
            user.has_perm("wagtailadmin.access_admin")
            or user.has_perm("media_pipeline.add_video")
        )
    )


def serve(request, token):
    try:
        name = unsign(token)
    except signing.SignatureExpired:
        return HttpResponseForbidden("链接已过期，请刷新页面。")
    except signing.BadSignature:
        raise Http404 from None
    if not may_open_private_files(request.user):
        return HttpResponseForbidden("没有权限查看未公开的文件。")
    storage = private_storage()
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, SuspiciousFileOperation):
        raise Http404 from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = f"private, max-age={_window()}"
    response["Expires"] = http_date(time.time() + _window())
    response["Content-Disposition"] = f'inline; filename="{os.path.basename(name)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
