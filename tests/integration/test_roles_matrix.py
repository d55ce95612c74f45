"""Role × action matrix (SPEC §7, issue 6): every role, every action, through the services and the command line.

The expected answer is derived from domain/roles.py's PERMISSIONS (one source of truth); a few SPEC §7
sentences are also written out literally, so a change of PERMISSIONS that breaks the SPEC fails too.
A refusal must be a PermissionDenied (command line: exit 1) whose Vietnamese message names the account and
its role, and must change nothing in the database.

Speed: the offices are built once per module (accounts hashed with cheap Argon2 parameters: verification uses
the parameters stored in the hash); every case works on a copy of the files. The command line runs
in-process (cli.run, the same parser and handlers) for the whole matrix, and in ~20 real subprocesses, started
in parallel, for one allowed and one refused role of each command.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from openpyxl import load_workbook

from danvan_desktop import cli
from danvan_desktop.domain.periods import parse_period
from danvan_desktop.domain.roles import PERMISSIONS, Action
from danvan_desktop.domain.vocab import ROLE
from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.package_format import PackageReader
from danvan_desktop.exchange.report import export_report
from danvan_desktop.exchange.template import import_template, write_template
from danvan_desktop.services import accounts as accounts_service
from danvan_desktop.services.accounts import add_account, list_accounts
from danvan_desktop.services.actor import SYSTEM, Actor
from danvan_desktop.services.backup import backup, backup_to, check_backup_file, restore
from danvan_desktop.services.completeness import completeness
from danvan_desktop.services.errors import PermissionDenied
from danvan_desktop.services.history import check_audit, list_audit, record_history
from danvan_desktop.services.merge import accept_new_key, apply_package, preview_package
from danvan_desktop.services.records import add_record, delete_record, get_record, list_records, update_record
from danvan_desktop.services.signing import trusted_keys
from danvan_desktop.services.summary import summarize
from danvan_desktop.store.database import Database, open_database
from danvan_desktop.store.schema import RECORD_TABLES, SCHEMA_VERSION
from tests.integration.test_package_support import DISTRICT, PROVINCE, commune, office

PASSWORD = "matkhau123"
Q1 = parse_period("2025-Q1")

# Every role, and can_bo with the religion grant. Keys are the test ids.
ACTORS: dict[str, Actor] = {
    "admin": Actor("admin", "admin", "Quản trị", religion_access=True),
    "can_bo": Actor("canbo", "can_bo", "Lò Thị Mai"),
    "tong_hop": Actor("tonghop", "tong_hop", "Đèo Văn Thắng"),
    "van_thu": Actor("vanthu", "van_thu", "Tòng Văn Hùng"),
    "can_bo+ton_giao": Actor("canbotg", "can_bo", "Lường Thị Én", religion_access=True),
}


def by_code(keys):
    """Pinned keys by unit code (the trust store is keyed by unit identity)."""
    return {e["code"]: e for e in keys.values()}


def may(actor: Actor, *actions: Action) -> bool:
    """What PERMISSIONS says: every action in the role's set (religion also by the account's grant)."""
    perms = PERMISSIONS[actor.role]
    return all(a in perms or (a is Action.RELIGION and actor.religion_access) for a in actions)


def may_edit(actor: Actor) -> bool:
    return may(actor, Action.EDIT_OWN) or may(actor, Action.EDIT_SUBTREE)


# ---- the offices, built once --------------------------------------------------------------------------------

@dataclass
class Base:
    """Files of a commune office (X1) and its district (105), with ids of records the actions touch."""

    folder: Path
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def commune(self) -> Path:
        return self.folder / "x1.db"

    @property
    def district(self) -> Path:
        return self.folder / "huyen.db"

    @property
    def backup(self) -> Path:
        return self.folder / "x1-sao-luu.db"

    @property
    def template(self) -> Path:
        return self.folder / "mau.xlsx"

    @property
    def x2_package(self) -> Path:
        return self.folder / "X2.xlsx"

    @property
    def new_key_package(self) -> Path:
        return self.folder / "X1-khoa-moi.xlsx"


def _accounts(db: Database) -> None:
    for a in ACTORS.values():
        if a.username != "admin":
            add_account(db, SYSTEM, a.username, PASSWORD, a.role, full_name=a.full_name,
                        religion_access=a.religion_access)


def _meeting(title: str, day: int = 10) -> dict[str, Any]:
    return {"kind": "khac", "title": title, "date": dt.date(2025, 2, day), "participants": 30, "women": 10}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Base]:
    mp = pytest.MonkeyPatch()
    # Cheap hashes: sign-in (CLI) verifies with the parameters stored in each hash.
    mp.setattr(accounts_service, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    folder = tmp_path_factory.mktemp("roles")
    b = Base(folder)
    admin = ACTORS["admin"]

    x1 = commune(folder, "X1")  # x1.db: Xã Bình Lư with village X1-01, admin "admin"
    _accounts(x1)
    b.ids["home_meeting"] = add_record(x1, admin, "meeting", _meeting("Tiếp xúc cử tri")).id
    b.ids["village_meeting"] = add_record(x1, admin, "meeting", _meeting("Họp bản", 12), unit="X1-01").id
    b.ids["site"] = add_record(x1, admin, "religious_site", {
        "name": "Điểm nhóm Tin lành bản Nà Khum", "religion": "tin_lanh", "registration": "da_dang_ky",
        "followers": 120, "households": 25}).id
    x1_package = folder / "X1.xlsx"
    export_package(x1, admin, Q1, x1_package)
    backup_to(x1, b.backup)
    # Added after the backup: a restore takes it away.
    b.ids["after_backup"] = add_record(x1, admin, "meeting", _meeting("Sau khi sao lưu", 20)).id
    x1.close()

    x2 = commune(folder, "X2")
    add_record(x2, admin, "meeting", _meeting("Đối thoại với thanh niên"))
    export_package(x2, admin, Q1, b.x2_package)
    x2.close()

    again = commune(folder / "cai-lai", "X1")  # X1 reinstalled: same unit, new signing key
    add_record(again, admin, "meeting", _meeting("Sau khi cài lại"))
    export_package(again, admin, Q1, b.new_key_package)
    again.close()

    district = office(b.district, DISTRICT, [PROVINCE])
    _accounts(district)
    assert apply_package(district, admin, x1_package).ok  # X1's records now live at the district too
    district.close()

    write_template(b.template)
    wb = load_workbook(b.template)
    for col, v in enumerate(["", "khac", "Gặp mặt người có uy tín", "01/02/2025", "", "", "", 25, 5], start=1):
        wb["Hội nghị"].cell(3, col, v)
    wb.save(b.template)
    mp.undo()
    yield b


def snapshot(path: Path) -> dict[str, Any]:
    """Everything an action could change in a database file (signing in is logged, and is not the action)."""
    where = {"audit_log": " WHERE action NOT IN ('sign_in', 'sign_in_failed')", "setting": " WHERE key != 'audit_head'"}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        out = {t: sorted(c.execute(f"SELECT * FROM {t}{where.get(t, '')}").fetchall(), key=repr)
               for t in (*RECORD_TABLES, "unit", "account", "setting", "audit_log", "import_log",
                         "merge_conflict")}
    c.close()
    return out


@dataclass
class World:
    """Fresh copies of the base files for one case; databases opened on demand and closed at the end."""

    base: Base
    folder: Path
    opened: dict[str, Database] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.folder / name

    def db(self, name: str) -> Database:
        if name not in self.opened:
            self.opened[name] = open_database(self.path(name))
        return self.opened[name]

    @property
    def commune(self) -> Database:
        return self.db("x1.db")

    @property
    def district(self) -> Database:
        return self.db("huyen.db")

    def close(self) -> None:
        for d in self.opened.values():
            d.close()


@pytest.fixture
def world(base: Base, tmp_path: Path) -> Iterator[World]:
    for name in ("x1.db", "huyen.db"):
        shutil.copy(base.folder / name, tmp_path / name)
    w = World(base, tmp_path)
    yield w
    w.close()


# ---- the actions, through the services -----------------------------------------------------------------------
# Each runs the action and returns a check of its effect (called only when it was allowed).

Check = Callable[[], None]


def _add_home(w: World, a: Actor) -> Check:
    r = add_record(w.commune, a, "meeting", _meeting("Hội nghị mới"))
    return lambda: (assert_eq(get_record(w.commune, ACTORS["admin"], "meeting", r.id).created_by, a.username))


def _add_village(w: World, a: Actor) -> Check:
    r = add_record(w.commune, a, "meeting", _meeting("Họp bản mới"), unit="X1-01")
    return lambda: assert_eq(r.unit_code, "X1-01")


def _edit_home(w: World, a: Actor) -> Check:
    rid = w.base.ids["home_meeting"]
    update_record(w.commune, a, "meeting", rid, {"participants": 77})
    return lambda: assert_eq(get_record(w.commune, ACTORS["admin"], "meeting", rid).values["participants"], 77)


def _delete_home(w: World, a: Actor) -> Check:
    rid = w.base.ids["home_meeting"]
    delete_record(w.commune, a, "meeting", rid)
    return lambda: assert_eq(get_record(w.commune, ACTORS["admin"], "meeting", rid).deleted, True)


def _edit_below(w: World, a: Actor) -> Check:
    """At the district office, a record that commune X1 sent up."""
    rid = w.base.ids["home_meeting"]
    r = update_record(w.district, a, "meeting", rid, {"participants": 88})
    return lambda: (assert_eq(r.unit_code, "X1"), assert_eq(r.values["participants"], 88))


def _view(w: World, a: Actor) -> Check:
    page = list_records(w.commune, a, "meeting")
    return lambda: assert_eq(page.total, 3)


def _view_religion(w: World, a: Actor) -> Check:
    page = list_records(w.commune, a, "religious_site")
    rec = get_record(w.commune, a, "religious_site", w.base.ids["site"])
    return lambda: (assert_eq(page.total, 1), assert_eq(rec.values["followers"], 120))


def _add_religion(w: World, a: Actor) -> Check:
    r = add_record(w.commune, a, "religious_site", {"name": "Chùa bản", "religion": "phat_giao",
                                                    "registration": "da_dang_ky"})
    return lambda: assert_eq(get_record(w.commune, ACTORS["admin"], "religious_site", r.id).title, "Chùa bản")


def _history(w: World, a: Actor) -> Check:
    changes = record_history(w.commune, a, "meeting", w.base.ids["home_meeting"])
    return lambda: assert_eq(changes[0].username, "admin")


def _import_template(w: World, a: Actor) -> Check:
    result = import_template(w.commune, a, w.base.template)
    return lambda: (assert_eq(result.counts.get("meeting"), 1),
                    assert_eq(list_records(w.commune, ACTORS["admin"], "meeting").total, 4))


def _verify_package(path: Path, unit: str) -> None:
    with PackageReader(path, newest_schema=SCHEMA_VERSION) as pkg:
        assert pkg.meta.unit.code == unit
        pkg.read_units()
        for _ in pkg.records():
            pass
        pkg.verify()


def _export_package_village(w: World, a: Actor) -> Check:
    """The village's package: no religious record in it."""
    out = w.path("X1-01.xlsx")
    export_package(w.commune, a, Q1, out, "X1-01")
    return lambda: _verify_package(out, "X1-01")


