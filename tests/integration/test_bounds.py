"""Issue 11 item 5 (data side), written as the attacks: numbers and texts beyond the declared bounds.

A hostile or careless office edits its own database by hand and exports a validly signed package, or fills
the template with absurd cells; the form, the template import and the merge refuse the same values with the
field named in Vietnamese, and nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from danvan_desktop.domain.fields import MAX_NOTES, MAX_REVISION
from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.domain.validation import ValidationError
from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.template import TemplateRejected, import_template, write_template
from danvan_desktop.services.merge import apply_package, preview_package
from danvan_desktop.services.records import add_record, count_by_kind
from danvan_desktop.services.setup import UnitSpec
from danvan_desktop.services.summary import summarize
from tests.integration.test_package_support import (
    ADMIN,
    DISTRICT,
    PROVINCE,
    Q1,
    edit_cells,
    hand_sql,
    office,
    record_state,
)
from tests.stores import place


def _meeting(db, title: str, participants: int = 10):
    return add_record(db, ADMIN, "meeting", {"kind": "tiep_xuc_cu_tri", "title": title,
                                            "date": dt.date(2025, 2, 3), "participants": participants})


@pytest.fixture
def pair(tmp_path):
    """Commune X1 (two meetings) and its district 105, both real files."""
    x1 = office(place(tmp_path, "x1.db"), UnitSpec("X1", "Xã Bình Lư", "xa"), [DISTRICT, PROVINCE])
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    a, b = _meeting(x1, "Hội nghị một"), _meeting(x1, "Hội nghị hai")
    yield x1, district, a, b
    x1.close()
    district.close()


def _refused_naming(district, package, *words: str) -> None:
    before = record_state(district)
    p = preview_package(district, ADMIN, package)
    r = apply_package(district, ADMIN, package)
    assert not p.ok and not r.ok, (p.message, r.message)
    for w in words:
        assert w in r.message, r.message
    assert record_state(district) == before


@pytest.mark.sqlite_only  # a server's integer columns cannot hold such a number: the edit is refused
def test_two_huge_counts_edited_into_a_commune_database_are_refused_and_summaries_keep_working(pair, tmp_path):
    x1, district, a, b = pair
    # Two such values reaching the district once overflowed SQLite's SUM there (2 × 5·10^18) and disabled
    # every summary, report and export; 4·10^18 each still lets the hostile commune export its own package.
    for rec, n in ((a, 4 * 10**18), (b, 10**12)):
        hand_sql(x1, "UPDATE meeting SET participants=? WHERE id=?", n, rec.id)
    package = tmp_path / "x1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    _refused_naming(district, package, "Số người tham dự không được lớn hơn 10.000.000")
    assert summarize(district, ADMIN, Q1).current.indicators["meetings.total"] == 0


@pytest.mark.sqlite_only  # a server's integer columns cannot hold such a number: the edit is refused
def test_a_revision_beyond_two_to_the_31_is_refused_in_preview_and_merge(pair, tmp_path):
    x1, district, a, _ = pair
    hand_sql(x1, "UPDATE meeting SET revision=? WHERE id=?", 2**31, a.id)
    package = tmp_path / "x1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    _refused_naming(district, package, "Lần sửa phải từ 1 đến 2.147.483.647")


def test_a_revision_of_two_to_the_63_written_by_another_program_is_refused(pair, tmp_path):
    x1, district, _, _ = pair
    package = tmp_path / "x1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    edit_cells(package, "Hội nghị", {(3, "revision"): 2**63}, reseal=True)
    _refused_naming(district, package, "Lần sửa")


def test_a_40000_character_note_in_a_package_is_refused_with_the_field_named(pair, tmp_path):
    # openpyxl writes what Excel keeps of it (32,767 characters): still beyond the bound of notes.
    x1, district, _, _ = pair
    package = tmp_path / "x1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    edit_cells(package, "Hội nghị", {(3, "notes"): "ghi chú " * 5000}, reseal=True)
    _refused_naming(district, package, "Ghi chú không được dài quá 32.000 ký tự")


def test_a_one_line_field_of_a_megabyte_edited_into_the_database_is_refused(pair, tmp_path):
    x1, district, a, _ = pair
    hand_sql(x1, "UPDATE meeting SET location=? WHERE id=?", "x" * 20_000, a.id)
    package = tmp_path / "x1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    _refused_naming(district, package, "Địa điểm không được dài quá 1.000 ký tự")


def test_the_form_refuses_the_same_values_with_the_same_messages(commune):
    with pytest.raises(ValidationError) as e:
        add_record(commune, ADMIN, "meeting", {"kind": "khac", "title": "Hội nghị", "date": "01/02/2025",
                                               "participants": 10**20}, notes="x" * 40_000)
    assert "Số người tham dự không được lớn hơn 10.000.000" in str(e.value)
    with pytest.raises(ValidationError) as e:
        add_record(commune, ADMIN, "meeting", {"kind": "khac", "title": "Hội nghị", "date": "01/02/2025"},
                   notes="x" * (MAX_NOTES + 1))
    assert [err.field for err in e.value.errors] == ["notes"]
    assert sum(count_by_kind(commune, ADMIN).values()) == 0


def test_every_count_field_declares_a_maximum_and_every_text_a_length():
    for k in KINDS:
        for f in k.fields:
            if f.type.value == "int":
                assert f.max_value is not None and f.max_value <= 10**7, (k.key, f.key)
            if f.type.value in ("text", "longtext", "ref", "units"):
                assert f.max_len <= 32_000, (k.key, f.key)
    assert MAX_REVISION == 2**31 - 1


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template(path)
    return path


def _fill_meeting(template, participants) -> None:
    wb = load_workbook(template)
    ws = wb["Hội nghị"]
    for col, v in enumerate(["", "Tiếp xúc cử tri", "Hội nghị", "01/02/2025", "", "", "", participants], start=1):
        ws.cell(3, col, v)
    wb.save(template)


@pytest.mark.parametrize("cell, shown", [
    (10**20, "Số người tham dự không được lớn hơn 10.000.000"),
    (1e20, "Số người tham dự không được lớn hơn 10.000.000"),
    (2.5, "Số người tham dự phải là một số nguyên (đang là “2,5”)"),
    ("2.5", "Số người tham dự phải là một số nguyên (đang là “2.5”)"),
    ("2,5", "Số người tham dự phải là một số nguyên (đang là “2,5”)"),
    ("1" * 400, "Số người tham dự phải là một số nguyên"),
])
def test_template_cells_out_of_bounds_or_fractional_are_refused_at_their_cell(commune, template, cell, shown):
    _fill_meeting(template, cell)
    with pytest.raises(TemplateRejected) as e:
        import_template(commune, ADMIN, template)
    assert len(e.value.errors) == 1
    assert e.value.errors[0].startswith(f"Trang “Hội nghị”, dòng 3, cột H: {shown}"), e.value.errors
    assert sum(count_by_kind(commune, ADMIN).values()) == 0


@pytest.mark.parametrize("cell, stored", [(1858, 1858), ("1.858", 1858), ("1 858", 1858), (120.0, 120)])
def test_template_whole_numbers_as_people_write_them_are_read(commune, template, cell, stored):
    _fill_meeting(template, cell)
    import_template(commune, ADMIN, template)
    assert summarize(commune, ADMIN, Q1).current.indicators["meetings.participants"] == stored


def test_a_count_of_five_thousand_digits_in_a_package_is_refused_not_a_traceback(pair, tmp_path):
    x1, district, _, _ = pair
    package = tmp_path / "x1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    edit_cells(package, "Hội nghị", {(3, "participants"): "9" * 5000}, reseal=True)
    _refused_naming(district, package, "Số người tham dự", "không đọc được")


def test_names_longer_than_their_column_are_refused_in_vietnamese_on_both_stores(district):
    """A server (PostgreSQL) enforces a name column's length where SQLite would store more: the program says so
    in Vietnamese before either store sees it, and the longest name that fits is kept whole."""
    from danvan_desktop.services.accounts import add_account, update_account
    from danvan_desktop.services.errors import Refused
    from danvan_desktop.services.units import add_unit, list_units, rename_unit

    with pytest.raises(Refused, match=r"Tên đơn vị “Xã Na+…” dài 201 ký tự, quá giới hạn 200 ký tự"):
        add_unit(district, ADMIN, code="X9", name="Xã N" + "a" * 197, level="xa", parent_code="105")
    with pytest.raises(Refused, match=r"Mã đơn vị “X+” dài 33 ký tự, quá giới hạn 32 ký tự"):
        add_unit(district, ADMIN, code="X" * 33, name="Xã Nà", level="xa", parent_code="105")
    with pytest.raises(Refused, match=r"Tên đơn vị .* dài 201 ký tự"):
        rename_unit(district, ADMIN, "X1", "Xã B" + "ư" * 197)
    longest = "Xã N" + "à" * 196
    add_unit(district, ADMIN, code="X9", name=longest, level="xa", parent_code="105")
    assert longest in {u.name for u in list_units(district)}
    with pytest.raises(Refused, match=r"Họ tên “Nguyễn Văn A+…” dài 201 ký tự, quá giới hạn 200 ký tự"):
        add_account(district, ADMIN, "canbo1", "matkhau123", "can_bo", full_name="Nguyễn Văn A" + "A" * 189)
    add_account(district, ADMIN, "canbo1", "matkhau123", "can_bo", full_name="Nguyễn Văn An")
    with pytest.raises(Refused, match=r"Họ tên .* dài 300 ký tự"):
        update_account(district, ADMIN, "canbo1", full_name="Đ" * 300)
