"""Encryption of fields at rest (credential numbers, channel secrets).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the
``cryptography`` package) under the keys in ``settings.PUFA_FIELD_KEYS``; the
first key encrypts and all of them decrypt, so keys can be rotated. Without
configured keys (the embedded setup) one key is derived from ``SECRET_KEY``.

A stored value the configured keys cannot decrypt (the keys were changed
without keeping the old one, or the value was tampered with) is read as a
*sealed* value rather than raising: an empty ``SealedText`` / ``SealedJSON``
that remembers its ciphertext. Pages listing such rows still open, saving the
row writes the ciphertext back unchanged, and code that needs the plaintext
checks ``is_sealed(value)`` and says what is wrong.
"""

import base64
import hashlib
import json
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"

logger = logging.getLogger("pufa.security")

SEALED_LABEL = "（无法解密）"


class Sealed:
    """A stored value that cannot be decrypted with the configured keys."""

    ciphertext = ""


class SealedText(Sealed, str):
    pass


class SealedJSON(Sealed, dict):
    pass


def is_sealed(value) -> bool:
    return isinstance(value, Sealed)


def _sealed(kind, stored: str, field) -> Sealed:
    logger.error(
        "cannot decrypt field=%s: PUFA_FIELD_KEYS or SECRET_KEY differ from the "
        "ones it was saved with, or the value was altered",
        getattr(field, "name", "?"),
    )
    value = kind()
    value.ciphertext = stored
    return value


@lru_cache(maxsize=4)
def _fernet(keys: tuple, secret_key: str) -> MultiFernet:
    if not keys:
        digest = hashlib.sha256(("pufa-field-key:" + secret_key).encode()).digest()
        keys = (base64.urlsafe_b64encode(digest).decode(),)
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "PUFA_FIELD_KEYS must hold url-safe base64 Fernet keys"
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PUFA_FIELD_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    """Return ``plaintext`` encrypted, as text safe to store."""
    return PREFIX + fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    """Return the plaintext of a value made by :func:`encrypt`."""
    if not stored.startswith(PREFIX):
        raise ValueError("value is not encrypted")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise ValueError("cannot decrypt: wrong key or tampered value") from error


def mask(plaintext: str | None, visible: int = 4) -> str:
    """Return ``plaintext`` with all but its last ``visible`` characters hidden."""
    if is_sealed(plaintext):
        return SEALED_LABEL
    plaintext = plaintext or ""
    if len(plaintext) <= visible:
        return "*" * len(plaintext)
    return "*" * (len(plaintext) - visible) + plaintext[-visible:]


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; reads give back the plaintext."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        try:
            return decrypt(value)
        except ValueError:
            return _sealed(SealedText, value, self)

    def get_prep_value(self, value):
        if is_sealed(value):
            return value.ciphertext
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


class EncryptedJSONField(models.TextField):
    """A JSON value (dict, list …) stored encrypted as one text blob."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return {}
        try:
            return json.loads(decrypt(value))
        except ValueError:
            return _sealed(SealedJSON, value, self)

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value) if value else {}
        return value

    def get_prep_value(self, value):
        if value is None:
            return value
        if is_sealed(value):
            return value.ciphertext
        return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))