def _export_package(w: World, a: Actor) -> Check:
    """The whole commune's package, which holds a religious site: needs the religion permission as well."""
    out = w.path("X1.xlsx")
    export_package(w.commune, a, Q1, out)
    return lambda: _verify_package(out, "X1")


def _export_report(w: World, a: Actor) -> Check:
    out = w.path("bao-cao.pdf")
    pages = export_report(w.commune, a, Q1, out)
    return lambda: (assert_eq(out.read_bytes()[:5], b"%PDF-"), assert_eq(pages >= 1, True))


def _merge(w: World, a: Actor) -> Check:
    assert preview_package(w.district, a, w.base.x2_package).ok
    r = apply_package(w.district, a, w.base.x2_package)
    return lambda: (assert_eq(r.ok, True), assert_eq(r.counts.added, 1))


def _summary(w: World, a: Actor) -> Check:
    s = summarize(w.commune, a, Q1)
    return lambda: assert_eq(s.current.indicators["meetings.total"], 3)


def _completeness(w: World, a: Actor) -> Check:
    rows = completeness(w.district, a, Q1, today=dt.date(2025, 4, 2))
    return lambda: assert_eq({r.code: r.delivered for r in rows}.get("X1"), True)


def _backup(w: World, a: Actor) -> Check:
    out = w.path("sao-luu") / "ban-sao.db"
    backup(w.commune, a, out)
    return lambda: assert_eq(check_backup_file(out), "X1")


