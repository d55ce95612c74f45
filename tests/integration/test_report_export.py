"""Report settings (defaults from the home unit, admin changes) and the PDF export's file and audit handling."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

import danvan_desktop.exchange.report as report
from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.report import (
    default_report_settings,
    export_report,
    report_pdf_bytes,
    report_settings,
    save_report_settings,
)
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import verify_chain
from danvan_desktop.services.errors import PermissionDenied, Refused
from danvan_desktop.services.settings import save_settings
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import AuditEntry
from tests.conftest import ADMIN, PASSWORD
from tests.stores import place

MAY = parse_period("2026-05")
CADRE = Actor("canbo", "can_bo", "Lò Thị Hoa")


def audit_entries(db: Database, action: str) -> list[AuditEntry]:
    """Audit entries of one action, oldest first."""
    with db.reader() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def leftovers(folder: Path) -> list[str]:
    """Temporary files an export may have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".tmp")


# ---------------------------------------------------------------- settings


def test_commune_defaults_come_from_the_home_unit(commune: Database) -> None:
    s = report_settings(commune)
    assert s.layout == "party"
    assert s.superior_name == "Đảng bộ Tỉnh Lai Châu"  # printed in capitals: ĐẢNG BỘ TỈNH LAI CHÂU
    assert s.organ_name == "Đảng ủy Xã Bản Bo"
    assert s.place == "Bản Bo"
    assert s.number == "-BC/ĐU"
    assert (s.signer_prefix, s.signer_title, s.signer_name) == ("T/M ĐẢNG ỦY", "BÍ THƯ", "")
    assert s.recipients == ("Ban Tuyên giáo và Dân vận Tỉnh ủy", "Lưu Văn phòng")
    assert (s.margin_top_mm, s.margin_bottom_mm, s.margin_left_mm, s.margin_right_mm) == (20, 20, 30, 15)


