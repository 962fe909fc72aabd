"""Callback signatures and safe-mode encryption."""

import pytest

from channels.wechat.crypto import (
    MessageCryptoError,
    decrypt_message,
    encrypt_message,
    new_encoding_aes_key,
    signature,
)


def test_signature_is_sha1_of_sorted_parts():
    import hashlib

    expected = hashlib.sha1("".join(sorted(["tok", "1700000000", "n1"])).encode()).hexdigest()

    assert signature("tok", "1700000000", "n1") == expected
    assert signature("tok", "1700000000", "n1", "ENC") != expected


def test_safe_mode_round_trip_and_padding_to_32_bytes():
    key = new_encoding_aes_key()
    message = "<xml><Event><![CDATA[PUBLISHJOBFINISH]]></Event>居住权</xml>"

    encrypted = encrypt_message(message, key, "wxappid")

    assert len(key) == 43
    assert decrypt_message(encrypted, key, "wxappid") == message


def test_message_for_another_account_or_tampered_is_refused():
    key = new_encoding_aes_key()
    encrypted = encrypt_message("<xml/>", key, "wxappid")
    tampered = ("A" if encrypted[0] != "A" else "B") + encrypted[1:]

    with pytest.raises(MessageCryptoError):
        decrypt_message(encrypted, key, "wxother")
    with pytest.raises(MessageCryptoError):
        decrypt_message(encrypted, new_encoding_aes_key(), "wxappid")
    with pytest.raises(MessageCryptoError):
        decrypt_message(tampered, key, "wxappid")