def _restore(w: World, a: Actor) -> Check:
    reopened, safety = restore(w.commune, a, w.base.backup)
    w.opened["x1.db"] = reopened
    gone = w.base.ids["after_backup"]
    return lambda: (assert_eq(list_records(reopened, ACTORS["admin"], "meeting").total, 2),
                    assert_eq(any(r.id == gone for r in list_records(reopened, ACTORS["admin"], "meeting").rows),
                              False),
                    assert_eq(check_backup_file(safety.path), "X1"))


def _useradd(w: World, a: Actor) -> Check:
    add_account(w.commune, a, "nguoimoi", PASSWORD, "van_thu", full_name="Người mới")
    return lambda: assert_eq("nguoimoi" in {x.username for x in list_accounts(w.commune, SYSTEM)}, True)


def _audit(w: World, a: Actor) -> Check:
    rows = list_audit(w.commune, a)
    problems = check_audit(w.commune, a)
    return lambda: (assert_eq(problems, []), assert_eq(bool(rows), True))


def _accept_key(w: World, a: Actor) -> Check:
    fp, _changes = accept_new_key(w.district, a, w.base.new_key_package)
    return lambda: assert_eq(by_code(trusted_keys(w.district))["X1"]["fingerprint"], fp)


def assert_eq(got: Any, want: Any) -> None:
    assert got == want, (got, want)


