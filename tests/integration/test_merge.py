"""Merging packages from communes at the district and upward (SPEC §6), on real files end to end."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.merge import (
    apply_package,
    apply_packages,
    list_conflicts,
    list_imports,
    preview_package,
    preview_packages,
    resolve_conflict,
    undo_import,
)
from danvan_desktop.services.records import delete_record, get_record, update_record
from danvan_desktop.services.summary import summarize
from danvan_desktop.services.units import add_unit, list_units
from danvan_desktop.store.database import open_database
from tests.integration.test_package_support import (
    ADMIN,
    DISTRICT,
    PROVINCE,
    Q1,
    commune,
    office,
    record_state,
    seed,
)
from tests.stores import place


@pytest.fixture(scope="module")
def made_once(tmp_path_factory):
    """The files of three seeded communes, their Q1 packages and the district office (knowing only X1)."""
    root = tmp_path_factory.mktemp("cay")
    seeded = {}
    for code in ("X1", "X2", "X3"):
        db = commune(root, code)
        seeded[code] = seed(db, code, scale=2)
        export_package(db, ADMIN, Q1, root / "in" / f"{code}-2025-Q1.xlsx")
        db.close()
    district = office(root / "huyen.db", DISTRICT, [PROVINCE])
    add_unit(district, ADMIN, code="X1", name="Xã Bình Lư", level="xa", parent_code="105")
    district.close()
    return root, seeded


@pytest.fixture
def tree(tmp_path, made_once):
    """A fresh copy of the three communes, their packages and the district for each test."""
    root, seeded = made_once
    shutil.copytree(root, tmp_path, dirs_exist_ok=True)
    communes = {code: open_database(place(tmp_path, f"{code.lower()}.db")) for code in ("X1", "X2", "X3")}
    packages = {code: tmp_path / "in" / f"{code}-2025-Q1.xlsx" for code in communes}
    district = open_database(place(tmp_path, "huyen.db"))
    yield communes, packages, district, seeded
    for db in (*communes.values(), district):
        db.close()


def figures(db, period=Q1):
    return summarize(db, ADMIN, period).current.indicators


def test_the_district_figures_are_the_sum_of_its_communes_figure_for_figure(tree, tmp_path):
    communes, packages, district, _ = tree
    results = apply_packages(district, ADMIN, [tmp_path / "in"])
    assert [r.ok for r in results] == [True, True, True]
    total = {k: sum(figures(c)[k] for c in communes.values()) for k in figures(district)}
    assert figures(district) == total
    assert (total["meetings.total"], total["religious_sites.total"], total["models.awarded.tap_the"]) == (12, 6, 6)
    # Each commune's own figures are there too, under its code.
    for code, c in communes.items():
        assert summarize(district, ADMIN, Q1, code).current.indicators == figures(c)


def test_merging_the_same_packages_again_changes_nothing(tree, tmp_path):
    _, packages, district, _ = tree
    first = apply_packages(district, ADMIN, [tmp_path / "in"])
    before = record_state(district.path)
    again = apply_packages(district, ADMIN, [tmp_path / "in"])
    assert record_state(district.path) == before
    for a, b in zip(first, again, strict=True):
        assert (b.counts.added, b.counts.replaced, b.counts.conflicts) == (0, 0, 0)
        assert b.counts.unchanged == a.counts.total and b.applied_before is not None
    assert preview_package(district, ADMIN, packages["X1"]).counts.unchanged == first[0].counts.total


def test_units_new_to_the_office_are_added_under_the_right_parent(tree):
    _, packages, district, _ = tree
    preview = preview_package(district, ADMIN, packages["X2"])
    assert preview.new_units == ("Xã Bản Giang", "Bản Nà Khum X2")
    assert [u.code for u in list_units(district)] == ["105", "X1"]  # a preview writes nothing
    apply_package(district, ADMIN, packages["X2"])
    tree_now = {u.code: u.parent_code for u in list_units(district)}
    assert tree_now["X2"] == "105" and tree_now["X2-01"] == "X2"


def test_preview_writes_nothing_and_says_what_apply_will_do(tree):
    _, packages, district, _ = tree
    before = record_state(district.path)
    p = preview_package(district, ADMIN, packages["X1"])
    assert record_state(district.path) == before
    done = apply_package(district, ADMIN, packages["X1"])
    assert (p.ok, p.counts, p.by_kind) == (done.ok, done.counts, done.by_kind)
    assert p.counts.added == 19 and p.by_kind["meeting"].added == 5  # 4 meetings and the tombstone


def _edit_both_sides(tree, tmp_path):
    communes, packages, district, seeded = tree
    apply_package(district, ADMIN, packages["X1"])
    rid = seeded["X1"]["meeting0"].id
    update_record(district, ADMIN, "meeting", rid, {"participants": 130, "chair": "Giàng Seo Chính"})
    update_record(communes["X1"], ADMIN, "meeting", rid, {"participants": 150})
    again = tmp_path / "in2" / "X1-lan-2.xlsx"
    export_package(communes["X1"], ADMIN, Q1, again)
    return rid, again


def test_a_record_edited_on_both_sides_is_a_conflict_and_keeping_local_keeps_it(tree, tmp_path):
    _, _, district, _ = tree
    rid, again = _edit_both_sides(tree, tmp_path)
    preview = preview_package(district, ADMIN, again)
    assert preview.counts.conflicts == 1
    c = preview.conflicts[0]
    assert (c.record_id, c.reason, c.local_revision, c.incoming_revision) == (rid, "same_revision", 2, 2)
    assert {(d.label, d.local, d.incoming) for d in c.fields} == {("Số người tham dự", "130", "150"),
                                                                  ("Người chủ trì", "Giàng Seo Chính", "Lò Văn Minh")}
    result = apply_package(district, ADMIN, again)
    assert result.counts.conflicts == 1 and get_record(district, ADMIN, "meeting", rid).values["participants"] == 130
    [open_one] = list_conflicts(district, ADMIN)
    decided = resolve_conflict(district, ADMIN, open_one.id, "keep_local")
    assert decided.status == "keep_local" and list_conflicts(district, ADMIN) == []
    local = get_record(district, ADMIN, "meeting", rid)
    assert (local.values["participants"], local.revision) == (130, 3)
    # The decision stands: the same package again raises nothing, and the office's copy wins upward.
    before = record_state(district.path)
    assert apply_package(district, ADMIN, again).counts.conflicts == 0
    assert record_state(district.path) == before
    with pytest.raises(Refused, match="đã được xử lý"):
        resolve_conflict(district, ADMIN, open_one.id, "take_incoming")


def test_taking_the_incoming_copy_replaces_the_local_one(tree, tmp_path):
    _, _, district, _ = tree
    rid, again = _edit_both_sides(tree, tmp_path)
    apply_package(district, ADMIN, again)
    [c] = list_conflicts(district, ADMIN)
    resolve_conflict(district, ADMIN, c.id, "take_incoming")
    local = get_record(district, ADMIN, "meeting", rid)
    assert (local.values["participants"], local.values["chair"], local.revision) == (150, "Lò Văn Minh", 2)
    before = record_state(district.path)
    r = apply_package(district, ADMIN, again)
    assert (r.counts.conflicts, r.counts.replaced) == (0, 0) and record_state(district.path) == before


def test_an_older_copy_of_a_record_edited_here_is_a_conflict_and_a_newer_version_settles_it(tree, tmp_path):
    communes, packages, district, seeded = tree
    apply_package(district, ADMIN, packages["X1"])
    rid = seeded["X1"]["petition0"].id
    update_record(district, ADMIN, "petition", rid, {"status": "tiep_thu"})
    resent = tmp_path / "in2" / "X1-gui-lai.xlsx"
    export_package(communes["X1"], ADMIN, Q1, resent)  # a new file with the commune's unchanged revision 1
    r = apply_package(district, ADMIN, resent)
    assert r.counts.conflicts == 1 and r.conflicts[0].reason == "local_newer"
    update_record(communes["X1"], ADMIN, "petition", rid, {"status": "giai_trinh"})
    update_record(communes["X1"], ADMIN, "petition", rid, {"status": "tiep_thu", "response": "Đã chuyển UBND"})
    newer = tmp_path / "in3" / "X1-moi.xlsx"
    export_package(communes["X1"], ADMIN, Q1, newer)
    r = apply_package(district, ADMIN, newer)
    assert r.counts.replaced == 1 and list_conflicts(district, ADMIN) == []
    assert [c.status for c in list_conflicts(district, ADMIN, status=None)] == ["superseded"]
    assert get_record(district, ADMIN, "petition", rid).values["response"] == "Đã chuyển UBND"


def test_a_deletion_at_the_commune_leaves_the_district_figures(tree, tmp_path):
    communes, packages, district, seeded = tree
    apply_package(district, ADMIN, packages["X2"])
    assert figures(district)["meetings.total"] == 4 and figures(district)["meetings.participants"] == 121 + 120 + 80
    delete_record(communes["X2"], ADMIN, "meeting", seeded["X2"]["meeting1"].id)
    later = tmp_path / "in2" / "X2.xlsx"
    export_package(communes["X2"], ADMIN, Q1, later)
    r = apply_package(district, ADMIN, later)
    assert r.counts.replaced == 1
    assert figures(district) == figures(communes["X2"]) and figures(district)["meetings.total"] == 3
    assert get_record(district, ADMIN, "meeting", seeded["X2"]["meeting1"].id).deleted


def test_commune_district_province_gives_the_province_the_same_totals(tree, tmp_path):
    communes, _, district, _ = tree
    apply_packages(district, ADMIN, [tmp_path / "in"])
    up = tmp_path / "len-tinh" / "105-2025-Q1.xlsx"
    info = export_package(district, ADMIN, Q1, up)
    assert info.counts["meeting"] == sum(export.counts["meeting"] for export in [
        export_package(c, ADMIN, Q1, tmp_path / "x" / f"{code}.xlsx") for code, c in communes.items()])
    province = office(place(tmp_path, "tinh.db"), PROVINCE, [])
    r = apply_package(province, ADMIN, up)
    assert r.ok and r.counts.added == info.total and "Xã Bản Bo" in r.new_units
    assert figures(province) == figures(district)
    assert figures(province) == {k: sum(figures(c)[k] for c in communes.values()) for k in figures(province)}
    assert summarize(province, ADMIN, Q1, "X3").current.indicators == figures(communes["X3"])


def test_undo_withdraws_what_the_last_import_brought_and_leaves_tombstones_that_travel(tree, tmp_path):
    communes, packages, district, seeded = tree
    first = apply_package(district, ADMIN, packages["X1"])
    after_first = figures(district)
    rid = seeded["X1"]["meeting1"].id
    update_record(communes["X1"], ADMIN, "meeting", rid, {"participants": 999})
    second_file = tmp_path / "in2" / "X1.xlsx"
    export_package(communes["X1"], ADMIN, Q1, second_file)
    second = apply_package(district, ADMIN, second_file)
    assert second.counts.replaced == 1
    ledger = list_imports(district, ADMIN)
    assert [(i.id, i.can_undo) for i in ledger] == [(second.import_id, True), (first.import_id, False)]
    with pytest.raises(Refused, match="lần số"):
        undo_import(district, ADMIN, first.import_id)
    undone = undo_import(district, ADMIN, second.import_id)
    assert undone.status == "undone" and figures(district) == after_first
    back = get_record(district, ADMIN, "meeting", rid)
    # The version before the import, one revision above the withdrawn one, so the level above learns of it.
    assert (back.values["participants"], back.revision) == (121, 3) and "meeting" in undone.changes.kinds
    undo_import(district, ADMIN, first.import_id)
    assert figures(district)["meetings.total"] == 0
    assert [i.status for i in list_imports(district, ADMIN)] == ["undone", "undone"]
    with sqlite3.connect(district.path) as c:
        kept, live = c.execute("SELECT count(*), sum(NOT deleted) FROM meeting").fetchone()
    c.close()
    assert kept > 0 and live == 0  # tombstones, not hard deletes
    # The commune's package applied again brings everything back.
    again = apply_package(district, ADMIN, second_file)
    assert again.ok and again.counts.conflicts == 0 and figures(district) == figures(communes["X1"])


def test_undo_is_refused_once_a_record_it_touched_has_changed(tree):
    _, packages, district, seeded = tree
    r = apply_package(district, ADMIN, packages["X3"])
    update_record(district, ADMIN, "meeting", seeded["X3"]["meeting0"].id, {"participants": 200})
    with pytest.raises(Refused, match="1 bản ghi đã thay đổi"):
        undo_import(district, ADMIN, r.import_id)
    assert list_imports(district, ADMIN)[0].status == "applied"


def test_every_import_is_in_the_ledger_and_the_audit_and_a_backup_comes_first(tree, tmp_path):
    _, packages, district, _ = tree
    from danvan_desktop.services.backup import list_backups
    from danvan_desktop.services.history import list_audit

    r = apply_package(district, ADMIN, packages["X3"])
    [line] = list_imports(district, ADMIN)
    assert (line.file_name, line.unit_code, line.unit_name, line.period, line.username) == (
        "X3-2025-Q1.xlsx", "X3", "Xã Bản Bo", "2025-Q1", "admin")
    assert line.counts == r.counts and line.file_hash == r.file_hash and line.exported_at == r.exported_at
    audit = list_audit(district, ADMIN)[0]
    assert audit.action == "import" and audit.detail["counts"] == r.counts.as_dict()
    assert len(list_backups(district)) == 1
    with sqlite3.connect(district.path) as c:
        row = c.execute("SELECT counts FROM import_log").fetchone()
    assert json.loads(row[0])["by_kind"]["model"]["added"] == 4


def test_preview_of_a_folder_lists_each_package(tree, tmp_path):
    _, _, district, _ = tree
    (tmp_path / "in" / "~$X1-2025-Q1.xlsx").write_bytes(b"lock file of Excel")
    previews = preview_packages(district, ADMIN, [tmp_path / "in"])
    assert [p.unit_code for p in previews] == ["X1", "X2", "X3"] and all(p.ok for p in previews)
    assert previews[1].period_label == "quý I năm 2025" and previews[1].exported_by == "admin"
    assert isinstance(previews[1].exported_at, dt.datetime)


def test_progress_is_reported_while_applying(tree):
    _, packages, district, _ = tree
    seen: list[tuple[int, int]] = []
    r = apply_package(district, ADMIN, packages["X1"], progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (r.counts.total, r.counts.total)


def test_a_package_edited_between_preview_and_apply_is_refused(tree, tmp_path):
    _, packages, district, _ = tree
    p = preview_package(district, ADMIN, packages["X1"])
    Path(packages["X1"]).write_bytes(Path(packages["X2"]).read_bytes())
    r = apply_package(district, ADMIN, p)
    assert not r.ok and r.reason == "changed_since_preview" and list_imports(district, ADMIN) == []
