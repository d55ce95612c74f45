"""Alembic migrations: empty file to head, the models in step with the migrations, copy aside on upgrade."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from danvan_desktop.paths import migrations_path
from danvan_desktop.store.database import open_database
from danvan_desktop.store.errors import DatabaseDamaged, DatabaseTooNew
from danvan_desktop.store.schema import HEAD_REVISION, metadata
from danvan_desktop.store.sqlite import include_name
from tests.stores import place

pytestmark = pytest.mark.sqlite_only  # upgrades SQLite files made by earlier versions


def test_empty_file_migrates_to_head_with_wal_and_foreign_keys(tmp_path):
    db = open_database(place(tmp_path, "moi.db"))
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD_REVISION
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        tables = {r[0] for r in c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"unit", "account", "audit_log", "meeting", "petition", "monitoring", "religious_site",
            "religious_check", "model"} <= tables


def test_migrations_match_the_models(tmp_path):
    db = open_database(place(tmp_path, "moi.db"))
    with db.engine.connect() as c:
        ctx = MigrationContext.configure(c, opts={"render_as_batch": True, "include_name": include_name})
        diff = compare_metadata(ctx, metadata)
    assert diff == []


def test_head_revision_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_older_file_is_copied_aside_then_upgraded(tmp_path):
    path = place(tmp_path, "cu.db")
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    db = open_database(path)
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD_REVISION
    copies = list(tmp_path.glob("cu.truoc-nang-cap-0001-*.db"))
    if HEAD_REVISION == "0001":
        pytest.skip("only one revision so far: nothing to upgrade")
    assert len(copies) == 1


def test_newer_schema_and_garbage_files_are_refused(tmp_path):
    path = place(tmp_path, "moi.db")
    open_database(path).close()
    with sqlite3.connect(path) as c:
        c.execute("UPDATE alembic_version SET version_num='9999'")
    c.close()
    with pytest.raises(DatabaseTooNew, match="phiên bản Dân vận mới hơn"):
        open_database(path)
    junk = place(tmp_path, "rac.db")
    junk.write_bytes(b"PK\x03\x04 khong phai sqlite" * 100)
    with pytest.raises(DatabaseDamaged, match="không phải cơ sở dữ liệu của Dân vận"):
        open_database(junk)


def test_a_database_of_schema_0003_with_records_migrates_and_holds_reports(tmp_path):
    """An office's file from before composed reports: upgraded in place, its records kept, reports writable."""
    import datetime as dt

    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.services import reports
    from danvan_desktop.services.actor import SYSTEM

    path = place(tmp_path, "cu.db")
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.exec_driver_sql("INSERT INTO unit (id, code, name, level, parent_id, scheme, path, name_folded, "
                             "created_at) VALUES (1, '03424', 'Xã Bản Bo', 'xa', NULL, '2025', '/1/', 'xa ban bo', "
                             "'2026-01-01 00:00:00')")
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('home_unit', '\"03424\"')")
        conn.exec_driver_sql(
            "INSERT INTO meeting (id, unit_id, created_at, updated_at, created_by, updated_by, revision, deleted, "
            "notes, search_text, sort_key, kind, title, date, participants, women, ethnic_minority, organizer) "
            "VALUES ('7b0e6c1e-0000-4000-8000-000000000001', 1, '2026-01-01', '2026-01-01', 'a', 'a', 1, 0, '', "
            "'', '', 'doi_thoai', 'Đối thoại', '2026-03-02', 40, 10, 0, 'ubnd')")
    engine.dispose()
    db = open_database(path)
    try:
        year = parse_period("2026")
        reports.save_section(db, SYSTEM, year, "kho_khan", own="Khó khăn về giao thông.", today=dt.date(2026, 12, 31))
        doc = reports.compose(db, SYSTEM, year)
        assert doc.section("kho_khan").own == "Khó khăn về giao thông."
        assert "01 hội nghị" in doc.section("chinh_quyen").generated
    finally:
        db.close()


