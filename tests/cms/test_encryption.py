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


@pytest.mark.django_db
def test_a_value_saved_under_a_lost_key_reads_sealed_and_survives_a_save(
    settings, make_user
):
    from datetime import date

    from moderation.models import CreatorProfile, CreatorType, CredentialType

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PUFA_FIELD_KEYS = [old]
    application = CreatorProfile.objects.create(
        user=make_user(),
        real_name="法治小课堂",
        creator_type=CreatorType.values[0],
        credential_type=CredentialType.values[0],
        credential_number="ZJ-2026-0001",
        credential_issuer="省司法厅",
        credential_valid_from=date(2026, 1, 1),
        credential_valid_until=date(2028, 1, 1),
        domain_label="民法典",
    )

    settings.PUFA_FIELD_KEYS = [new]  # the old key was lost
    sealed = CreatorProfile.objects.get(pk=application.pk)
    assert encryption.is_sealed(sealed.credential_number)
    assert not sealed.credential_number
    assert sealed.masked_credential_number == "（无法解密）"
    sealed.real_name = "法治小课堂（更名）"
    sealed.save()  # an edit of another field keeps the ciphertext as it was

    settings.PUFA_FIELD_KEYS = [new, old]  # the old key is found again
    restored = CreatorProfile.objects.get(pk=application.pk)
    assert restored.credential_number == "ZJ-2026-0001"
    assert restored.real_name == "法治小课堂（更名）"
