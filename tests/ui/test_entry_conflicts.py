"""Conflicts resolved field by field in the merge screen: take the chosen fields from the incoming copy."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from danvan_desktop.services.merge import list_conflicts
from danvan_desktop.services.records import get_record
from danvan_desktop.ui.conflicts import ConflictTableModel
from tests.integration.test_package_support import ADMIN
from tests.ui.helpers import wait_idle
from tests.ui.test_merge_ui import (  # noqa: F401 - fixtures
    _edit_both_sides,
    cell,
    choose_files,
    made,
    merge,
    row_of,
    screen_for,
    tree,
)


def test_taking_one_field_from_the_incoming_copy_in_the_conflicts_tab(qtbot, tree, tmp_path, monkeypatch):  # noqa: F811
    ctx, communes, packages, seeded = tree
    meeting, _petition, again = _edit_both_sides(ctx, communes, packages, seeded, tmp_path)
    screen = screen_for(qtbot, ctx)
    choose_files(qtbot, ctx, screen, monkeypatch, [again])
    merge(qtbot, ctx, screen, monkeypatch)
    cp = screen.conflicts
    screen.show_tab(cp)
    wait_idle(qtbot, ctx)
    cp.view.selectRow(row_of(cp.model, ConflictTableModel.COL_KIND, "Hội nghị"))
    assert not cp.fields_button.isEnabled()  # nothing chosen yet
    r = row_of(cp.diff_model, 0, "Số người tham dự")
    cp.diff_view.selectionModel().select(cp.diff_model.index(r, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                         | QItemSelectionModel.SelectionFlag.Rows)
    assert cp.chosen_fields() == ["participants"] and cp.fields_button.isEnabled()
    qtbot.mouseClick(cp.fields_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not cp.running)
    wait_idle(qtbot, ctx)
    rec = get_record(ctx.db, ADMIN, "meeting", meeting)
    assert (rec.values["participants"], rec.values["chair"]) == (150, "Giàng Seo Chính")
    assert "Đã lấy các trường đã chọn từ bản nhận vào" in cp.status.text()
    assert [c.kind for c in list_conflicts(ctx.db, ADMIN)] == ["petition"]
    assert cell(cp.model, 0, ConflictTableModel.COL_KIND) == "Ý kiến, kiến nghị"
