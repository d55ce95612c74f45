"""The migrations on a PostgreSQL server: an empty database to head, the models in step with them, down and up
again; the command line of an office working on a server (init, useradd, import, export, merge, summary)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from danvan_desktop.paths import migrations_path
from danvan_desktop.store import postgres
from danvan_desktop.store.database import open_database
from danvan_desktop.store.schema import HEAD_REVISION, TALLIES, metadata
from tests.integration.test_cli import fill_three_meetings

pytestmark = pytest.mark.server_only

def _cfg() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    return cfg


def test_an_empty_server_database_migrates_to_head_in_step_with_the_models(server_db):
    db = open_database(server_db)
    try:
        assert db.dialect == "postgresql" and db.path is None
        with db.engine.connect() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
            ctx = MigrationContext.configure(c, opts={"include_name": postgres.include_name})
            assert compare_metadata(ctx, metadata) == []
            indexes = {r[0] for r in c.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"))}
            triggers = {r[0] for r in c.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))}
            assert c.execute(text("SELECT 1 FROM pg_collation WHERE collname = 'vi'")).scalar() == 1
            assert c.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar() == 1
        for kind in ("meeting", "petition", "monitoring", "religious_site", "religious_check", "model"):
            assert {f"ix_{kind}_search_trgm", f"ix_{kind}_search_short"} <= indexes
        kept = {f"{t.table}_keep{s}" for t in TALLIES for s in ("", "_rows_ins", "_rows_del")}
        assert kept == triggers
    finally:
        db.close()


def test_server_migrations_go_down_to_nothing_and_up_again(server_db):
    open_database(server_db).close()
    engine = create_engine(server_db.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            cfg = _cfg()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        with engine.connect() as c:
            left = {r[0] for r in c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))}
            functions = {r[0] for r in c.execute(text(
                "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'fig_%'"))}
        assert left <= {"alembic_version"} and functions == set()
    finally:
        engine.dispose()
    db = open_database(server_db)
    with db.engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
    db.close()


def danvan(*args: str, password: str = "matkhau123", new_password: str | None = None, cwd: Path | None = None):
    env = dict(os.environ, DANVAN_PASSWORD=password, PYTHONIOENCODING="utf-8")
    if new_password:
        env["DANVAN_NEW_PASSWORD"] = new_password
    return subprocess.run([sys.executable, "-m", "danvan_desktop", *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=180, cwd=cwd)


def test_an_office_on_a_server_from_the_command_line(server_db, tmp_path):
    """init, useradd, template, import, summary, export on a server database; a commune's SQLite package
    merged into a province office on the server, its figures checked."""
    db = server_db
    r = danvan("--db", db, "init", "--unit-code", "03424", "--unit-name", "Xã Bản Bo", "--level", "xa",
               "--parent-code", "12", "--parent-name", "Tỉnh Lai Châu", "--parent-level", "tinh", "--admin", "admin")
    assert r.returncode == 0, r.stderr
    assert "Đã khởi tạo cơ sở dữ liệu “postgresql://postgres@" in r.stdout
    r = danvan("--db", db, "--user", "admin", "useradd", "hoa", "--role", "can_bo", new_password="hoa12345")
    assert r.returncode == 0 and "Đã tạo tài khoản “hoa”" in r.stdout, r.stderr
    tpl = tmp_path / "mau.xlsx"
    assert danvan("--db", db, "template", "--out", str(tpl)).returncode == 0
    fill_three_meetings(tpl)
    r = danvan("--db", db, "--user", "hoa", "import", str(tpl), password="hoa12345")
    assert r.returncode == 0 and "Đã nhập 3 bản ghi" in r.stdout, r.stderr
    r = danvan("--db", db, "--user", "admin", "summary", "--period", "2023", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["indicators"]["meetings.total"] == 2 and out["indicators"]["meetings.participants"] == 160
    assert out["previous"]["indicators"]["meetings.total"] == 1
    package = tmp_path / "goi.xlsx"
    r = danvan("--db", db, "--user", "admin", "export", "--period", "2023", "--format", "xlsx", "--out", str(package))
    assert r.returncode == 0 and "2 bản ghi" in r.stdout, r.stderr
    r = danvan("--db", db, "--user", "admin", "export", "--period", "2023", "--format", "pdf",
               "--out", str(tmp_path / "bc.pdf"))
    assert r.returncode == 0, r.stderr
    pdf = subprocess.run(["pdftotext", str(tmp_path / "bc.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Bản Bo" in pdf or "BẢN BO" in pdf

    # The province above works on an SQLite file and merges the server's package; and the reverse.
    province = tmp_path / "tinh.db"
    assert danvan("--db", str(province), "init", "--unit-code", "12", "--unit-name", "Tỉnh Lai Châu", "--level",
                  "tinh", "--admin", "admin").returncode == 0
    r = danvan("--db", str(province), "--user", "admin", "merge", str(package))
    assert r.returncode == 0 and "Thêm mới 2" in r.stdout, r.stderr


def test_a_province_on_a_server_merges_a_commune_package_made_on_a_file(server_db, tmp_path):
    commune = tmp_path / "xa.db"
    assert danvan("--db", str(commune), "init", "--unit-code", "03424", "--unit-name", "Xã Bản Bo", "--level", "xa",
                  "--parent-code", "12", "--parent-name", "Tỉnh Lai Châu", "--parent-level", "tinh",
                  "--admin", "admin").returncode == 0
    tpl = tmp_path / "mau.xlsx"
    assert danvan("--db", str(commune), "template", "--out", str(tpl)).returncode == 0
    wb = load_workbook(tpl)
    ws = wb["Hội nghị"]
    for col, v in enumerate(["", "doi_thoai", "Đối thoại với Nhân dân", "03/03/2024", "", "", "", 70, 30, 20], 1):
        ws.cell(3, col, v)
    wb.save(tpl)
    assert danvan("--db", str(commune), "--user", "admin", "import", str(tpl)).returncode == 0
    package = tmp_path / "goi.xlsx"
    assert danvan("--db", str(commune), "--user", "admin", "export", "--period", "2024", "--format", "xlsx",
                  "--out", str(package)).returncode == 0
    r = danvan("--db", server_db, "init", "--unit-code", "12", "--unit-name", "Tỉnh Lai Châu", "--level", "tinh",
               "--admin", "admin")
    assert r.returncode == 0, r.stderr
    r = danvan("--db", server_db, "--user", "admin", "merge", str(package), cwd=tmp_path)
    assert r.returncode == 0 and "Thêm mới 1" in r.stdout, r.stderr
    r = danvan("--db", server_db, "--user", "admin", "summary", "--period", "2024", "--json")
    out = json.loads(r.stdout)
    assert out["indicators"]["meetings.total"] == 1 and out["indicators"]["meetings.participants"] == 70
    r = danvan("--db", server_db, "--user", "admin", "check-figures")
    assert r.returncode == 0 and "khớp" in r.stdout, r.stdout + r.stderr
    r = danvan("--db", server_db, "--user", "admin", "completeness", "--period", "2024", "--json")
    assert json.loads(r.stdout)["units"][0]["delivered"] is True
