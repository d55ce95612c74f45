"""Package signatures and key pinning."""

from __future__ import annotations

from danvan_desktop.services.signing import fingerprint, key_holder, own_fingerprint, pin, sign, trusted_keys, verify


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
        assert key_holder(s, ["2025:03424"], key1).status == "new"
        pin(s, "2025:03424", key1, "03424", "Xã Bản Bo")
        assert key_holder(s, ["2025:03424"], key1).status == "pinned"
        changed = key_holder(s, ["2025:03424"], key2)
        assert changed.status == "changed" and changed.pinned_fingerprint == fingerprint(key1)
        # A unit below is held by its ancestor's key until its own office is accepted.
        below = key_holder(s, ["6f1d2c1e-0000-5000-8000-000000000001", "2025:03424"], key2)
        assert (below.status, below.holder_uid) == ("changed", "2025:03424")
    assert trusted_keys(district)["2025:03424"]["key"] == key1
