"""Hostile and broken files given to the template import: a clear message, nothing stored, bounded time."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from openpyxl import load_workbook

from danvan_desktop.exchange import template as tpl
from danvan_desktop.exchange.template import TemplateRejected, import_template, write_template
from danvan_desktop.services.records import count_by_kind, list_records
from tests.conftest import ADMIN


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template(path)
    wb = load_workbook(path)
    ws = wb["Hội nghị"]
    for col, v in enumerate(["", "khac", "Gặp mặt", "01/02/2023"], start=1):
        ws.cell(3, col, v)
    wb.save(path)
    return path


def refused(db, path, match):
    start = time.monotonic()
    with pytest.raises(TemplateRejected, match=match):
        import_template(db, ADMIN, path)
    assert time.monotonic() - start < 20
    assert sum(count_by_kind(db, ADMIN).values()) == 0


def test_truncated_file(commune, good, tmp_path):
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    refused(commune, cut, "“cut.xlsx” bị hỏng, không mở được như một tệp Excel.$")


def test_zip_bomb(commune, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            chunk = b"0" * (1 << 20)
            for _ in range(400):  # 400 MB of zeros, about 400 KB packed
                f.write(chunk)
    assert bomb.stat().st_size < 2_000_000
    refused(commune, bomb, "giải nén ra quá lớn .* có thể là tệp độc hại, không mở")


def _replace_member(src, dest, name, data: bytes):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, data if item.filename == name else zin.read(item.filename))


def test_xml_entity_bomb(commune, good, tmp_path):
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
                     for i in range(9))
           + ']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol8;</workbook>')
    bad = tmp_path / "lol.xlsx"
    _replace_member(good, bad, "xl/workbook.xml", lol.encode())
    refused(commune, bad, "bị hỏng hoặc độc hại: có khai báo DTD")


def test_a_damaged_template_is_refused_in_vietnamese_only(commune, good, tmp_path):
    """A bad CRC inside a sheet: the message names the file and sheet, with none of the reader's English."""
    from tests.integration.test_trust_attacks import _bad_crc

    bad = _bad_crc(good, tmp_path / "hong.xlsx")
    with pytest.raises(TemplateRejected) as e:
        import_template(commune, ADMIN, bad)
    text = str(e.value)
    assert text.startswith("Tệp “hong.xlsx” bị hỏng, không đọc được"), text
    assert not re.search(r"Error|Bad|CRC|[Ee]xpect|\(", text), text  # no English, no "(…)" tail
    assert sum(count_by_kind(commune, ADMIN).values()) == 0


def test_a_million_rows_is_refused_quickly(commune, good, tmp_path, monkeypatch):
    big = tmp_path / "big.xlsx"
    with zipfile.ZipFile(good) as z:
        name = next(n for n in z.namelist() if n.startswith("xl/worksheets/") and
                    b"title" in z.read(n) and b"kind" in z.read(n))
        xml = z.read(name).decode()
    head, tail = xml.split("</sheetData>")
    rows = io.StringIO()
    for r in range(3, 1_000_003):
        rows.write(f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>khac</t></is></c></row>')
    _replace_member(good, big, name, (head + rows.getvalue() + "</sheetData>" + tail).encode())
    refused(commune, big, "giải nén ra quá lớn|quá .* dòng")


def test_row_limit_message(commune, good, monkeypatch):
    monkeypatch.setattr(tpl, "MAX_ROWS", 0)
    refused(commune, good, "có quá 0 dòng; hãy chia thành nhiều tệp")


def test_a_one_megabyte_cell_is_refused_by_the_field_rule(commune, good):
    wb = load_workbook(good)
    wb["Hội nghị"]["C3"] = "a" * 1_000_000
    wb.save(good)
    with pytest.raises(TemplateRejected) as e:
        import_template(commune, ADMIN, good)
    # openpyxl itself cuts a cell to Excel's 32,767 characters when saving; the rule still refuses it.
    assert e.value.errors == ["Trang “Hội nghị”, dòng 3, cột C: Nội dung không được dài quá 500 ký tự "
                              "(đang có 32.767)"]


def test_invisible_characters_are_cleaned_and_formulas_are_not_run(commune, good):
    wb = load_workbook(good)
    ws = wb["Hội nghị"]
    ws["C3"] = "Gặp\u200b mặt\ufeff già làng"
    ws["E3"] = '=HYPERLINK("http://x","bấm")'
    wb.save(good)
    import_template(commune, ADMIN, good)
    row = list_records(commune, ADMIN, "meeting").rows[0]
    assert row.title == "Gặp mặt già làng"
    assert row.values["location"] is None  # a formula with no stored result is not evaluated


def test_impossible_date(commune, good):
    wb = load_workbook(good)
    wb["Hội nghị"]["D3"] = "31/02/2022"
    wb.save(good)
    refused(commune, good, "có 1 lỗi")
