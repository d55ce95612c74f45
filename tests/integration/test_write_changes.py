"""Every write service says what it changed (services/changes.py): the window broadcasts exactly that.

One row per service: the write is done on a real office database, then its returned Changes is compared with
what the database now shows changed (ARCHITECTURE.md, "writes go through one lane").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.services.changes import Changes
from tests.integration.test_merge import _edit_both_sides, made_once, tree  # noqa: F401 - fixtures
from tests.integration.test_package_support import ADMIN, Q1, commune, seed

Tree = tuple[dict[str, Any], dict[str, Path], Any, dict[str, Any]]


def _add_account(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.accounts import add_account

    info = add_account(t[2], ADMIN, "tonghop2", "matkhau1", "tong_hop", full_name="Lò Văn Tổng")
    return info.changes, Changes(accounts=True)


def _update_account(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.accounts import add_account, update_account

    add_account(t[2], ADMIN, "canbo2", "matkhau1", "can_bo")
    return update_account(t[2], ADMIN, "canbo2", role="van_thu").changes, Changes(accounts=True)


def _update_account_unchanged(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.accounts import add_account, update_account

    add_account(t[2], ADMIN, "canbo3", "matkhau1", "can_bo")
    # Same role as before: only the audit entry is written, no screen of accounts needs reading again.
    return update_account(t[2], ADMIN, "canbo3", role="can_bo").changes, Changes()


def _add_unit(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.units import add_unit

    return add_unit(t[2], ADMIN, code="X9", name="Xã Mới", level="xa", parent_code="105").changes, \
        Changes(units=True)


def _rename_unit(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.units import rename_unit

    return rename_unit(t[2], ADMIN, "X1", "Xã Bình Lư Mới").changes, Changes(units=True)


def _save_settings(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.settings import save_settings

    return save_settings(t[2], ADMIN, {"backup_keep": 5}), Changes(settings=True)


def _report_settings(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.exchange.report import save_report_settings

    _settings, changed = save_report_settings(t[2], ADMIN, {"signer_name": "Lò Văn Thành"})
    return changed, Changes(settings=True, reports=True)


def _resolve_conflict(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.merge import apply_package, list_conflicts, resolve_conflict

    rid, again = _edit_both_sides(t, tmp)
    apply_package(t[2], ADMIN, again)
    [c] = list_conflicts(t[2], ADMIN)
    info = resolve_conflict(t[2], ADMIN, c.id, "take_incoming")
    return info.changes, Changes(kinds=frozenset({"meeting"}), record_ids=frozenset({rid}), imports=True)


def _accept_new_key(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.exchange.package import export_package
    from danvan_desktop.services.merge import accept_new_key, apply_package

    apply_package(t[2], ADMIN, t[1]["X1"])
    reinstalled = commune(tmp / "moi", "X1")  # the commune reinstalled the program: a new key
    seed(reinstalled, "X1")
    again = tmp / "X1-moi.xlsx"
    export_package(reinstalled, ADMIN, Q1, again)
    reinstalled.close()
    _fp, changed = accept_new_key(t[2], ADMIN, again)
    return changed, Changes(imports=True)


def _import_template(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.exchange.template import import_template, write_template
    from danvan_desktop.services.records import list_records

    path = tmp / "mau.xlsx"
    write_template(path)
    wb = load_workbook(path)
    for col, v in enumerate(["", "khac", "Gặp mặt già làng", "01/02/2025"], start=1):
        wb["Hội nghị"].cell(3, col, v)
    wb.save(path)
    result = import_template(t[2], ADMIN, path)
    [new] = [r.id for r in list_records(t[2], ADMIN, "meeting").rows if r.values["title"] == "Gặp mặt già làng"]
    return result.changes, Changes(kinds=frozenset({"meeting"}), record_ids=frozenset({new}), imports=True)


def _apply_packages(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from sqlalchemy import select

    from danvan_desktop.services.merge import apply_packages
    from danvan_desktop.store.schema import RECORD_TABLES

    results = apply_packages(t[2], ADMIN, [t[1]["X1"], t[1]["X2"]])
    got = results[0].changes | results[1].changes
    with t[2].reader() as s:  # the district had no records: every row now there, tombstones too, came in
        rows = {k.key: set(s.scalars(select(RECORD_TABLES[k.key].c.id))) for k in KINDS}
    ids = {i for v in rows.values() for i in v}
    kinds = {k for k, v in rows.items() if v}
    # X2 was not known to the district: a new unit arrived with its package.
    return got, Changes(kinds=frozenset(kinds), record_ids=frozenset(ids), units=True, imports=True)


def _undo_import(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.merge import apply_package, undo_import

    applied = apply_package(t[2], ADMIN, t[1]["X1"])
    info = undo_import(t[2], ADMIN, applied.import_id)
    c = applied.changes
    return info.changes, Changes(kinds=c.kinds, record_ids=c.record_ids, imports=True)


def _backup(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.backup import backup

    return backup(t[2], ADMIN, tmp / "ban-sao.db").changes, Changes()  # its audit entry only


def _backup_now(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.backup import backup_now

    return backup_now(t[2], ADMIN).changes, Changes()


def _restore(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.services.backup import backup, restore

    copy = backup(t[2], ADMIN, tmp / "ban-sao.db").path
    result = restore(t[2], ADMIN, copy)
    new_db, _safety = result  # still unpacks as a pair
    new_db.close()
    return result.changes, Changes(kinds=frozenset(k.key for k in KINDS), units=True, accounts=True,
                                   settings=True, imports=True, reports=True)


def _export_package(t: Tree, tmp: Path) -> tuple[Changes, Changes]:
    from danvan_desktop.exchange.package import export_package

    return export_package(t[0]["X1"], ADMIN, Q1, tmp / "goi.xlsx").changes, Changes()


CASES: dict[str, Callable[[Tree, Path], tuple[Changes, Changes]]] = {
    "add_account": _add_account, "update_account": _update_account,
    "update_account, nothing different": _update_account_unchanged, "add_unit": _add_unit,
    "rename_unit": _rename_unit, "save_settings": _save_settings, "save_report_settings": _report_settings,
    "resolve_conflict": _resolve_conflict, "accept_new_key": _accept_new_key, "import_template": _import_template,
    "apply_packages": _apply_packages, "undo_import": _undo_import, "backup": _backup, "backup_now": _backup_now,
    "restore": _restore, "export_package": _export_package,
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_write_service_returns_what_it_changed(name, tree, tmp_path):  # noqa: F811
    work = tmp_path / "work"
    work.mkdir()
    got, want = CASES[name](tree, work)
    assert got == want, name


def test_the_merge_changes_name_every_record_it_wrote_and_nothing_else(tree, tmp_path):  # noqa: F811
    """A package applied twice: the second time nothing is written, so nothing but the ledger changed."""
    from danvan_desktop.services.merge import apply_package

    first = apply_package(tree[2], ADMIN, tree[1]["X1"])
    assert first.changes.record_ids and first.counts.added == len(first.changes.record_ids)
    again = apply_package(tree[2], ADMIN, tree[1]["X1"])
    assert again.ok and again.changes == Changes(imports=True)
