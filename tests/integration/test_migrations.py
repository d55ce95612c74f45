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


def test_empty_file_migrates_to_head_with_wal_and_foreign_keys(tmp_path):
    db = open_database(tmp_path / "moi.db")
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD_REVISION
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        tables = {r[0] for r in c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"unit", "account", "audit_log", "meeting", "petition", "monitoring", "religious_site",
            "religious_check", "model"} <= tables


def test_migrations_match_the_models(tmp_path):
    db = open_database(tmp_path / "moi.db")
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
    path = tmp_path / "cu.db"
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
    path = tmp_path / "moi.db"
    open_database(path).close()
    with sqlite3.connect(path) as c:
        c.execute("UPDATE alembic_version SET version_num='9999'")
    c.close()
    with pytest.raises(DatabaseTooNew, match="phiên bản Dân vận mới hơn"):
        open_database(path)
    junk = tmp_path / "rac.db"
    junk.write_bytes(b"PK\x03\x04 khong phai sqlite" * 100)
    with pytest.raises(DatabaseDamaged, match="không phải cơ sở dữ liệu của Dân vận"):
        open_database(junk)


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
    district = office(tmp_path / "huyen.db", DISTRICT, [PROVINCE])
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
    with sqlite3.connect(tmp_path / "huyen.db") as c:
        assert "uid" not in {r[1] for r in c.execute("PRAGMA table_info(unit)")}
        assert list(json.loads(c.execute("SELECT value FROM setting WHERE key='trusted_keys'").fetchone()[0])) == ["X1"]
    c.close()
    district = open_database(tmp_path / "huyen.db")  # upgrades
    try:
        assert {(u.code, u.uid) for u in list_units(district)} == units_before
        x1_uid = unit_identity("local", "X1", "legacy:105")
        assert ("X1", x1_uid) in units_before and ("105", "legacy:105") in units_before
        with sqlite3.connect(tmp_path / "huyen.db") as c:
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
