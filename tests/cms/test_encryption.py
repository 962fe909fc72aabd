import pytest
from cryptography.fernet import Fernet

from cms import encryption


def test_round_trip_and_ciphertext_hides_the_value():
    stored = encryption.encrypt("110101199001011234")
    assert stored.startswith("enc1:")
    assert "1234" not in stored
    assert encryption.decrypt(stored) == "110101199001011234"


def test_rotated_keys_still_decrypt_old_values(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PUFA_FIELD_KEYS = [old]
    stored = encryption.encrypt("秘密")
    settings.PUFA_FIELD_KEYS = [new, old]
    assert encryption.decrypt(stored) == "秘密"
    settings.PUFA_FIELD_KEYS = [new]
    with pytest.raises(ValueError, match="cannot decrypt"):
        encryption.decrypt(stored)


def test_mask_keeps_only_the_tail():
    assert encryption.mask("110101199001011234") == "*" * 14 + "1234"
