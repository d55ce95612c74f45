"""Package signatures and key pinning."""

from __future__ import annotations

from danvan_desktop.services.signing import check_sender, fingerprint, own_fingerprint, pin, sign, trusted_keys, verify


def test_signature_verifies_only_for_the_same_message_and_key(commune, district):
    with commune.transaction() as s:
        sig, pub = sign(s, b"goi-du-lieu:abc")
    with district.transaction() as s:
        _, other = sign(s, b"x")
    assert verify(pub, sig, b"goi-du-lieu:abc")
    assert not verify(pub, sig, b"goi-du-lieu:abd")
    assert not verify(other, sig, b"goi-du-lieu:abc")
    assert not verify(pub, "khong-phai-chu-ky", b"goi-du-lieu:abc")
    assert own_fingerprint(commune) == fingerprint(pub) and len(fingerprint(pub)) == 39


def test_first_key_is_pinned_another_is_reported_as_changed(commune, district):
    with commune.transaction() as s:
        _, key1 = sign(s, b"m")
    with district.transaction() as s:
        _, key2 = sign(s, b"m")
    with district.transaction() as s:
        assert check_sender(s, "03424", key1).status == "new"
        pin(s, "03424", key1)
        assert check_sender(s, "03424", key1).status == "pinned"
        changed = check_sender(s, "03424", key2)
        assert changed.status == "changed" and changed.pinned_fingerprint == fingerprint(key1)
    assert trusted_keys(district)["03424"]["key"] == key1
