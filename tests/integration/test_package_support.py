"""Helpers for the package, merge and completeness tests: offices on real SQLite files, their records, LibreOffice.

No tests here; the tree is province 12 → district 105 → communes X1, X2, X3 (each with a village), and a
second district 106 with commune Y1.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package_format import META_SHEET, PackageReader
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import Record, add_record, delete_record
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.services.units import add_unit
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import RECORD_TABLES, SCHEMA_VERSION
from tests.stores import place

ADMIN = Actor("admin", "admin", "Quản trị", religion_access=True)
PASSWORD = "matkhau123"
PROVINCE = UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")
DISTRICT = UnitSpec("105", "Huyện Tam Đường", "huyen", "legacy")
OTHER_DISTRICT = UnitSpec("106", "Huyện Phong Thổ", "huyen", "legacy")
COMMUNES = {"X1": "Xã Bình Lư", "X2": "Xã Bản Giang", "X3": "Xã Bản Bo", "Y1": "Xã Mường So"}
Q1 = parse_period("2025-Q1")

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")


def office(path: Path, home: UnitSpec, ancestors: list[UnitSpec]) -> Database:
    """A new office database on a real file."""
    return init_office(path, home, ancestors, "admin", PASSWORD)


def commune(tmp_path: Path, code: str) -> Database:
    """A commune office (with one village) under district 105, or 106 for Y1."""
    district = OTHER_DISTRICT if code.startswith("Y") else DISTRICT
    db = office(place(tmp_path, f"{code.lower()}.db"), UnitSpec(code, COMMUNES[code], "xa"), [district, PROVINCE])
    add_unit(db, ADMIN, code=f"{code}-01", name=f"Bản Nà Khum {code}", level="thon", parent_code=code)
    return db


def seed(db: Database, code: str, scale: int = 1) -> dict[str, Record]:
    """Records of every kind for a commune: in 2025-Q1, outside it, in its village; returns some by name."""
    village = f"{code}-01"
    out: dict[str, Record] = {}
    for i in range(scale):
        out[f"meeting{i}"] = add_record(db, ADMIN, "meeting", {
            "kind": "tiep_xuc_cu_tri", "title": f"Tiếp xúc cử tri trước kỳ họp HĐND xã ({code}, {i})",
            "date": dt.date(2025, 1 + i % 3, 10 + i % 15), "location": "Nhà văn hóa bản Nà Khum",
            "organizer": "mttq", "chair": "Lò Văn Minh", "participants": 120 + i, "women": 50, "ethnic_minority": 90},
            unit=village)
        add_record(db, ADMIN, "meeting", {"kind": "doi_thoai", "title": f"Đối thoại về đất đai ({code}, {i})",
                                          "date": dt.date(2025, 2, 3), "participants": 40, "women": 12})
        out[f"petition{i}"] = add_record(db, ADMIN, "petition", {
            "type": "kien_nghi", "received_date": dt.date(2025, 1, 10), "content": "Đề nghị sửa đường liên bản",
            "field": "ha_tang", "status": "moi", "deadline": dt.date(2025, 2, 10)}, unit=village)
        add_record(db, ADMIN, "petition", {
            "type": "y_kien", "received_date": dt.date(2025, 3, 1), "content": "Ý kiến về chi trả bồi thường",
            "field": "den_bu_gpmb", "status": "da_giai_quyet", "resolved_date": dt.date(2025, 3, 20)})
        add_record(db, ADMIN, "monitoring", {
            "kind": "giam_sat", "topic": "Giám sát thực hiện chính sách hỗ trợ hộ nghèo", "lead_body": "mttq",
            "start_date": dt.date(2025, 2, 5), "end_date": dt.date(2025, 2, 7), "target_units": village,
            "members": 5, "recommendations": 2, "follow_up": "dang"})
        site = add_record(db, ADMIN, "religious_site", {
            "name": f"Điểm nhóm Tin lành bản Nà Khum ({code}, {i})", "religion": "tin_lanh",
            "registration": "da_dang_ky", "followers": 120, "households": 25}, unit=village)
        add_record(db, ADMIN, "religious_check", {
            "date": dt.date(2025, 3, 12), "site_id": site.id, "checking_body": "bcd_ton_giao",
            "content": "Kiểm tra sinh hoạt tôn giáo", "result": "chap_hanh_tot"}, unit=village)
        add_record(db, ADMIN, "model", {
            "registrant_kind": "tap_the", "registrant": "Hội Nông dân xã", "name": f"Nuôi bò vỗ béo ({code}, {i})",
            "field": "kinh_te", "registered_date": dt.date(2024, 11, 2), "status": "cong_nhan",
            "award": "Giấy khen của UBND huyện", "award_date": dt.date(2025, 3, 1), "replicated": True})
        add_record(db, ADMIN, "model", {
            "registrant_kind": "ca_nhan", "registrant": "Tòng Thị Hoa", "name": f"Dân vận khéo ({code}, {i})",
            "field": "van_hoa_xa_hoi", "registered_date": dt.date(2025, 2, 20), "status": "dang_ky"})
    # Outside the period: stays at home.
    add_record(db, ADMIN, "meeting", {"kind": "tap_huan", "title": f"Tập huấn quý II ({code})",
                                      "date": dt.date(2025, 4, 20), "participants": 30})
    gone = add_record(db, ADMIN, "meeting", {"kind": "khac", "title": f"Nhập nhầm ({code})",
                                             "date": dt.date(2025, 3, 3), "participants": 7})
    out["deleted"] = delete_record(db, ADMIN, "meeting", gone.id)
    return out


def record_state(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored record row (envelope and values) of a database file, for before/after comparisons."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        state = {k: sorted(c.execute(f"SELECT * FROM {k}").fetchall()) for k in RECORD_TABLES}
        state["merge_conflict"] = sorted(c.execute("SELECT id, record_id, status FROM merge_conflict").fetchall())
        state["unit"] = sorted(c.execute("SELECT code, name, parent_id FROM unit").fetchall())
    c.close()
    return state


def soffice(*args: str, cwd: Path | None = None, profile: Path) -> None:
    """Run LibreOffice headless with its own profile folder (first runs and parallel runs stay apart)."""
    r = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", *args],
                       capture_output=True, text=True, timeout=180, cwd=cwd)
    assert r.returncode == 0, r.stderr


def libreoffice_resave(src: Path, out_dir: Path, profile: Path) -> Path:
    """The file as LibreOffice writes it back (what arrives when someone opened and saved a package)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    soffice("--convert-to", "xlsx", "--outdir", str(out_dir), str(src), profile=profile)
    return out_dir / src.name