@dataclass(frozen=True)
class Act:
    run: Callable[[World, Actor], Check]
    expected: Callable[[Actor], bool]  # from PERMISSIONS
    files: tuple[str, ...]  # the databases it may change


COMMUNE, DISTRICT_DB = ("x1.db",), ("huyen.db",)

SERVICE_ACTIONS: dict[str, Act] = {
    "view": Act(_view, lambda a: may(a, Action.VIEW), COMMUNE),
    "history": Act(_history, lambda a: may(a, Action.VIEW), COMMUNE),
    "add_home": Act(_add_home, may_edit, COMMUNE),
    "add_village": Act(_add_village, may_edit, COMMUNE),
    "edit_home": Act(_edit_home, may_edit, COMMUNE),
    "delete_home": Act(_delete_home, may_edit, COMMUNE),
    "edit_below_at_district": Act(_edit_below, lambda a: may(a, Action.EDIT_SUBTREE), DISTRICT_DB),
    "view_religion": Act(_view_religion, lambda a: may(a, Action.VIEW, Action.RELIGION), COMMUNE),
    "add_religion": Act(_add_religion, lambda a: may_edit(a) and may(a, Action.RELIGION), COMMUNE),
    "import_template": Act(_import_template, lambda a: may(a, Action.IMPORT_TEMPLATE), COMMUNE),
    "export_package_village": Act(_export_package_village, lambda a: may(a, Action.EXPORT_PACKAGE), COMMUNE),
    "export_package_with_religion": Act(_export_package, lambda a: may(a, Action.EXPORT_PACKAGE, Action.RELIGION),
                                        COMMUNE),
    "export_report": Act(_export_report, lambda a: may(a, Action.REPORT), COMMUNE),
    "merge": Act(_merge, lambda a: may(a, Action.MERGE), DISTRICT_DB),
    "summary": Act(_summary, lambda a: may(a, Action.VIEW), COMMUNE),
    "completeness": Act(_completeness, lambda a: may(a, Action.VIEW), DISTRICT_DB),
    "backup": Act(_backup, lambda a: may(a, Action.BACKUP), COMMUNE),
    "restore": Act(_restore, lambda a: may(a, Action.RESTORE), COMMUNE),
    "useradd": Act(_useradd, lambda a: may(a, Action.ADMIN), COMMUNE),
    "audit": Act(_audit, lambda a: may(a, Action.AUDIT), COMMUNE),
    "accept_key": Act(_accept_key, lambda a: may(a, Action.ADMIN), DISTRICT_DB),
}