def test_state_defaults_follow_decree_30(commune: Database) -> None:
    s = default_report_settings(commune, "state")
    assert (s.superior_name, s.organ_name) == ("", "Ủy ban nhân dân\nXã Bản Bo")
    assert (s.number, s.signer_prefix, s.signer_title) == ("/BC-UBND", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert s.recipients[-1] == "Lưu: VT"
    assert s.nation_size == 12 and s.motto_size == 13  # the layout's own sizes


def test_district_and_province_defaults(district: Database, tmp_path: Path) -> None:
    s = report_settings(district)
    assert (s.superior_name, s.organ_name, s.signer_title) == ("Huyện ủy Tam Đường", "Ban Dân vận", "TRƯỞNG BAN")
    assert s.recipients[0] == "Ban Dân vận Tỉnh ủy" and s.place == "Tam Đường"
    db = init_office(place(tmp_path, "tinh.db"), UnitSpec("01", "Thành phố Hà Nội", "tinh", "2025"), [], "admin",
                     PASSWORD)
    s = report_settings(db)
    db.close()
    assert (s.superior_name, s.organ_name, s.place) == ("Thành ủy Hà Nội", "Ban Tuyên giáo và Dân vận", "Hà Nội")
    assert s.recipients[:2] == ("Ban Tuyên giáo và Dân vận Trung ương", "Thường trực Thành ủy")


def test_admin_saves_settings_over_the_defaults_and_none_restores_one(commune: Database) -> None:
    result, changed = save_report_settings(commune, ADMIN, {
        "number": "03-BC/ĐU", "signer_title": "PHÓ BÍ THƯ", "signer_name": "Lò Văn Thành",
        "recipients": "Ban Thường vụ Tỉnh ủy (b/c),\n\nLưu Văn phòng Đảng ủy.", "margin_left_mm": 35,
        "body_size": 13})
    assert result == report_settings(commune)
    assert changed.settings and changed.reports and not changed.figures
    assert result.recipients == ("Ban Thường vụ Tỉnh ủy (b/c),", "Lưu Văn phòng Đảng ủy.")
    assert (result.margin_left_mm, result.body_size, result.organ_name) == (35, 13, "Đảng ủy Xã Bản Bo")
    save_report_settings(commune, ADMIN, {"signer_title": None, "layout": "state"})
    s = report_settings(commune)
    assert s.signer_title == "CHỦ TỊCH" and s.number == "03-BC/ĐU" and s.layout == "state"
    assert s.nation_size == 12  # sizes follow the new layout
    assert [json.loads(e.detail) for e in audit_entries(commune, "settings")][-1] == {"keys": ["report"]}


@pytest.mark.parametrize("bad", [
    {"layout": "word"}, {"colour": "red"}, {"body_size": "14"}, {"body_size": 2}, {"margin_top_mm": -1},
    {"recipients": [1, 2]}, {"title_rule": "có"}, {"header_left_ratio": 1.5}, {"organ_name": 5},
])
def test_bad_settings_are_refused_and_change_nothing(commune: Database, bad: dict) -> None:
    before = report_settings(commune)
    with pytest.raises(Refused):
        save_report_settings(commune, ADMIN, bad)
    assert report_settings(commune) == before


def test_only_an_admin_changes_report_settings(commune: Database) -> None:
    with pytest.raises(PermissionDenied):
        save_report_settings(commune, CADRE, {"signer_name": "Ai đó"})


def test_a_damaged_setting_does_not_stop_printing(commune: Database) -> None:
    save_settings(commune, ADMIN, {"report": {"body_size": "mười bốn", "layout": "party"}})
    assert report_settings(commune) == default_report_settings(commune)


# ---------------------------------------------------------------- export


def test_export_is_audited_with_the_file_hash(commune: Database, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao.pdf"
    pages = export_report(commune, CADRE, MAY, out)
    entry = audit_entries(commune, "export")[-1]
    detail = json.loads(entry.detail)
    assert (entry.username, entry.kind, entry.record_id) == ("canbo", "report", "03424")
    assert detail == {"format": "pdf", "period": "2026-05", "unit": "03424", "file": "bao-cao.pdf",
                      "pages": pages, "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}
    with commune.reader() as s:
        assert verify_chain(s) == []
    assert leftovers(tmp_path) == []


def test_print_preview_bytes_are_the_same_report(commune: Database, tmp_path: Path) -> None:
    data = report_pdf_bytes(commune, CADRE, MAY, issued_on=date(2026, 6, 1))
    assert data.startswith(b"%PDF")
    assert audit_entries(commune, "export") == []  # previewing is not an export


def test_an_account_without_the_report_right_is_refused(commune: Database, tmp_path: Path) -> None:
    guest = Actor("khach", "khach", "Khách")
    with pytest.raises(PermissionDenied):
        export_report(commune, guest, MAY, tmp_path / "x.pdf")
    with pytest.raises(PermissionDenied):
        report_pdf_bytes(commune, guest, MAY)
    assert not (tmp_path / "x.pdf").exists()


def test_a_unit_outside_the_office_is_refused(district: Database, tmp_path: Path) -> None:
    with pytest.raises(Refused):
        export_report(district, ADMIN, MAY, tmp_path / "x.pdf", unit_code="99999")
    assert leftovers(tmp_path) == [] and not (tmp_path / "x.pdf").exists()


def test_a_failed_render_leaves_the_previous_file_and_no_audit(commune: Database, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bao-cao.pdf"
    export_report(commune, ADMIN, MAY, out)
    before = out.read_bytes()

    def broken(*_a: object, **_k: object) -> int:
        raise MemoryError("hết bộ nhớ")

    monkeypatch.setattr(report, "render_pdf", broken)
    with pytest.raises(MemoryError):
        export_report(commune, ADMIN, MAY, out)
    assert out.read_bytes() == before
    assert len(audit_entries(commune, "export")) == 1
    assert leftovers(tmp_path) == []


def test_a_file_held_open_elsewhere_is_refused_cleanly(commune: Database, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bao-cao.pdf"
    out.write_bytes(b"old")

    def locked(_src: object, _dst: object) -> None:  # what Windows does while a PDF viewer has the file
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(Refused, match="đang mở"):
        export_report(commune, ADMIN, MAY, out)
    assert out.read_bytes() == b"old"
    assert audit_entries(commune, "export") == []  # the audit entry rolled back with the failed write
    assert leftovers(tmp_path) == []


def test_export_replaces_an_older_report(commune: Database, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao.pdf"
    out.write_bytes(b"an old report")
    export_report(commune, ADMIN, MAY, out)
    assert out.read_bytes().startswith(b"%PDF")


def test_a_missing_folder_is_refused(commune: Database, tmp_path: Path) -> None:
    with pytest.raises(Refused, match="không tồn tại"):
        export_report(commune, ADMIN, MAY, tmp_path / "khong-co" / "x.pdf")
