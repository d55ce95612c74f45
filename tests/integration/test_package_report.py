"""A commune's report text travels in its package: the sheet a person can read, covered by the checksum."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from danvan_desktop.exchange.package import export_package
from danvan_desktop.services import reports
from danvan_desktop.services.merge import apply_package
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, Q1, commune, office
from tests.stores import place

TEXT = "Bình Lư: mưa lũ làm sạt lở đường vào bản Lao Chải; Nhân dân góp công mở lại đường."


def test_report_text_goes_up_in_the_package_and_an_edited_sheet_is_refused(tmp_path: Path) -> None:
    x1 = commune(tmp_path, "X1")
    reports.save_section(x1, ADMIN, Q1, "ton_tai", own=TEXT + "\n" + "Dài " * 9000)  # > one Excel cell
    out = tmp_path / "x1.xlsx"
    export_package(x1, ADMIN, Q1, out)
    x1.close()
    ws = load_workbook(out)["Báo cáo"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3) if r[0].value == "ton_tai"]
    assert [r[1] for r in rows] == [1, 2] and rows[0][3].startswith(TEXT)  # read as a person would: two parts
    row = next(i for i, r in enumerate(ws.iter_rows(min_row=1), 1) if r[0].value == "ton_tai")
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    try:
        tampered = tmp_path / "x1-sua.xlsx"
        wb = load_workbook(out)
        wb["Báo cáo"].cell(row, 4).value = "Nội dung bị sửa tay"
        wb.save(tampered)
        refused = apply_package(district, ADMIN, tampered)
        assert not refused.ok and refused.reason == "edited"
        assert reports.child_texts(district, ADMIN, Q1) == {}  # nothing was kept from a refused package
        done = apply_package(district, ADMIN, out)
        assert done.ok, done.message
        texts = reports.child_texts(district, ADMIN, Q1)["ton_tai"]
        assert [t.unit_code for t in texts] == ["X1"] and texts[0].text == TEXT + "\n" + ("Dài " * 9000).strip()
    finally:
        district.close()


def test_a_package_without_report_text_has_no_sheet_and_merges(tmp_path: Path) -> None:
    x2 = commune(tmp_path, "X2")
    out = tmp_path / "x2.xlsx"
    export_package(x2, ADMIN, Q1, out)
    x2.close()
    assert "Báo cáo" not in load_workbook(out, read_only=True).sheetnames
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    try:
        assert apply_package(district, ADMIN, out).ok
        assert reports.child_texts(district, ADMIN, Q1) == {}
    finally:
        district.close()
