"""Tổng hợp dữ liệu in the window: real packages from commune databases, driven through the real widgets.

Preview (a refused package with its reason, a valid one with its counts), merge (the district's figures become
the communes' sum), conflicts (each button does what it says), undo, completeness, and every table model
through the model tester.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.backup import list_backups
from danvan_desktop.services.merge import apply_package, list_conflicts, list_imports
from danvan_desktop.services.records import get_record, update_record
from danvan_desktop.services.summary import summarize
from danvan_desktop.services.units import add_unit, list_units
from danvan_desktop.store.database import open_database
from danvan_desktop.ui import merge_ledger, merge_page
from danvan_desktop.ui.conflicts import ConflictTableModel
from danvan_desktop.ui.context import AppContext
from danvan_desktop.ui.merge_ledger import ImportLedgerModel
from danvan_desktop.ui.merge_page import MergeScreen, PackageTableModel
from danvan_desktop.ui.tasks import TaskRunner
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, Q1, commune, office, seed
from tests.ui.conftest import CAN_BO
from tests.ui.helpers import wait_idle

P = PackageTableModel


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Communes X1, X2 (district 105) and Y1 (district 106) with their Q1 packages; the district knows X1, X3."""
    root = tmp_path_factory.mktemp("tong-hop")
    seeded = {}
    for code in ("X1", "X2", "Y1"):
        db = commune(root, code)
        seeded[code] = seed(db, code)
        export_package(db, ADMIN, Q1, root / "in" / f"{code}-2025-Q1.xlsx")
        db.close()
    district = office(root / "huyen.db", DISTRICT, [PROVINCE])
    add_unit(district, ADMIN, code="X1", name="Xã Bình Lư", level="xa", parent_code="105")
    add_unit(district, ADMIN, code="X3", name="Xã Bản Bo", level="xa", parent_code="105")
    district.close()
    return root, seeded


@pytest.fixture
def tree(tmp_path, made, qtbot):
    """A fresh copy for one test: the district's session, the commune databases, the package files."""
    root, seeded = made
    shutil.copytree(root, tmp_path, dirs_exist_ok=True)
    district = open_database(tmp_path / "huyen.db")
    communes = {c: open_database(tmp_path / f"{c.lower()}.db") for c in ("X1", "X2")}
    ctx = AppContext(district, ADMIN, TaskRunner(), list_units(district))
    ctx.screens = []  # deleted after the model tester has let go of their models
    packages = {c: tmp_path / "in" / f"{c}-2025-Q1.xlsx" for c in ("X1", "X2", "Y1")}
    yield ctx, communes, packages, seeded
    for s in ctx.screens:
        s.close()
        s.deleteLater()
    QApplication.processEvents()
    ctx.runner.shutdown()
    for db in (district, *communes.values()):
        db.close()


def screen_for(qtbot, ctx) -> MergeScreen:
    s = MergeScreen(ctx)
    ctx.screens.append(s)  # not qtbot.addWidget: it deletes widgets before the model tester's teardown
    s.resize(1100, 700)
    s.show()
    s.apply_filters(None, Q1, "")  # what the window does when the page opens
    wait_idle(qtbot, ctx)
    return s


def choose_files(qtbot, ctx, screen, monkeypatch, files: list[Path]) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_a, **_k: ([str(f) for f in files], ""))
    panel = screen.packages
    qtbot.mouseClick(panel.files_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=10_000)
    wait_idle(qtbot, ctx)


def merge(qtbot, ctx, screen, monkeypatch) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(merge_page, "ask", lambda _p, text, **_k: asked.append(text) or True)
    panel = screen.packages
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert panel.running and panel.bar.isVisible() and not panel.files_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.running, timeout=15_000)
    wait_idle(qtbot, ctx)
    return asked


def row_of(model, column: int, text: str) -> int:
    for r in range(model.rowCount()):
        if text in model.index(r, column).data():
            return r
    raise AssertionError(text)


