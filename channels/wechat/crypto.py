"""Signatures and safe-mode encryption of WeChat callback messages.

WeChat signs every callback with the account's token: ``signature`` is the
SHA-1 of the sorted strings token, timestamp and nonce joined together; in
safe mode ``msg_signature`` adds the ``Encrypt`` payload to that list. The
payload is AES-256-CBC over ``16 random bytes + 4-byte big-endian length +
message + appid``, keyed by the base64-decoded EncodingAESKey (43 characters
plus one ``=``), the IV being the first 16 bytes of the key and the padding
PKCS#7 to a block of 32 bytes (WeChat's choice, not AES's 16).

Both the callback view and the fake server use this module, so it imports
nothing from Django.
"""

import base64
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAD_BLOCK = 32


class MessageCryptoError(ValueError):
    """A callback message that cannot be trusted or read."""


def signature(token: str, timestamp: str, nonce: str, encrypt: str | None = None) -> str:
    """Return the SHA-1 signature WeChat computes over the sorted parts."""
    parts = [token, str(timestamp), str(nonce)]
    if encrypt is not None:
        parts.append(encrypt)
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given)


def aes_key(encoding_aes_key: str) -> bytes:
    """Return the 32-byte AES key behind a 43-character EncodingAESKey."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (ValueError, TypeError) as error:
        raise MessageCryptoError("EncodingAESKey is not base64") from error
    if len(key) != 32:
        raise MessageCryptoError("EncodingAESKey must decode to 32 bytes")
    return key


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt_message(message: str, encoding_aes_key: str, appid: str) -> str:
    """Return ``message`` encrypted the way WeChat's safe mode does, as base64."""
    key = aes_key(encoding_aes_key)
    body = message.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + appid.encode()
    pad = PAD_BLOCK - len(plain) % PAD_BLOCK
    plain += bytes([pad]) * pad
    encryptor = _cipher(key).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt_message(encrypted: str, encoding_aes_key: str, appid: str) -> str:
    """Return the message inside a safe-mode ``Encrypt`` value.

    Raise :class:`MessageCryptoError` when it is malformed or was made for
    another appid.
    """
    key = aes_key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (ValueError, TypeError) as error:
        raise MessageCryptoError("Encrypt is not base64") from error
    if not data or len(data) % 16:
        raise MessageCryptoError("Encrypt has a wrong length")
    decryptor = _cipher(key).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise MessageCryptoError("bad padding")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise MessageCryptoError("message too short")
    (length,) = struct.unpack(">I", plain[16:20])
    message, tail = plain[20 : 20 + length], plain[20 + length :]
    if len(message) != length or tail.decode(errors="replace") != appid:
        raise MessageCryptoError("message was not made for this account")
    return message.decode()


def new_encoding_aes_key() -> str:
    """Return a fresh EncodingAESKey (43 base64 characters)."""
    return base64.b64encode(os.urandom(32)).decode()[:43]
