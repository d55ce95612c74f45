"""`danvan report` and `export --format docx` as a district clerk types them (SPEC §8)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import docx

from tests.integration.test_cli import danvan, init
from tests.stores import place


def report(db: Path, *args: str):
    """Run `danvan --db DB --user admin report --period 2026 …`."""
    return danvan("--db", str(db), "--user", "admin", "report", "--period", "2026", *args)


def drafts(db: Path | str) -> list[tuple]:
    """The stored drafts, read outside the program (sqlite3 on a file, the driver on a server)."""
    if isinstance(db, str):  # a server URL
        import psycopg

        with psycopg.connect(db) as c:
            return [tuple(r) for r in c.execute("SELECT period, fields, revision FROM report").fetchall()]
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT period, fields, revision FROM report").fetchall()
    c.close()
    return rows


def test_report_json_section_text_file_set_fields_and_export_docx(tmp_path: Path) -> None:
    db = place(tmp_path, "x.db")
    assert init(db).returncode == 0
    text = tmp_path / "kho-khan.txt"
    text.write_text("Địa bàn rộng, giao thông đi lại khó khăn;\nmùa mưa lũ thường bị chia cắt.", encoding="utf-8")
    r = report(db, "--section", "kho_khan", "--text-file", str(text))
    assert r.returncode == 0, r.stderr
    r = report(db, "--set", "number=03-BC/ĐU", "date=2026-02-05", "signer_name=Lò Văn Thành",
               "recipients=Ban Dân vận Tỉnh ủy;Lưu Văn phòng")
    assert r.returncode == 0, r.stderr
    r = report(db, "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["unit"] == "03424" and got["period"] == "2026"
    assert got["fields"]["number"] == "03-BC/ĐU" and got["fields"]["date"] == "2026-02-05"
    assert got["fields"]["recipients"] == ["Ban Dân vận Tỉnh ủy", "Lưu Văn phòng"]
    sections = {s["key"]: s for s in got["sections"]}
    assert sections["kho_khan"]["own"] == "Địa bàn rộng, giao thông đi lại khó khăn;\nmùa mưa lũ thường bị chia cắt."
    assert set(sections["cap_uy"]) >= {"key", "heading", "generated", "own", "stale"}
    out = tmp_path / "bc.docx"
    r = danvan("--db", str(db), "--user", "admin", "export", "--period", "2026", "--format", "docx", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Đã xuất báo cáo số 03-BC/ĐU năm 2026" in r.stdout
    paras = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "Địa bàn rộng, giao thông đi lại khó khăn;" in paras and "mùa mưa lũ thường bị chia cắt." in paras


def test_unknown_section_or_field_is_refused_in_vietnamese_and_nothing_changes(tmp_path: Path) -> None:
    db = place(tmp_path, "x.db")
    assert init(db).returncode == 0
    text = tmp_path / "t.txt"
    text.write_text("Nội dung", encoding="utf-8")
    r = report(db, "--section", "khokhan", "--text-file", str(text), "--set", "number=01-BC/ĐU")
    assert r.returncode != 0
    assert "Không có mục “khokhan”" in r.stderr and "thuan_loi, kho_khan" in r.stderr
    r = report(db, "--set", "number=01-BC/ĐU", "so=02")
    assert r.returncode != 0
    assert "Không có trường “so”" in r.stderr and "number, place, date, title, cutoff" in r.stderr
    r = report(db, "--set", "number=01-BC/ĐU", "date=2026-13-01")
    assert r.returncode != 0 and "không phải là ngày" in r.stderr
    assert drafts(db) == []  # nothing was stored by any refused command