def cell(model, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return model.index(row, column).data(role)


def figures(db, unit=None):
    return summarize(db, ADMIN, Q1, unit).current.indicators


def test_preview_refuses_with_the_reason_and_merging_makes_the_district_the_sum(qtbot, tree, qtmodeltester,
                                                                               monkeypatch):
    ctx, communes, packages, _ = tree
    screen = screen_for(qtbot, ctx)
    comp = screen.completeness
    assert comp.period() == Q1 and comp.summary.text() == "0/2 đơn vị đã nộp đủ số liệu quý I năm 2025; 2 đơn vị " \
                                                          "chậm nộp"
    assert [comp.model.headerData(c, Qt.Orientation.Horizontal) for c in range(comp.model.columnCount())] == [
        "Đơn vị", "T1", "T2", "T3", "Lần nhận gói gần nhất", "Tình trạng"]

    # A whole folder: two packages of communes below, one from another district.
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(packages["X1"].parent))
    panel = screen.packages
    qtbot.mouseClick(panel.folder_button, Qt.MouseButton.LeftButton)
    assert panel.running and not panel.apply_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.running, timeout=10_000)
    wait_idle(qtbot, ctx)
    m = panel.model
    assert m.rowCount() == 3
    y1 = row_of(m, P.COL_FILE, "Y1")
    assert cell(m, y1, P.COL_STATUS) == "Bị từ chối: Đơn vị gửi không thuộc phạm vi"
    assert "không thuộc phạm vi của Huyện Tam Đường" in cell(m, y1, P.COL_STATUS, Qt.ItemDataRole.ToolTipRole)
    assert cell(m, y1, P.COL_ADDED) == "–"
    x1, x2 = row_of(m, P.COL_FILE, "X1"), row_of(m, P.COL_FILE, "X2")
    for r, name in ((x1, "Xã Bình Lư"), (x2, "Xã Bản Giang")):
        assert (cell(m, r, P.COL_UNIT), cell(m, r, P.COL_PERIOD), cell(m, r, P.COL_STATUS)) == (
            name, "Quý I năm 2025", "Hợp lệ")
        assert (cell(m, r, P.COL_ADDED), cell(m, r, P.COL_REPLACED), cell(m, r, P.COL_UNCHANGED),
                cell(m, r, P.COL_CONFLICTS)) == ("10", "0", "0", "0")
    assert cell(m, x1, P.COL_UNIT, Qt.ItemDataRole.ToolTipRole) == "Xã Bình Lư (mã X1)"
    assert cell(m, x1, P.COL_NEW) == "Bản Nà Khum X1"  # the commune is known, its village is not
    assert cell(m, x2, P.COL_NEW) == "Xã Bản Giang; Bản Nà Khum X2"
    panel.view.selectRow(y1)
    text = panel.details.toPlainText()
    assert "Bị từ chối: Đơn vị gửi không thuộc phạm vi" in text and "Xã Mường So" in text
    assert "dữ liệu của đơn vị không thay đổi gì" in text
    panel.view.selectRow(x2)
    assert "Hội nghị, tiếp xúc, đối thoại" in panel.details.toPlainText()
    assert "Sẽ thêm đơn vị mới vào cây đơn vị: Xã Bản Giang; Bản Nà Khum X2." in panel.details.toPlainText()
    assert "đã nộp" not in panel.status.text() and "2 hợp lệ, 1 bị từ chối" in panel.status.text()
    qtmodeltester.check(m, force_py=True)
    assert figures(ctx.db)["meetings.total"] == 0  # a preview writes nothing

    asked = merge(qtbot, ctx, screen, monkeypatch)
    assert "Tổng hợp 2 gói dữ liệu hợp lệ, gồm 20 bản ghi?" in asked[0]
    assert "1 gói bị từ chối sẽ không được tổng hợp" in asked[0] and "tự sao lưu" in asked[0]
    assert "truoc-tong-hop" in [b.reason for b in list_backups(ctx.db)]
    total = {k: figures(communes["X1"])[k] + figures(communes["X2"])[k] for k in figures(ctx.db)}
    assert figures(ctx.db) == total and total["meetings.total"] == 4
    assert panel.status.text().startswith("Đã tổng hợp 2 gói: thêm mới 20, thay thế 0, không đổi 0, xung đột 0.")
    assert "Kết quả" in panel.caption.text() and not panel.apply_button.isEnabled()
    assert [cell(m, r, P.COL_STATUS) for r in range(m.rowCount())] == [
        "Đã tổng hợp", "Đã tổng hợp", "Bị từ chối: Đơn vị gửi không thuộc phạm vi"]
    qtmodeltester.check(m, force_py=True)

    # The other tabs follow: the ledger, who has delivered, the new units in the session's unit list.
    ledger = screen.ledger
    qtbot.waitUntil(lambda: ledger.model.rowCount() == 2)
    L = ImportLedgerModel
    assert {cell(ledger.model, r, L.COL_UNIT) for r in range(2)} == {"Xã Bình Lư", "Xã Bản Giang"}
    assert cell(ledger.model, 0, L.COL_PERIOD) == "Quý I năm 2025"
    assert cell(ledger.model, 0, L.COL_USER) == "admin" and cell(ledger.model, 0, L.COL_ADDED) == "10"
    info = ledger.model.row(0)
    assert cell(ledger.model, 0, L.COL_HASH) == info.file_hash[:8]
    assert info.file_hash in cell(ledger.model, 0, L.COL_HASH, Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(ledger.model, force_py=True)
    assert comp.summary.text() == "2/3 đơn vị đã nộp đủ số liệu quý I năm 2025; 1 đơn vị chậm nộp"
    cm = comp.model
    rows = {cell(cm, r, 0): r for r in range(cm.rowCount())}
    assert [cell(cm, rows["Xã Bình Lư"], c) for c in (1, 2, 3)] == ["✓", "✓", "✓"]
    assert [cell(cm, rows["Xã Bản Bo"], c) for c in (1, 2, 3)] == ["✗", "✗", "✗"]
    assert cell(cm, rows["Xã Bản Bo"], 1, Qt.ItemDataRole.BackgroundRole) is not None  # late: highlighted
    assert cell(cm, rows["Xã Bình Lư"], 1, Qt.ItemDataRole.BackgroundRole) is None
    assert cell(cm, rows["Xã Bản Bo"], 4) == "Chưa nhận gói nào"
    assert cell(cm, rows["Xã Bản Bo"], 5).startswith("Chậm nộp")
    assert cell(cm, rows["Xã Bản Giang"], 5) == "Đã nộp đủ"
    qtmodeltester.check(cm, force_py=True)
    qtbot.waitUntil(lambda: "X2-01" in {u.code for u in ctx.units})

    # Another period: the month columns follow the picker (a month has one).
    comp.picker.kind.setCurrentIndex(comp.picker.kind.findData("month"))
    comp.picker.year.setValue(2025)
    comp.picker.part.setCurrentIndex(3)
    wait_idle(qtbot, ctx)
    assert cm.columnCount() == 4 and cell(cm, rows["Xã Bình Lư"], 1) == "✗"
    assert comp.summary.text().startswith("0/3 đơn vị đã nộp đủ số liệu tháng 4 năm 2025")


def _edit_both_sides(ctx, communes, packages, seeded, tmp_path) -> tuple[str, str, Path]:
    apply_package(ctx.db, ADMIN, packages["X1"], backup=False)
    meeting, petition = seeded["X1"]["meeting0"].id, seeded["X1"]["petition0"].id
    update_record(ctx.db, ADMIN, "meeting", meeting, {"participants": 130, "chair": "Giàng Seo Chính"})
    update_record(communes["X1"], ADMIN, "meeting", meeting, {"participants": 150})
    update_record(ctx.db, ADMIN, "petition", petition, {"content": "Đề nghị sửa đường liên bản (huyện ghi)"})
    update_record(communes["X1"], ADMIN, "petition", petition, {"content": "Đề nghị sửa đường liên bản (xã ghi)"})
    again = tmp_path / "lan-2" / "X1-gui-lai.xlsx"
    export_package(communes["X1"], ADMIN, Q1, again)
    return meeting, petition, again


def test_a_conflict_shows_field_by_field_and_each_button_does_what_it_says(qtbot, tree, qtmodeltester, tmp_path,
                                                                          monkeypatch):
    ctx, communes, packages, seeded = tree
    meeting, petition, again = _edit_both_sides(ctx, communes, packages, seeded, tmp_path)
    screen = screen_for(qtbot, ctx)
    choose_files(qtbot, ctx, screen, monkeypatch, [again])
    panel = screen.packages
    assert cell(panel.model, 0, P.COL_CONFLICTS) == "2"
    assert cell(panel.model, 0, P.COL_CONFLICTS, Qt.ItemDataRole.ForegroundRole) is not None
    details = panel.details.toPlainText()
    assert "2 xung đột" in details and "Số người tham dự" in details and "Giàng Seo Chính" in details
    assert "Tại chỗ" in details and "Nhận vào" in details
    merge(qtbot, ctx, screen, monkeypatch)
    assert "Có 2 xung đột chờ quyết định ở thẻ “Xung đột”." in panel.status.text()

    cp = screen.conflicts
    assert screen.tabs.tabText(screen.tabs.indexOf(cp)) == "Xung đột (2)"
    screen.show_tab(cp)
    wait_idle(qtbot, ctx)
    assert cp.model.rowCount() == 2 and cp.summary.text() == "2 xung đột chờ quyết định"
    C = ConflictTableModel
    r_meeting = row_of(cp.model, C.COL_KIND, "Hội nghị")
    assert cell(cp.model, r_meeting, C.COL_UNIT) == "Bản Nà Khum X1"
    assert cell(cp.model, r_meeting, C.COL_REASON).startswith("Hai bên cùng lần sửa 2")
    qtmodeltester.check(cp.model, force_py=True)

    cp.view.selectRow(r_meeting)
    diffs = {cell(cp.diff_model, r, 0): (cell(cp.diff_model, r, 1), cell(cp.diff_model, r, 2))
             for r in range(cp.diff_model.rowCount())}
    assert diffs == {"Số người tham dự": ("130", "150"), "Người chủ trì": ("Giàng Seo Chính", "Lò Văn Minh")}
    assert [cp.diff_model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == ["Trường", "Tại chỗ",
                                                                                          "Nhận vào"]
    qtmodeltester.check(cp.diff_model, force_py=True)
    qtbot.mouseClick(cp.keep_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not cp.running)
    wait_idle(qtbot, ctx)
    kept = get_record(ctx.db, ADMIN, "meeting", meeting)
    assert (kept.values["participants"], kept.values["chair"], kept.revision) == (130, "Giàng Seo Chính", 3)
    assert "Đã giữ bản tại chỗ" in cp.status.text()
    assert cp.model.rowCount() == 1 and screen.tabs.tabText(screen.tabs.indexOf(cp)) == "Xung đột (1)"

    cp.view.selectRow(0)
    assert cell(cp.diff_model, 0, 2) == "Đề nghị sửa đường liên bản (xã ghi)"
    qtbot.mouseClick(cp.take_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not cp.running)
    wait_idle(qtbot, ctx)
    assert get_record(ctx.db, ADMIN, "petition", petition).values["content"] == "Đề nghị sửa đường liên bản (xã ghi)"
    assert "Đã lấy bản nhận vào" in cp.status.text()
    assert cp.model.rowCount() == 0 and cp.summary.text() == "Không có xung đột nào chờ quyết định."
    assert not cp.keep_button.isEnabled() and not cp.take_button.isEnabled()
    assert list_conflicts(ctx.db, ADMIN) == [] and screen.tabs.tabText(screen.tabs.indexOf(cp)) == "Xung đột"


def test_undo_restores_what_the_merge_changed(qtbot, tree, monkeypatch):
    ctx, communes, packages, _ = tree
    apply_package(ctx.db, ADMIN, packages["X1"], backup=False)
    screen = screen_for(qtbot, ctx)
    choose_files(qtbot, ctx, screen, monkeypatch, [packages["X2"], packages["X1"]])
    m = screen.packages.model
    x1 = row_of(m, P.COL_FILE, "X1")
    assert cell(m, x1, P.COL_STATUS).startswith("Hợp lệ (đã tổng hợp lúc ")
    assert cell(m, x1, P.COL_UNCHANGED) == "10" and cell(m, x1, P.COL_ADDED) == "0"
    merge(qtbot, ctx, screen, monkeypatch)
    both = {k: figures(communes["X1"])[k] + figures(communes["X2"])[k] for k in figures(ctx.db)}
    assert figures(ctx.db) == both

    ledger = screen.ledger
    screen.show_tab(ledger)
    wait_idle(qtbot, ctx)
    L = ImportLedgerModel
    assert ledger.model.rowCount() == 3
    first_x1 = min(range(3), key=lambda r: ledger.model.row(r).id)
    ledger.view.selectRow(first_x1)  # the earlier X1 import: a later one of the same package exists
    assert not ledger.undo_button.isEnabled() and "mới nhất" in ledger.undo_button.toolTip()
    x2 = row_of(ledger.model, L.COL_UNIT, "Xã Bản Giang")
    ledger.view.selectRow(x2)
    assert ledger.undo_button.isEnabled()
    asked: list[str] = []
    monkeypatch.setattr(merge_ledger, "ask", lambda _p, text, **_k: asked.append(text) or True)
    qtbot.mouseClick(ledger.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not ledger.running, timeout=10_000)
    wait_idle(qtbot, ctx)
    assert "10 bản ghi gói này đã thêm sẽ bị gỡ bỏ" in asked[0] and "tự sao lưu" in asked[0]
    assert figures(ctx.db) == figures(communes["X1"])
    assert "Đã hoàn tác" in ledger.status.text()
    x2 = row_of(ledger.model, L.COL_UNIT, "Xã Bản Giang")
    assert cell(ledger.model, x2, L.COL_STATUS) == "Đã hoàn tác"
    assert "Đã hoàn tác lúc " in cell(ledger.model, x2, L.COL_STATUS, Qt.ItemDataRole.ToolTipRole)
    ledger.view.selectRow(x2)
    assert not ledger.undo_button.isEnabled()
    assert [i.status for i in list_imports(ctx.db, ADMIN) if i.unit_code == "X2"] == ["undone"]
    assert screen.completeness.summary.text().startswith("1/3 đơn vị đã nộp đủ")


def test_an_account_without_the_right_sees_why_and_only_what_it_may_see(qtbot, tree):
    ctx, *_ = tree
    c = AppContext(ctx.db, CAN_BO, TaskRunner(), ctx.units)
    c.screens = ctx.screens
    try:
        screen = screen_for(qtbot, c)
        assert screen.denied is not None
        assert "không có quyền tổng hợp dữ liệu" in screen.denied.text()
        assert [screen.tabs.tabText(i) for i in range(screen.tabs.count())] == ["Nhật ký tổng hợp",
                                                                                "Tình hình nộp báo cáo"]
        assert screen.packages is None and screen.conflicts is None and not screen.ledger.undo_button.isVisible()
        assert screen.completeness.summary.text().startswith("0/2 đơn vị")
    finally:
        c.runner.shutdown()


def test_the_window_shows_the_merge_screen(qtbot, tree):
    from danvan_desktop.ui.main_window import MainWindow

    ctx, *_ = tree
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.period_picker.set_period(Q1)
    page = w.show_page("merge")
    wait_idle(qtbot, ctx)
    assert isinstance(page.content, MergeScreen)
    assert page.content.completeness.period() == Q1 and page.content.completeness.is_loaded


def test_progress_reported_on_a_worker_thread_reaches_the_widgets_only_through_the_event_loop(qtbot, tree):
    import threading

    from danvan_desktop.ui.merge_page import PackagesPanel

    ctx, *_ = tree
    panel = PackagesPanel(ctx)
    ctx.screens.append(panel)
    panel._verb = "Đang tổng hợp"
    panel._set_running(True, "Đang sao lưu dữ liệu trước khi tổng hợp…")
    worker = threading.Thread(target=lambda: panel.progress.report(2, 4, 50, 100))
    worker.start()
    worker.join()
    assert panel.status.text() == "Đang sao lưu dữ liệu trước khi tổng hợp…"  # the worker touched no widget
    qtbot.waitUntil(lambda: panel.status.text() == "Đang tổng hợp gói 2/4: 50/100 bản ghi…")
    assert (panel.bar.maximum(), panel.bar.value()) == (1000, 375)
    panel._set_running(False)