# SPEC §7 in plain words, independent of PERMISSIONS.
SPEC_SAYS: list[tuple[str, str, bool]] = [
    ("van_thu", "view", True), ("van_thu", "export_report", True),
    ("van_thu", "add_home", False), ("van_thu", "edit_home", False), ("van_thu", "delete_home", False),
    ("van_thu", "import_template", False), ("van_thu", "merge", False), ("van_thu", "view_religion", False),
    ("can_bo", "add_home", True), ("can_bo", "edit_home", True), ("can_bo", "delete_home", True),
    ("can_bo", "edit_below_at_district", False), ("can_bo", "merge", False), ("can_bo", "view_religion", False),
    ("can_bo", "useradd", False), ("can_bo", "restore", False),
    ("can_bo+ton_giao", "view_religion", True), ("can_bo+ton_giao", "add_religion", True),
    ("tong_hop", "merge", True), ("tong_hop", "edit_below_at_district", True), ("tong_hop", "export_report", True),
    ("tong_hop", "useradd", False), ("tong_hop", "restore", False), ("tong_hop", "accept_key", False),
    ("admin", "useradd", True), ("admin", "restore", True), ("admin", "accept_key", True), ("admin", "merge", True),
]


def check_refusal(message: str, actor: Actor) -> None:
    """A refusal names the account and its role, in Vietnamese."""
    assert f"“{actor.username}”" in message, message
    assert ROLE.label(actor.role) in message, message


def run_service(w: World, role: str, action: str, expected: bool) -> None:
    actor, act = ACTORS[role], SERVICE_ACTIONS[action]
    before = {f: snapshot(w.path(f)) for f in act.files}
    if expected:
        act.run(w, actor)()
        return
    with pytest.raises(PermissionDenied) as e:
        act.run(w, actor)
    check_refusal(str(e.value), actor)
    w.close()
    assert {f: snapshot(w.path(f)) for f in act.files} == before, "a refused action changed the database"


@pytest.mark.parametrize("action", SERVICE_ACTIONS)
@pytest.mark.parametrize("role", ACTORS)
def test_services_allow_or_refuse_as_permissions_say(world: World, role: str, action: str) -> None:
    run_service(world, role, action, SERVICE_ACTIONS[action].expected(ACTORS[role]))


@pytest.mark.parametrize(("role", "action", "allowed"), SPEC_SAYS, ids=[f"{r}-{a}" for r, a, _ in SPEC_SAYS])
def test_spec_section_7_literally(world: World, role: str, action: str, allowed: bool) -> None:
    assert SERVICE_ACTIONS[action].expected(ACTORS[role]) is allowed, "PERMISSIONS disagrees with SPEC §7"
    run_service(world, role, action, allowed)


def test_the_matrix_covers_every_action_of_the_roles_table() -> None:
    """A new Action in roles.py must be given a place here (EDIT_OWN/SUBTREE through the edit actions)."""
    tested = {Action.VIEW, Action.EDIT_OWN, Action.EDIT_SUBTREE, Action.IMPORT_TEMPLATE, Action.EXPORT_PACKAGE,
              Action.REPORT, Action.MERGE, Action.ADMIN, Action.BACKUP, Action.RESTORE, Action.AUDIT,
              Action.RELIGION}
    assert set(Action) == tested
    assert set(PERMISSIONS) == set(ROLE.keys)


