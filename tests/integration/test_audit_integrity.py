"""Issue 11 item 8, as the attacks: a record edited by hand, the last log entries deleted, the head rewritten.

The attacker opens the office's database with an SQLite tool (here: Python's sqlite3, as DB Browser would) and
changes rows behind the program's back; the audit check (the same one the audit screen runs) must say so.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.history import check_audit
from danvan_desktop.services.merge import apply_package
from danvan_desktop.services.records import add_record, delete_record, update_record
from danvan_desktop.store.sqlite import audit_head_file
from tests.conftest import ADMIN
from tests.integration.test_package_support import DISTRICT, PROVINCE, Q1, commune, office, seed
from tests.stores import place


def _sql(path, sql: str, *params) -> None:
    with sqlite3.connect(path) as c:
        c.execute(sql, params)
    c.close()


def _meeting(db, title="Tiếp xúc cử tri", participants=80):
    return add_record(db, ADMIN, "meeting", {"kind": "tiep_xuc_cu_tri", "title": title,
                                            "date": dt.date(2025, 2, 3), "participants": participants})


def test_an_untouched_office_passes_the_check_after_saves_edits_and_deletes(commune):
    m = _meeting(commune)
    update_record(commune, ADMIN, "meeting", m.id, {"participants": 90})
    delete_record(commune, ADMIN, "meeting", _meeting(commune, "Nhập nhầm").id)
    assert check_audit(commune, ADMIN) == []


def test_a_figure_changed_by_hand_in_the_database_is_noticed(commune):
    m = _meeting(commune)
    _meeting(commune, "Hội nghị khác")
    _sql(commune.path, "UPDATE meeting SET participants = 800 WHERE id = ?", m.id)
    problems = check_audit(commune, ADMIN)
    assert problems == [f"Hội nghị “Tiếp xúc cử tri” (mã {m.id}) đã bị sửa ngoài chương trình "
                        "(không khớp dấu niêm phong)"]


def test_a_record_inserted_by_hand_is_noticed(commune):
    m = _meeting(commune)
    with sqlite3.connect(commune.path) as c:
        cols = [r[1] for r in c.execute("PRAGMA table_info(meeting)") if r[1] not in ("id", "row_hash")]
        c.execute(f"INSERT INTO meeting (id, {', '.join(cols)}) SELECT 'aaaaaaaa-0000-4000-8000-000000000001', "
                  f"{', '.join(cols)} FROM meeting WHERE id = ?", (m.id,))
    c.close()
    assert any("aaaaaaaa-0000-4000-8000-000000000001" in p and "ngoài chương trình" in p
               for p in check_audit(commune, ADMIN))


def test_the_deleted_final_log_entry_is_noticed(commune):
    m = _meeting(commune)
    update_record(commune, ADMIN, "meeting", m.id, {"participants": 90})
    with sqlite3.connect(commune.path) as c:
        last = c.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        c.execute("DELETE FROM audit_log WHERE id = ?", (last,))
    c.close()
    problems = check_audit(commune, ADMIN)
    assert f"Mất các mục nhật ký cuối cùng: số {last}–{last} đã bị xóa" in problems


def test_deleting_the_last_entries_and_rewriting_the_head_setting_is_still_noticed_by_the_file(commune):
    _meeting(commune)
    _meeting(commune, "Thứ hai")
    with sqlite3.connect(commune.path) as c:
        last = c.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        prev = c.execute("SELECT id, hash FROM audit_log WHERE id = ?", (last - 1,)).fetchone()
        c.execute("DELETE FROM audit_log WHERE id = ?", (last,))
        c.execute("UPDATE setting SET value = ? WHERE key = 'audit_head'", (f'{{"id":{prev[0]},"hash":"{prev[1]}"}}',))
    c.close()
    assert audit_head_file(commune.engine).is_file()
    problems = check_audit(commune, ADMIN)
    assert any(f"ghi mục nhật ký số {last}" in p and "các mục cuối đã bị xóa" in p for p in problems), problems


def test_merged_records_are_sealed_so_a_merge_leaves_the_district_clean(tmp_path):
    x1 = commune(tmp_path, "X1")
    recs = seed(x1, "X1")
    package = tmp_path / "x1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    assert apply_package(district, ADMIN, package).ok
    assert check_audit(district, ADMIN) == []
    update_record(x1, ADMIN, "meeting", recs["meeting0"].id, {"participants": 300})  # replaced by the next one
    export_package(x1, ADMIN, Q1, tmp_path / "x1-b.xlsx")
    r = apply_package(district, ADMIN, tmp_path / "x1-b.xlsx")
    assert r.ok and r.counts.replaced == 1, r.message
    assert check_audit(district, ADMIN) == []
    _sql(district.path, "UPDATE religious_site SET followers = followers + 1")
    assert len([p for p in check_audit(district, ADMIN) if "Điểm nhóm" in p]) == 1
    x1.close()
    district.close()


def test_rows_a_bulk_generator_seals_itself_pass_the_check(commune):
    import uuid

    from sqlalchemy import select

    from danvan_desktop.domain.kinds import KIND_BY_KEY
    from danvan_desktop.services.records import stored_columns
    from danvan_desktop.services.seals import with_seals
    from danvan_desktop.store.schema import RECORD_TABLES, Unit

    with commune.reader() as s:
        uid = s.scalar(select(Unit.id).where(Unit.code == "03424-01"))
    now = dt.datetime(2025, 3, 1, 8, 30, 15, 123456)
    v = {"kind": "khac", "title": "Hàng loạt", "date": dt.date(2025, 3, 1), "participants": 5}
    rows = [{"id": str(uuid.uuid4()), "unit_id": uid, "created_at": now, "updated_at": now, "created_by": "admin",
             "updated_by": "admin", "revision": 1, "deleted": False, "notes": "",
             **stored_columns(KIND_BY_KEY["meeting"], v, "", "Bản Nà Khum")} for _ in range(3)]
    with commune.engine.begin() as conn:  # a raw connection: nothing seals these rows but themselves
        conn.execute(RECORD_TABLES["meeting"].insert(), with_seals(rows))
    assert check_audit(commune, ADMIN) == []