def libreoffice_csv(src: Path, out_dir: Path, profile: Path) -> dict[str, str]:
    """Every sheet as UTF-8 CSV of the displayed values (PLATFORM-NOTES' filter string, all sheets)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    soffice("--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir", str(out_dir), str(src), profile=profile)
    return {p.stem[len(src.stem) + 1:]: p.read_text(encoding="utf-8") for p in out_dir.glob(f"{src.stem}-*.csv")}


def canonical_checksum(path: Path) -> str:
    """The canonical-form SHA-256 of a package's current content (what a self-consistent producer would write)."""
    with PackageReader(path, newest_schema=SCHEMA_VERSION) as pkg:
        pkg.read_units()
        for _ in pkg.records(check=False):
            pass
        return pkg._hash.hexdigest()


def edit_cells(path: Path, sheet: str, edits: dict[tuple[int, str], Any], *, reseal: bool = False) -> None:
    """Change cells (row, column key) of a package with openpyxl; reseal=True recomputes the checksum."""
    wb = load_workbook(path)
    ws = wb[sheet]
    keys = {c.value: c.column for c in ws[2]}
    for (row, key), value in edits.items():
        ws.cell(row, keys[key], value)
    wb.save(path)
    if reseal:
        reseal_package(path)


def reseal_package(path: Path) -> None:
    """Recompute the checksum and sign it with a fresh key: a self-consistent package from another program."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from danvan_desktop.exchange.package_format import signed_message

    checksum = canonical_checksum(path)
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    set_meta(path, {"checksum": checksum, "signature.public_key": base64.b64encode(public).decode(),
                    "signature": base64.b64encode(key.sign(signed_message(checksum))).decode()})


def set_meta(path: Path, values: dict[str, Any]) -> None:
    """Set metadata values of a package (the checksum row is not part of the checksum)."""
    wb = load_workbook(path)
    ws = wb[META_SHEET]
    for row in ws.iter_rows(min_row=3):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    wb.save(path)


def cli_json(text: str) -> Any:
    """The JSON a command printed."""
    return json.loads(text)


def bulk_meetings(db: Database, unit_code: str, n: int, month: int = 2) -> None:
    """n meetings in one transaction (the services' own stored form), for tests that need volume quickly."""
    import uuid

    from sqlalchemy import select

    from danvan_desktop.domain.kinds import KIND_BY_KEY
    from danvan_desktop.services.records import stored_columns
    from danvan_desktop.store.schema import Unit

    kind = KIND_BY_KEY["meeting"]
    now = dt.datetime(2025, month, 28, 9, 0, 0)
    with db.transaction() as s:
        unit = s.scalar(select(Unit).where(Unit.code == unit_code))
        assert unit is not None
        rows = []
        for i in range(n):
            v = {"kind": "tuyen_truyen", "title": f"Tuyên truyền Nghị quyết, đợt {i}",
                 "date": dt.date(2025, month, 1 + i % 28), "location": "Hội trường", "organizer": "ban_dan_van",
                 "chair": "Đèo Văn Thắng", "participants": 40 + i % 50, "women": 10, "ethnic_minority": 20}
            rows.append({"id": str(uuid.uuid4()), "unit_id": unit.id, "created_at": now, "updated_at": now,
                         "created_by": "admin", "updated_by": "admin", "revision": 1, "deleted": False, "notes": "",
                         **stored_columns(kind, v, "", unit.name)})
        s.execute(RECORD_TABLES["meeting"].insert(), rows)
