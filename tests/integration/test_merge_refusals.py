"""Every reason a package is refused (SPEC §6), in Vietnamese, and a refused package changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.errors import PermissionDenied
from danvan_desktop.services.merge import apply_package, list_imports, preview_package
from danvan_desktop.services.records import add_record
from tests.integration.test_package_support import (
    ADMIN,
    Q1,
    commune,
    edit_cells,
    libreoffice_resave,
    needs_soffice,
    record_state,
    seed,
    set_meta,
)


def refused(district, path, reason: str, words: str) -> None:
    """Preview and apply both refuse with the reason and a Vietnamese message, and nothing changes."""
    before = record_state(district)
    p = preview_package(district, ADMIN, path)
    r = apply_package(district, ADMIN, path)
    assert (p.ok, p.reason, r.ok, r.reason) == (False, reason, False, reason), (p.message, r.message)
    assert words in r.message and r.message == p.message
    assert record_state(district) == before and list_imports(district, ADMIN) == []


@needs_soffice
def test_a_package_edited_in_a_spreadsheet_and_saved_by_libreoffice_is_refused(setup, tmp_path):
    _, package, district = setup
    edit_cells(package, "Hội nghị", {(3, "participants"): 500})
    edited = libreoffice_resave(package, tmp_path / "lo-out", tmp_path / "lo")
    refused(district, edited, "edited", "đã bị sửa sau khi xuất (mã kiểm tra không khớp)")


def test_a_package_from_a_commune_of_another_district_is_refused(setup, tmp_path):
    _, _, district = setup
    y1 = commune(tmp_path, "Y1")
    seed(y1, "Y1")
    other = tmp_path / "Y1.xlsx"
    export_package(y1, ADMIN, Q1, other)
    y1.close()
    refused(district, other, "outside", "không thuộc phạm vi của Huyện Tam Đường")


def test_a_record_of_a_unit_outside_the_sender_is_refused_even_with_a_consistent_checksum(setup, tmp_path):
    _, package, district = setup
    # Another program wrote a self-consistent package carrying a record of a sibling commune.
    from danvan_desktop.services.units import add_unit

    add_unit(district, ADMIN, code="X2", name="Xã Bản Giang", level="xa", parent_code="105")
    edit_cells(package, "Hội nghị", {(3, "unit"): "X2"}, reseal=True)
    refused(district, package, "record_outside", "Hội nghị dòng 3 thuộc đơn vị mã “X2”")


def test_a_record_breaking_a_rule_makes_the_package_damaged_with_the_rule_named(setup):
    _, package, district = setup
    edit_cells(package, "Hội nghị", {(3, "women"): 999}, reseal=True)
    refused(district, package, "damaged", "Trong đó nữ không được lớn hơn Số người tham dự")


def test_a_package_of_a_newer_program_is_refused(setup):
    _, package, district = setup
    set_meta(package, {"schema_version": 99})
    refused(district, package, "newer_schema", "phiên bản Dân vận mới hơn")


def test_files_that_are_not_packages_are_refused(setup, tmp_path):
    _, _, district = setup
    wb = Workbook()
    wb.active.append(["Họ tên", "Số tiền"])
    wb.active.append(["Nguyễn Văn A", 100])
    wb.save(tmp_path / "bang-luong.xlsx")
    refused(district, tmp_path / "bang-luong.xlsx", "not_package", "không phải gói dữ liệu")
    (tmp_path / "bao-cao.xlsx").write_bytes(b"%PDF-1.7\n" + b"x" * 2000)
    refused(district, tmp_path / "bao-cao.xlsx", "not_package", "không phải tệp Excel")


def test_a_truncated_copy_is_refused_as_damaged(setup, tmp_path):
    _, package, district = setup
    half = tmp_path / "cat-doi.xlsx"
    half.write_bytes(package.read_bytes()[: package.stat().st_size // 2])
    refused(district, half, "damaged", "bị hỏng")


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(setup, tmp_path):
    _, _, district = setup
    bomb = tmp_path / "bom.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * 50_000_000)
    bomb.write_bytes(buf.getvalue())
    assert bomb.stat().st_size < 1_000_000
    refused(district, bomb, "damaged", "giải nén ra quá lớn")


def test_the_office_own_package_is_refused(setup, tmp_path):
    x1, package, _ = setup
    refused(x1, package, "own_unit", "chính Xã Bình Lư")


def test_merging_needs_the_merge_right(setup):
    _, package, district = setup
    with pytest.raises(PermissionDenied, match="tổng hợp dữ liệu"):
        apply_package(district, Actor("canbo", "can_bo"), package)
    with pytest.raises(PermissionDenied):
        preview_package(district, Actor("vanthu", "van_thu"), package)


def test_a_refused_package_among_good_ones_leaves_the_good_ones_applied(setup, tmp_path):
    x1, package, district = setup
    from danvan_desktop.services.merge import apply_packages

    add_record(x1, ADMIN, "meeting", {"kind": "khac", "title": "Thêm", "date": dt.date(2025, 1, 1),
                                      "participants": 1})
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    results = apply_packages(district, ADMIN, [package, bad])
    assert [r.ok for r in results] == [True, False] and len(list_imports(district, ADMIN)) == 1


def _rewrite_member(path, member: str, change) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[member] = change(parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _body(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "hahahahahahahahahahaha">'
          + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10)
                     for i in range(9))
          + b"]>")


def test_entity_bombs_and_external_entities_in_a_sheet_are_refused_without_expanding(setup):
    _, package, district = setup
    sheet = "xl/worksheets/sheet4.xml"  # "Hội nghị"
    _rewrite_member(package, sheet, lambda xml: LAUGHS + _body(xml).replace(b"<t>", b"<t>&j;", 1))
    refused(district, package, "damaged", "bị hỏng")


def test_an_external_entity_cannot_read_local_files(setup, tmp_path):
    _, package, district = setup
    secret = tmp_path / "bi-mat.txt"
    secret.write_text("MẬT KHẨU", encoding="utf-8")
    doctype = f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
    _rewrite_member(package, "xl/worksheets/sheet4.xml",
                    lambda xml: doctype + _body(xml).replace(b"<t>", b"<t>&x;", 1))
    p = preview_package(district, ADMIN, package)
    assert not p.ok and "MẬT KHẨU" not in p.message