# ---- the command line ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cmd:
    argv: Callable[[Base, Path], list[str]]  # after --db/--user
    db: str
    expected: Callable[[Actor], bool]
    done: str  # printed on success
    effect: Callable[[Path], None] = lambda _p: None  # checked on success (argument: the case's folder)


def _template_import(b: Base, _d: Path) -> list[str]:
    return ["import", str(b.template)]


CLI: dict[str, Cmd] = {
    "useradd": Cmd(lambda b, d: ["useradd", "nguoimoi", "--role", "van_thu"], "x1.db", lambda a: may(a, Action.ADMIN),
                   "Đã tạo tài khoản “nguoimoi” (Văn thư)"),
    "import": Cmd(_template_import, "x1.db", lambda a: may(a, Action.IMPORT_TEMPLATE), "Đã nhập 1 bản ghi"),
    "export_xlsx_village": Cmd(
        lambda b, d: ["export", "--period", "2025-Q1", "--format", "xlsx", "--unit", "X1-01", "--out",
                      str(d / "goi.xlsx")], "x1.db", lambda a: may(a, Action.EXPORT_PACKAGE),
        "Đã xuất gói dữ liệu", lambda d: _verify_package(d / "goi.xlsx", "X1-01")),
    "export_xlsx_with_religion": Cmd(
        lambda b, d: ["export", "--period", "2025-Q1", "--format", "xlsx", "--out", str(d / "goi.xlsx")], "x1.db",
        lambda a: may(a, Action.EXPORT_PACKAGE, Action.RELIGION), "Đã xuất gói dữ liệu",
        lambda d: _verify_package(d / "goi.xlsx", "X1")),
    "export_pdf": Cmd(lambda b, d: ["export", "--period", "2025-Q1", "--format", "pdf", "--out", str(d / "bc.pdf")],
                      "x1.db", lambda a: may(a, Action.REPORT), "Đã xuất báo cáo",
                      lambda d: assert_eq((d / "bc.pdf").read_bytes()[:5], b"%PDF-")),
    "merge": Cmd(lambda b, d: ["merge", str(b.x2_package)], "huyen.db", lambda a: may(a, Action.MERGE),
                 "Đã tổng hợp 1/1 gói"),
    "summary": Cmd(lambda b, d: ["summary", "--period", "2025-Q1"], "x1.db", lambda a: may(a, Action.VIEW),
                   "Xã Bình Lư — quý I năm 2025"),
    "completeness": Cmd(lambda b, d: ["completeness", "--period", "2025-Q1"], "huyen.db",
                        lambda a: may(a, Action.VIEW), "Tình hình gửi gói dữ liệu quý I năm 2025"),
    "backup": Cmd(lambda b, d: ["backup", "--out", str(d / "sl" / "ban-sao.db")], "x1.db",
                  lambda a: may(a, Action.BACKUP), "Đã sao lưu vào",
                  lambda d: assert_eq(check_backup_file(d / "sl" / "ban-sao.db"), "X1")),
    "restore": Cmd(lambda b, d: ["restore", str(b.backup)], "x1.db", lambda a: may(a, Action.RESTORE),
                   "Đã khôi phục từ"),
    "accept_key": Cmd(lambda b, d: ["accept-key", str(b.new_key_package)], "huyen.db",
                      lambda a: may(a, Action.ADMIN), "Đã chấp nhận khóa ký mới"),
}


def _cli_env() -> dict[str, str]:
    return dict(os.environ, DANVAN_PASSWORD=PASSWORD, DANVAN_NEW_PASSWORD="matkhau456", PYTHONIOENCODING="utf-8")


def _prepare(base: Base, folder: Path, cmd: Cmd, role: str) -> tuple[list[str], Path]:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / cmd.db
    shutil.copy(base.folder / cmd.db, db)
    return ["--db", str(db), "--user", ACTORS[role].username, *cmd.argv(base, folder)], db


