"""The package (Gói dữ liệu) a unit sends upward: its sheets, cells and checksum, read by real readers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from danvan_desktop.domain.fields import FieldType
from danvan_desktop.domain.indicators import INDICATOR_KEYS
from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.unit_identity import unit_identity
from danvan_desktop.domain.vocab import BOOLEAN, UNIT_LEVEL
from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.package_format import Col, Column, PackageReader
from danvan_desktop.exchange.xlsx_rows import XlsxBook
from danvan_desktop.exchange.xlsx_safety import ooxml_unescape
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.errors import PermissionDenied, Refused
from danvan_desktop.services.records import add_record, list_records
from danvan_desktop.services.summary import summarize
from danvan_desktop.store.schema import SCHEMA_VERSION
from tests.integration.test_package_support import (
    ADMIN,
    Q1,
    bulk_meetings,
    commune,
    hand_sql,
    libreoffice_csv,
    libreoffice_resave,
    needs_soffice,
    seed,
)

SHEETS = ["Thông tin", "Tổng hợp", "Đơn vị", "Hội nghị", "Ý kiến, kiến nghị", "Giám sát, kiểm tra",
          "Điểm nhóm, cơ sở tôn giáo", "Kiểm tra tôn giáo", "Mô hình “Dân vận khéo”"]
FORMULA_LIKE = ["=1+1 Hội nghị", "+84 912 345 678", "-5 hộ chưa nhận", "@Ban Dân vận", "#N/A", "=HYPERLINK(\"x\")"]


@pytest.fixture
def x1(tmp_path):
    db = commune(tmp_path, "X1")
    seed(db, "X1")
    yield db
    db.close()


def meta_of(path: Path) -> dict[str, Any]:
    ws = load_workbook(path, read_only=True)["Thông tin"]
    return {r[0]: r[1] for r in ws.iter_rows(min_row=3, values_only=True)}


def test_sheets_headers_metadata_and_content_are_as_documented(x1, tmp_path):
    out = tmp_path / "goi.xlsx"
    info = export_package(x1, ADMIN, Q1, out)
    wb = load_workbook(out)
    assert wb.sheetnames == SHEETS
    meta = meta_of(out)
    assert meta["format"] == "danvan-package" and meta["format_version"] == 1
    assert (meta["unit.code"], meta["unit.name"], meta["unit.level"]) == ("X1", "Xã Bình Lư", "xa")
    assert [meta["ancestor.1.code"], meta["ancestor.1.level"], meta["ancestor.2.code"]] == ["105", "huyen", "12"]
    assert (meta["period"], meta["period.from"], meta["period.to"]) == ("2025-Q1", "2025-01-01", "2025-03-31")
    assert meta["schema_version"] == SCHEMA_VERSION and meta["exported_by"] == "admin"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["exported_at"])
    assert re.fullmatch(r"[0-9a-f]{64}", meta["checksum"]) and meta["checksum"] == info.checksum
    # Events of the period (the tombstone too), not the April meeting; both registries whole.
    assert meta["count.meeting"] == 3 and meta["count.deleted"] == 1 and meta["count.model"] == 2
    assert info.counts == {k.key: meta[f"count.{k.key}"] for k in KINDS}

    ws = wb["Hội nghị"]
    labels, keys = [c.value for c in ws[1]], [c.value for c in ws[2]]
    assert "Loại hội nghị" in labels and "Số người tham dự" in labels and ws["A1"].font.b
    assert {"id", "unit", "created_at", "updated_at", "created_by", "updated_by", "revision", "deleted",
            "notes"} <= set(keys) and [f.key for f in KINDS[0].fields] == [k for k in keys if k in KINDS[0].keys]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")
    rows = [dict(zip(keys, (c.value for c in r), strict=False)) for r in ws.iter_rows(min_row=3)]
    titles = {r["title"] for r in rows}
    assert any("Tiếp xúc cử tri" in t for t in titles) and not any("quý II" in t for t in titles)
    first = next(r for r in rows if r["kind"] == "Tiếp xúc cử tri")
    assert first["unit"] == "X1-01" and first["organizer"] == "Ủy ban MTTQ" and first["deleted"] == "Không"
    assert next(r for r in rows if "Nhập nhầm" in r["title"])["deleted"] == "Có"
    date_cell = ws.cell(3, keys.index("date") + 1)
    assert date_cell.is_date and date_cell.number_format == "dd/mm/yyyy"
    assert isinstance(first["created_at"], dt.datetime) and first["created_at"].microsecond == 0
    units = [[c.value for c in r] for r in wb["Đơn vị"].iter_rows(min_row=3)]
    x1_uid = unit_identity("local", "X1", "legacy:105")
    assert units == [["X1", "Xã Bình Lư", UNIT_LEVEL.label("xa"), "105", "Mã do đơn vị tự đặt", x1_uid, "legacy:105"],
                     ["X1-01", "Bản Nà Khum X1", UNIT_LEVEL.label("thon"), "X1", "Mã do đơn vị tự đặt",
                      unit_identity("local", "X1-01", x1_uid), x1_uid]]


def test_summary_sheet_holds_the_one_summary_computation(x1, tmp_path):
    out = tmp_path / "goi.xlsx"
    export_package(x1, ADMIN, Q1, out)
    summary = summarize(x1, ADMIN, Q1)
    ws = load_workbook(out)["Tổng hợp"]
    keys = [c.value for c in ws[2]]
    # openpyxl does not decode the spreadsheet escape "_x005F_" that Excel and LibreOffice decode.
    rows = {ooxml_unescape(r[keys.index("key")]): r for r in ws.iter_rows(min_row=3, values_only=True)}
    # The summary sheet lists the table indicators (the per-body ones feed the report's sentences).
    assert set(rows) == set(INDICATOR_KEYS)
    for key, r in rows.items():
        assert (r[keys.index("current")], r[keys.index("previous")]) == (summary.current.indicators[key],
                                                                         summary.previous.indicators[key]), key
    assert rows["meetings.total"][keys.index("current")] == 2  # the tombstone does not count
    assert "quý I năm 2025" in ws.cell(1, keys.index("current") + 1).value


def test_summary_sheet_of_a_running_year_stops_at_the_export_day(x1, tmp_path, monkeypatch):
    import danvan_desktop.exchange.package as package_module

    add_record(x1, ADMIN, "meeting", {"kind": "khac", "title": "Họp cuối năm", "date": dt.date(2025, 12, 5)})
    monkeypatch.setattr(package_module, "utcnow", lambda: dt.datetime(2025, 11, 24, 3, 0))
    out = tmp_path / "goi-nam.xlsx"
    year = Period.year(2025)
    export_package(x1, ADMIN, year, out)
    summary = summarize(x1, ADMIN, year, today=dt.date(2025, 11, 24))
    ws = load_workbook(out)["Tổng hợp"]
    keys = [c.value for c in ws[2]]
    rows = {ooxml_unescape(r[keys.index("key")]): r for r in ws.iter_rows(min_row=3, values_only=True)}
    for key, r in rows.items():
        assert (r[keys.index("current")], r[keys.index("previous")]) == (summary.current.indicators[key],
                                                                         summary.previous.indicators[key]), key
    # The December meeting lies after the export day: the whole year would count it.
    assert summarize(x1, ADMIN, year).current.indicators["meetings.total"] == (
        rows["meetings.total"][keys.index("current")] + 1)
    assert ws.cell(1, keys.index("current") + 1).value == "Kỳ này (năm 2025, đến ngày 24/11/2025)"
    assert ws.cell(1, keys.index("previous") + 1).value == "Cùng kỳ năm trước (năm 2024, đến ngày 24/11/2024)"


# ---- the checksum, recomputed from the module's documentation alone -----------------------------------------

_ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _documented_checksum(path: Path) -> str:
    """An independent implementation of the canonical form, as another office's program would write it."""
    wb = load_workbook(path)

    def text(v: Any) -> Any:
        return _ESC.sub(lambda m: chr(int(m[1], 16)), v) if isinstance(v, str) else v

    def rows(title: str) -> list[list[Any]]:
        out = [[text(v) for v in r] for r in wb[title].iter_rows(values_only=True)]
        out = [r for r in out if any(v not in (None, "") for v in r)]
        keys = list(out[1])
        while keys and keys[-1] is None:
            keys.pop()
        return [keys] + [(list(r) + [None] * len(keys))[:len(keys)] for r in out[2:]]

    def enum(labels: dict[str, str]) -> Any:
        back = {label: key for key, label in labels.items()}
        return lambda v: back.get(v, v)

    def typed(kind: str, key: str) -> Any:
        if key in ("created_at", "updated_at"):
            return lambda v: v.replace(microsecond=0).isoformat()
        if key == "deleted":
            return lambda v: v == BOOLEAN.label("co")
        if key == "revision":
            return int
        k = next(k for k in KINDS if k.key == kind)
        if key not in k.keys:
            return str
        f = k.field(key)
        if f.type is FieldType.DATE:
            return lambda v: v.date().isoformat()
        if f.type is FieldType.INT:
            return int
        if f.type is FieldType.BOOL:
            return lambda v: v == BOOLEAN.label("co")
        if f.type is FieldType.ENUM:
            assert f.vocab is not None
            return enum(dict(f.vocab.items))
        return str

    lines = ["danvan-package/1"]
    meta = rows("Thông tin")
    titles = {r[0][len("sheet."):]: r[1] for r in meta[1:] if str(r[0]).startswith("sheet.")}
    lines += ["#meta", json.dumps(meta[0], ensure_ascii=False, separators=(",", ":"))]
    lines += [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in meta[1:]
              if r[0] != "checksum" and not str(r[0]).startswith("signature")]
    summary = rows(titles["summary"])
    lines += ["#summary"] + [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in summary]
    units = rows(titles["units"])
    level, scheme = enum(dict(UNIT_LEVEL.items)), enum({"local": "Mã do đơn vị tự đặt"})
    lines += ["#units", json.dumps(units[0], ensure_ascii=False, separators=(",", ":"))]
    for r in units[1:]:
        r[2], r[4] = level(r[2]), scheme(r[4])
        lines.append(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
    for k in KINDS:
        sheet = rows(titles[k.key])
        keys = sheet[0]
        conv = [typed(k.key, key) for key in keys]
        lines += [f"#{k.key}", json.dumps(keys, ensure_ascii=False, separators=(",", ":"))]
        for r in sheet[1:]:
            lines.append(json.dumps([None if v in (None, "") else c(v) for c, v in zip(conv, r, strict=True)],
                                    ensure_ascii=False, separators=(",", ":")))
    return hashlib.sha256(("\n".join(lines) + "\n").encode("utf-8")).hexdigest()


def test_checksum_can_be_reproduced_from_the_documented_canonical_form(x1, tmp_path):
    add_record(x1, ADMIN, "meeting", {"kind": "khac", "title": "Ký tự “lạ” & <thẻ> _x000A_ \\ \"trích\"\tcó tab",
                                      "date": dt.date(2025, 1, 2), "participants": 1}, notes="Dòng 1\nDòng 2")
    out = tmp_path / "goi.xlsx"
    info = export_package(x1, ADMIN, Q1, out)
    assert _documented_checksum(out) == info.checksum == meta_of(out)["checksum"]


# ---- formula-like text, long text, rights, progress ---------------------------------------------------------

@needs_soffice
def test_text_a_spreadsheet_would_run_stays_text_in_excel_and_libreoffice(tmp_path):
    db = commune(tmp_path, "X1")
    for title in FORMULA_LIKE:
        add_record(db, ADMIN, "meeting", {"kind": "khac", "title": title, "date": dt.date(2025, 2, 1),
                                          "participants": 3}, notes=title)
    out = tmp_path / "goi.xlsx"
    export_package(db, ADMIN, Q1, out)
    ws = load_workbook(out)["Hội nghị"]
    keys = [c.value for c in ws[2]]
    cells = [r[keys.index("title")] for r in ws.iter_rows(min_row=3)]
    assert sorted(c.value for c in cells) == sorted(FORMULA_LIKE)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    csv = libreoffice_csv(out, tmp_path / "csv", tmp_path / "lo")["Hội nghị"]
    for title in FORMULA_LIKE:
        assert f'"{title}"' in csv.replace('""', '"') or f",{title}," in csv, title
    assert "2" not in [line.split(",")[3] for line in csv.splitlines()[2:]]  # "=1+1" was not computed


@needs_soffice
def test_libreoffice_shows_vietnamese_text_dates_and_counts(x1, tmp_path):
    out = tmp_path / "goi.xlsx"
    info = export_package(x1, ADMIN, Q1, out)
    sheets = libreoffice_csv(out, tmp_path / "csv", tmp_path / "lo")
    assert set(sheets) == set(SHEETS)
    meetings = sheets["Hội nghị"].splitlines()
    assert meetings[0].startswith("Mã đơn vị,Tên đơn vị,Loại hội nghị,Nội dung,Ngày")
    assert len(meetings) - 2 == info.counts["meeting"]
    assert any("Tiếp xúc cử tri trước kỳ họp HĐND xã (X1, 0)" in line and "10/01/2025" in line
               and "Bản Nà Khum X1" in line for line in meetings)
    assert "Điểm nhóm Tin lành bản Nà Khum (X1, 0)" in sheets["Điểm nhóm, cơ sở tôn giáo"]
    meta = sheets["Thông tin"]
    assert "count.meeting,3," in meta and "unit.name,Xã Bình Lư," in meta
    summary = {line.split(",")[-1]: line for line in sheets["Tổng hợp"].splitlines()}
    assert ",2,0,+2," in summary["meetings.total"] and summary["models.by_field.van_hoa_xa_hoi"]


def test_text_longer_than_an_excel_cell_is_refused_before_anything_is_written(x1, tmp_path):
    # The form refuses such a note now (the bound of notes); a database edited by hand can still hold one.
    rec = add_record(x1, ADMIN, "meeting", {"kind": "khac", "title": "Biên bản dài", "date": dt.date(2025, 1, 5),
                                            "participants": 3})
    hand_sql(x1, "UPDATE meeting SET notes = ? WHERE id = ?", "Nội dung rất dài. " * 2_500, rec.id)
    out = tmp_path / "goi.xlsx"
    with pytest.raises(Refused, match=r"“Biên bản dài” có “Ghi chú” dài 45\.000 ký tự, quá giới hạn 32\.767"):
        export_package(x1, ADMIN, Q1, out)
    assert list(tmp_path.glob("*.xlsx")) == [] and list(tmp_path.glob(".*dang-ghi")) == []


def test_religious_records_leave_only_with_the_right_to_see_them(x1, tmp_path):
    with pytest.raises(PermissionDenied, match="không có quyền xem dữ liệu tôn giáo"):
        export_package(x1, Actor("canbo", "can_bo"), Q1, tmp_path / "goi.xlsx")
    with pytest.raises(PermissionDenied):
        export_package(x1, Actor("vanthu", "van_thu"), Q1, tmp_path / "goi.xlsx")
    assert not (tmp_path / "goi.xlsx").exists()


def test_export_reports_progress_and_is_audited(tmp_path):
    db = commune(tmp_path, "X1")
    bulk_meetings(db, "X1-01", 2_600)
    seen: list[tuple[int, int]] = []
    info = export_package(db, ADMIN, Q1, tmp_path / "goi.xlsx", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (info.total, info.total) and len(seen) >= info.total // 500
    assert all(a <= b for (a, _), (b, _) in zip(seen, seen[1:], strict=False))
    from danvan_desktop.services.history import list_audit

    last = list_audit(db, ADMIN)[0]
    assert (last.action, last.detail["period"], last.detail["checksum"]) == ("export", "2025-Q1", info.checksum)


def test_a_district_exports_the_subtree_of_a_commune_it_holds(x1, tmp_path):
    out = tmp_path / "thon.xlsx"
    info = export_package(x1, ADMIN, Q1, out, unit_code="X1-01")
    meta = meta_of(out)
    assert (meta["unit.code"], meta["ancestor.1.code"], meta["ancestor.2.code"]) == ("X1-01", "X1", "105")
    village = list_records(x1, ADMIN, "meeting").rows
    assert info.counts["meeting"] == sum(1 for r in village if r.unit_code == "X1-01")


# ---- the two readers agree --------------------------------------------------------------------------------

_TEXT = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Co"),
                                       blacklist_characters="\ufffe\uffff"), max_size=8)
                 | st.sampled_from(["\t", "\n", "&", "<", ">", "\"", "'", "_x000A_", "_xa_", "_x", "ệ", "😀",
                                    "=", "+", "-", "@", "#N/A", " ", "&amp;", "&#7871;"]), max_size=6).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_TEXT, min_size=1, max_size=12), numbers=st.lists(st.integers(-10**12, 10**12), max_size=4))