def test_a_0003_office_with_records_upgrades_sealed_clean_and_keeps_its_role_religion_rights(tmp_path):
    import datetime as dt

    from danvan_desktop.services.accounts import add_account, authenticate
    from danvan_desktop.services.audit import entry_hash
    from danvan_desktop.services.history import check_audit
    from danvan_desktop.services.records import add_record
    from danvan_desktop.services.setup import UnitSpec, init_office
    from tests.conftest import ADMIN, PASSWORD

    path = place(tmp_path, "xa.db")
    db = init_office(path, UnitSpec("03424", "Xã Bản Bo", "xa", "2025"), [], "admin", PASSWORD)
    add_account(db, ADMIN, "tonghop", PASSWORD, "tong_hop")
    add_record(db, ADMIN, "meeting", {"kind": "khac", "title": "Hội nghị", "date": dt.date(2025, 1, 2)})
    db.close()
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # the file as version 0003 left it
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    engine.dispose()
    with sqlite3.connect(path) as c:
        c.execute("UPDATE account SET religion_access = 0")
        assert "row_hash" not in {r[1] for r in c.execute("PRAGMA table_info(meeting)")}
        # The log as 0003 wrote it: chained without seals, no head setting.
        prev = ""
        rows = c.execute("SELECT id, at, username, action, kind, record_id, detail FROM audit_log ORDER BY id")
        for i, at, user, action, kind, rid, detail in rows.fetchall():
            h = entry_hash(prev, dt.datetime.fromisoformat(at), user, action, kind, rid, detail)
            c.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, h, i))
            prev = h
        c.execute("DELETE FROM setting WHERE key = 'audit_head'")
    c.close()
    (tmp_path / "xa.db-nhatky").unlink()
    db = open_database(path)
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM meeting WHERE row_hash IS NULL").scalar() == 0
    assert authenticate(db, "tonghop", PASSWORD).religion_access  # had it with the role; keeps it
    assert check_audit(db, authenticate(db, "admin", PASSWORD)) == []
    db.close()


def test_a_merging_office_of_schema_3_keeps_its_units_keys_and_ledger_under_global_identities(tmp_path):
    """Migration 0004 on a district that merged a commune under schema 3: same units, the pinned key still
    holds, the ledger knows the sender's identity, and the next package of that commune merges cleanly."""
    import json

    from danvan_desktop.domain.unit_identity import unit_identity
    from danvan_desktop.exchange.package import export_package
    from danvan_desktop.services.merge import apply_package, list_imports
    from danvan_desktop.services.units import list_units
    from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, Q1, commune, office, seed

    x1 = commune(tmp_path, "X1")
    seed(x1, "X1")
    export_package(x1, ADMIN, Q1, tmp_path / "X1.xlsx")
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    assert apply_package(district, ADMIN, tmp_path / "X1.xlsx").ok
    units_before = {(u.code, u.uid) for u in list_units(district)}
    district.close()
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    engine = create_engine(f"sqlite:///{tmp_path / 'huyen.db'}")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    engine.dispose()
    with sqlite3.connect(place(tmp_path, "huyen.db")) as c:
        assert "uid" not in {r[1] for r in c.execute("PRAGMA table_info(unit)")}
        assert list(json.loads(c.execute("SELECT value FROM setting WHERE key='trusted_keys'").fetchone()[0])) == ["X1"]
    c.close()
    district = open_database(place(tmp_path, "huyen.db"))  # upgrades
    try:
        assert {(u.code, u.uid) for u in list_units(district)} == units_before
        x1_uid = unit_identity("local", "X1", "legacy:105")
        assert ("X1", x1_uid) in units_before and ("105", "legacy:105") in units_before
        with sqlite3.connect(place(tmp_path, "huyen.db")) as c:
            keys = json.loads(c.execute("SELECT value FROM setting WHERE key='trusted_keys'").fetchone()[0])
            ledger_uid = c.execute("SELECT unit_uid FROM import_log").fetchone()[0]
        c.close()
        assert list(keys) == [x1_uid] and keys[x1_uid]["code"] == "X1" and ledger_uid == x1_uid
        export_package(x1, ADMIN, Q1, tmp_path / "X1-lai.xlsx")
        again = apply_package(district, ADMIN, tmp_path / "X1-lai.xlsx")
        assert again.ok and again.counts.added == 0 and again.counts.conflicts == 0
        assert len(list_imports(district, ADMIN)) == 2
    finally:
        district.close()
        x1.close()