def check_cli(base: Base, folder: Path, role: str, action: str, rc: int, out: str, err: str,
              before: dict[str, Any]) -> None:
    actor, cmd = ACTORS[role], CLI[action]
    if cmd.expected(actor):
        assert rc == 0, err
        assert cmd.done in out, out
        cmd.effect(folder)
    else:
        assert rc == cli.EXIT_REFUSED, (rc, out, err)
        check_refusal(err, actor)
        assert snapshot(folder / cmd.db) == before, "a refused command changed the database"


@pytest.mark.parametrize("action", CLI)
@pytest.mark.parametrize("role", ACTORS)
def test_command_line_allows_or_refuses_as_permissions_say(base: Base, tmp_path: Path, monkeypatch, capsys,
                                                           role: str, action: str) -> None:
    """The whole matrix through cli.run (same parser, handlers and messages as `danvan …`)."""
    for k, v in _cli_env().items():
        monkeypatch.setenv(k, v)
    argv, db = _prepare(base, tmp_path, CLI[action], role)
    before = snapshot(db)
    rc = cli.run(argv)
    captured = capsys.readouterr()
    check_cli(base, tmp_path, role, action, rc, captured.out, captured.err, before)


# For each command, a role it allows and, where there is one, a role it refuses (expectations still come from
# PERMISSIONS through CLI[...].expected; test_subprocess_cases_cover_allowed_and_refused checks the choice).
SUBPROCESS_CASES: list[tuple[str, str]] = [
    ("admin", "useradd"), ("tong_hop", "useradd"),
    ("can_bo", "import"), ("van_thu", "import"),
    ("can_bo", "export_xlsx_village"), ("van_thu", "export_xlsx_village"),
    ("can_bo+ton_giao", "export_xlsx_with_religion"), ("can_bo", "export_xlsx_with_religion"),
    ("van_thu", "export_pdf"),
    ("tong_hop", "merge"), ("can_bo", "merge"), ("van_thu", "merge"),
    ("van_thu", "summary"),
    ("can_bo", "completeness"),
    ("tong_hop", "backup"), ("can_bo+ton_giao", "backup"),
    ("admin", "restore"), ("tong_hop", "restore"), ("can_bo", "restore"),
    ("admin", "accept_key"), ("van_thu", "accept_key"),
]


@pytest.fixture(scope="module")
def subprocess_results(base: Base, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    """Run every subprocess case at once (4 at a time): `python -m danvan_desktop …` as a user types it."""
    root = tmp_path_factory.mktemp("cli")
    env = _cli_env()

    def one(case: tuple[str, str]) -> tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]]:
        role, action = case
        folder = root / f"{action}-{role}".replace("+", "_")
        argv, db = _prepare(base, folder, CLI[action], role)
        before = snapshot(db)
        r = subprocess.run([sys.executable, "-m", "danvan_desktop", *argv], capture_output=True, text=True,
                           env=env, stdin=subprocess.DEVNULL, timeout=120)
        return folder, before, r

    with ThreadPoolExecutor(4) as pool:
        return dict(zip(SUBPROCESS_CASES, pool.map(one, SUBPROCESS_CASES), strict=True))


def test_subprocess_cases_cover_allowed_and_refused() -> None:
    assert len(SUBPROCESS_CASES) <= 22
    for action, cmd in CLI.items():
        roles = [r for r, a in SUBPROCESS_CASES if a == action]
        assert any(cmd.expected(ACTORS[r]) for r in roles), action
        if not all(cmd.expected(a) for a in ACTORS.values()):
            assert not all(cmd.expected(ACTORS[r]) for r in roles), action


@pytest.mark.parametrize(("role", "action"), SUBPROCESS_CASES, ids=[f"{a}-{r}" for r, a in SUBPROCESS_CASES])
def test_danvan_command_in_a_subprocess(base: Base, subprocess_results, role: str, action: str) -> None:
    folder, before, r = subprocess_results[(role, action)]
    check_cli(base, folder, role, action, r.returncode, r.stdout, r.stderr, before)
    if not CLI[action].expected(ACTORS[role]):
        assert "Traceback" not in r.stderr
