"""Signed packages: unsigned or forged packages are refused; a unit's key is pinned on its first package."""

from __future__ import annotations

import pytest

from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.errors import PermissionDenied
from danvan_desktop.services.merge import accept_new_key, apply_package, list_imports
from danvan_desktop.services.signing import fingerprint, own_fingerprint, trusted_keys
from tests.integration.test_merge_refusals import refused
from tests.integration.test_package_support import (
    ADMIN,
    Q1,
    canonical_checksum,
    commune,
    edit_cells,
    record_state,
    seed,
    set_meta,
)


def by_code(keys):
    """Pinned keys by unit code (the trust store is keyed by unit identity)."""
    return {e["code"]: e for e in keys.values()}


def test_an_unsigned_package_is_refused(setup):
    _, package, district = setup
    set_meta(package, {"signature": None, "signature.public_key": None})
    refused(district, package, "unsigned", "không có chữ ký số")


def test_data_changed_and_checksum_recomputed_without_the_key_is_refused(setup):
    _, package, district = setup
    edit_cells(package, "Hội nghị", {(3, "participants"): 500})
    set_meta(package, {"checksum": canonical_checksum(package)})  # a forger can redo the checksum, not sign
    refused(district, package, "bad_signature", "Chữ ký số của gói dữ liệu")


def test_first_package_pins_the_key_and_a_new_key_waits_for_an_admin(setup, tmp_path):
    x1, package, district = setup
    assert apply_package(district, ADMIN, package).ok
    assert by_code(trusted_keys(district))["X1"]["fingerprint"] == own_fingerprint(x1)
    # The commune reinstalls the program: same unit, new database, new key.
    reinstalled = commune(tmp_path / "moi", "X1")
    seed(reinstalled, "X1")
    again = tmp_path / "X1-moi.xlsx"
    export_package(reinstalled, ADMIN, Q1, again)
    new_fp = own_fingerprint(reinstalled)
    before = record_state(district)
    r = apply_package(district, ADMIN, again)
    assert (r.ok, r.reason) == (False, "key_changed") and f"dấu vân tay {new_fp}" in r.message
    assert record_state(district) == before and len(list_imports(district, ADMIN)) == 1
    with pytest.raises(PermissionDenied):
        accept_new_key(district, Actor("th", "tong_hop", religion_access=True), again)
    assert accept_new_key(district, ADMIN, again)[0] == new_fp
    assert apply_package(district, ADMIN, again).ok
    assert fingerprint(by_code(trusted_keys(district))["X1"]["key"]) == new_fp
    reinstalled.close()
