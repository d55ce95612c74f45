"""A merge keeps search indexes, kept figures and seals per batch (store/sqlite.py bulk_insert_upkeep,
services/seals.py sealed_inserts): the result must be exactly what the per-row triggers and the seal pass
after the inserts give, and a refused package must leave the triggers as they were."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from danvan_desktop.domain.kinds import KIND_BY_KEY, KINDS
from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.package_format import sheet_title
from danvan_desktop.services import merge as merge_service
from danvan_desktop.services.audit import verify_chain
from danvan_desktop.services.figures_check import check_figures
from danvan_desktop.services.merge import apply_package
from danvan_desktop.services.records import add_record
from danvan_desktop.services.seals import broken_seals
from danvan_desktop.store.schema import RECORD_TABLES, TALLIES
from tests.integration.test_package_support import (
    ADMIN,
    DISTRICT,
    PROVINCE,
    Q1,
    commune,
    edit_cells,
    office,
    seed,
)

TODAY = dt.date(2026, 11, 24)
WORDS = ["a", "đ", "ba", "nà", "uy", "kho", "tiếp xúc", "xã bình", "hội", "zz"]


def _triggers(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as c:
        out = sorted(c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    c.close()
    return out


def _state(path: Path) -> dict[str, object]:
    """Kept figures, and for each table and word the record ids each search index finds and LIKE finds."""
    from danvan_desktop.domain.text import fold

    out: dict[str, object] = {}
    merged = "AND unit_id <> (SELECT id FROM unit WHERE code = '105')"  # not the district's own (ids differ)
    with sqlite3.connect(path) as c:
        for t in TALLIES:
            out[t.table] = sorted(c.execute(f"SELECT * FROM {t.table} WHERE n <> 0").fetchall())
        for name in RECORD_TABLES:
            for word in WORDS:
                w = fold(word)
                like = sorted(r[0] for r in c.execute(f"SELECT id FROM {name} WHERE search_text LIKE ? {merged}",
                                                      (f"%{w}%",)))
                if len(w) >= 3:
                    fts = f"SELECT id FROM {name} WHERE rowid IN (SELECT rowid FROM {name}_fts WHERE " \
                          f"{name}_fts MATCH ?) {merged}"
                    found = sorted(r[0] for r in c.execute(fts, ('"' + w + '"',)))
                else:
                    query = " AND ".join('"' + p.encode().hex().upper() + '"' for p in w.split())
                    fts = f"SELECT id FROM {name} WHERE rowid IN (SELECT rowid FROM {name}_fts_short WHERE " \
                          f"{name}_fts_short MATCH ?) {merged}"
                    found = sorted(r[0] for r in c.execute(fts, (query,)))
                assert found == like, (name, word)
                out[f"{name}:{word}"] = found
        out["seals"] = sorted(c.execute(f"SELECT id, row_hash FROM meeting WHERE true {merged} UNION ALL "
                                        f"SELECT id, row_hash FROM petition").fetchall())
        out["audit_seal"] = c.execute("SELECT seal FROM audit_log WHERE action = 'import'").fetchall()
    c.close()
    return out


@pytest.fixture
def package(tmp_path: Path) -> Path:
    src = commune(tmp_path, "X1")
    seed(src, "X1", scale=4)
    out = tmp_path / "x1.xlsx"
    export_package(src, ADMIN, Q1, out)
    return out


def _district(tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    db = office(tmp_path / name, DISTRICT, [PROVINCE])
    # Something held already, so the merge adds to counts, indexes and rowids that exist.
    add_record(db, ADMIN, "meeting", {"kind": "doi_thoai", "title": "Đối thoại ở huyện", "date": dt.date(2025, 2, 3),
                                      "participants": 30, "women": 10})
    return db


def test_a_merge_gives_the_same_indexes_figures_and_seals_as_per_row_upkeep(tmp_path, package, monkeypatch):
    fixed = dt.datetime(2026, 11, 24, 8, 0, 0)
    monkeypatch.setattr(merge_service, "utcnow", lambda: fixed)  # stored_at is sealed: the same in both

    bulk = _district(tmp_path, "bulk.db")
    before = _triggers(bulk.path)
    assert apply_package(bulk, ADMIN, package, backup=False).ok

    # The reference: the per-row triggers and the seal pass after the inserts (the code before batches).
    monkeypatch.setattr(merge_service, "bulk_inserts", lambda conn, table: contextlib.nullcontext())
    monkeypatch.setattr(merge_service, "sealed_inserts", lambda s, table, rows: rows)
    per_row = _district(tmp_path, "per-row.db")
    assert apply_package(per_row, ADMIN, package, backup=False).ok

    assert _triggers(bulk.path) == before  # every trigger back, word for word
    a, b = _state(bulk.path), _state(per_row.path)
    meeting_ids = {k: v for k, v in a.items() if k.startswith("meeting:")}
    assert any(meeting_ids.values())  # the words do find records
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key
    assert check_figures(bulk, ADMIN, today=TODAY).ok
    with bulk.reader() as s:
        assert broken_seals(s) == ([], 0)
        assert verify_chain(s) == []
    # The seals of the merged rows and the digest the import's audit entry chains are the seal pass's (above).
    assert a["seals"] and a["audit_seal"] != [("",)]

    # After the merge, the triggers keep working row by row.
    add_record(bulk, ADMIN, "meeting", {"kind": "tap_huan", "title": "Tập huấn dân vận khéo",
                                        "date": dt.date(2025, 3, 3), "participants": 12, "women": 3})
    assert check_figures(bulk, ADMIN, today=TODAY).ok
    _state(bulk.path)  # indexes still agree with LIKE


def test_a_package_refused_after_its_rows_were_inserted_leaves_nothing_and_the_triggers(tmp_path, package):
    db = _district(tmp_path, "d.db")
    before = _triggers(db.path)
    with sqlite3.connect(db.path) as c:
        tallies_before = {t.table: sorted(c.execute(f"SELECT * FROM {t.table}").fetchall()) for t in TALLIES}
    c.close()
    # A changed cell on the last sheet: every record is read and inserted, then the checksum refuses it.
    edit_cells(package, sheet_title(KIND_BY_KEY[KINDS[-1].key]), {(3, KINDS[-1].title_field): "Sửa tay"})
    result = apply_package(db, ADMIN, package, backup=False)
    assert not result.ok
    assert _triggers(db.path) == before
    with sqlite3.connect(db.path) as c:
        assert c.execute("SELECT count(*) FROM meeting").fetchone()[0] == 1
        assert {t.table: sorted(c.execute(f"SELECT * FROM {t.table}").fetchall()) for t in TALLIES} == \
            tallies_before
    c.close()
    assert check_figures(db, ADMIN, today=TODAY).ok
    _state(db.path)