def test_the_reader_and_openpyxl_read_the_same_values(tmp_path, texts, numbers):
    from openpyxl import load_workbook

    from danvan_desktop.exchange.package import _SheetWriter
    from danvan_desktop.exchange.xlsx_safety import ooxml_unescape

    wb = Workbook(write_only=True)
    w = _SheetWriter(wb, "T", tuple(Column(f"c{i}", f"Cột {i}", Col.TEXT) for i in range(len(texts))))
    row: list[Any] = [w.text(i, t) if t else None for i, t in enumerate(texts)]
    w.append(row + numbers + [True, dt.datetime(2025, 3, 1, 8, 9, 10)])
    w.append([None, "x"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    with XlsxBook(path) as book:
        ours = list(book.rows("T"))
    ref = load_workbook(path, read_only=True)
    theirs = [[ooxml_unescape(c.value) if isinstance(c.value, str) else c.value for c in r]
              for r in ref["T"].iter_rows()]
    ref.close()
    assert [r for _, r in ours][2][:-1] == [None if v == "" else v for v in theirs[2]][:-1]
    assert ours[2][1][-1] == dt.datetime(2025, 3, 1, 8, 9, 10)
    expected = [t or None for t in texts] + numbers + [True]
    while expected and expected[-1] is None:
        expected.pop()
    assert ours[2][1][:len(expected)] == expected


@needs_soffice
def test_a_package_saved_again_unchanged_by_libreoffice_reads_the_same_and_still_verifies(x1, tmp_path):
    out = tmp_path / "goi.xlsx"
    export_package(x1, ADMIN, Q1, out)
    again = libreoffice_resave(out, tmp_path / "lo-out", tmp_path / "lo")

    def read(path: Path) -> tuple[Any, ...]:
        with PackageReader(path, newest_schema=SCHEMA_VERSION) as pkg:
            units = pkg.read_units()
            recs = [(k, r.id, r.unit_code, r.values, r.notes, r.revision, r.deleted, r.created_at, r.updated_at)
                    for k, batch in pkg.records() for r in batch]
            pkg.verify()
            return units, recs

    ours, theirs = read(out), read(again)
    assert ours == theirs and len(ours[1]) == sum(meta_of(out)[f"count.{k.key}"] for k in KINDS)
