"""The window as a whole: roles decide what is shown, overview figures, admin screen, start-up, Vietnamese only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QTreeView,
    QWidget,
)

from danvan_desktop.domain.periods import Period
from danvan_desktop.services.accounts import authenticate, list_accounts
from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.records import add_record
from danvan_desktop.services.units import list_units
from danvan_desktop.ui.dialogs import LoginDialog, SetupWizard
from danvan_desktop.ui.main_window import MainWindow
from tests.ui.conftest import ADMIN, CAN_BO, PASSWORD, VAN_THU, make_ctx
from tests.ui.helpers import open_window, type_text, wait_idle


def nav_labels(w: MainWindow) -> list[str]:
    return [w.nav.item(i).text() for i in range(w.nav.count())]


def test_the_admin_sees_every_page_titled_with_the_office(qtbot, ctx):
    w = open_window(qtbot, ctx)
    assert w.windowTitle() == "Dân vận – Xã Bản Bo"
    assert nav_labels(w) == ["Tổng quan", "Hội nghị", "Ý kiến - kiến nghị", "Giám sát - kiểm tra", "Tôn giáo",
                             "Dân vận khéo", "Tổng hợp dữ liệu", "Báo cáo", "Nhật ký", "Sao lưu", "Quản trị"]


@pytest.mark.parametrize(("actor", "missing", "editable"), [
    (CAN_BO, {"Tôn giáo", "Quản trị", "Tổng hợp dữ liệu", "Nhật ký", "Sao lưu"}, True),
    (VAN_THU, {"Tôn giáo", "Quản trị", "Tổng hợp dữ liệu", "Nhật ký", "Sao lưu"}, False),
])
def test_roles_decide_what_is_shown(qtbot, db, actor, missing, editable):
    ctx = make_ctx(db, actor)
    try:
        w = open_window(qtbot, ctx)
        assert not missing & set(nav_labels(w))
        assert "Hội nghị" in nav_labels(w)
        w.show_page("meeting")
        wait_idle(qtbot, ctx)
        assert w.new_action.isEnabled() is editable
        assert w.delete_action.isEnabled() is editable
        add_record(db, SYSTEM, "meeting", {"kind": "khac", "title": "Họp bản", "date": dt.date.today()})
        ctx.recordsChanged.emit("meeting")
        wait_idle(qtbot, ctx)
        lp = w.list_page()
        lp.view.selectRow(0)
        form = lp.open_selected()
        assert form.read_only is (not editable)
        assert form.save_button.isVisible() is editable
        form.close()
        assert "checks" not in w.overview.cards
    finally:
        ctx.runner.shutdown()


def test_a_granted_account_sees_religion_in_two_tabs(qtbot, db):
    from danvan_desktop.services.actor import Actor

    ctx = make_ctx(db, Actor("canbo", "can_bo", "Lò Thị Mai", religion_access=True))
    try:
        w = open_window(qtbot, ctx)
        page = w.show_page("religion")
        tabs = page.findChild(QTabWidget)
        assert [tabs.tabText(i) for i in range(tabs.count())] == ["Điểm nhóm, cơ sở tôn giáo",
                                                                   "Kiểm tra, nắm tình hình tôn giáo"]
    finally:
        ctx.runner.shutdown()


def test_overview_compares_with_last_year_and_lists_what_waits(qtbot, ctx):
    # Last year, which has ended: this year's figures stop at today, so early-January records would be future.
    y = dt.date.today().year - 1
    add_record(ctx.db, SYSTEM, "meeting", {"kind": "khac", "title": "Năm nay", "date": dt.date(y, 1, 5),
                                           "participants": 40})
    add_record(ctx.db, SYSTEM, "meeting", {"kind": "khac", "title": "Năm nay 2", "date": dt.date(y, 1, 6)})
    add_record(ctx.db, SYSTEM, "meeting", {"kind": "khac", "title": "Năm trước", "date": dt.date(y - 1, 1, 5)})
    add_record(ctx.db, SYSTEM, "petition", {"type": "kien_nghi", "content": "Sửa cầu treo", "status": "moi",
                                            "field": "ha_tang",
                                            "received_date": dt.date(y - 1, 1, 5),
                                            "deadline": dt.date(y - 1, 2, 5)})
    add_record(ctx.db, SYSTEM, "model", {"registrant_kind": "ca_nhan", "registrant": "Lò Văn A", "name": "Nuôi cá",
                                         "field": "kinh_te", "registered_date": dt.date(y, 1, 2),
                                         "status": "dang_ky"})
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(Period.year(y))
    wait_idle(qtbot, ctx)
    ov = w.overview
    assert ov.is_loaded
    card = ov.cards["meetings"]
    assert card.value.text() == "2"
    assert "tăng 1 so với cùng kỳ (1)" in card.compare.text()
    assert "40 lượt người tham dự" in card.compare.text()
    assert ov.tabs.tabText(0) == "Kiến nghị quá hạn (1)"
    assert ov.overdue.item(0, 1).text() == "Sửa cầu treo"
    assert ov.tabs.tabText(1) == "Mô hình chờ đánh giá (1)"
    assert ov.chart.data["meeting"][0] == 2
    assert not ov.chart.grab().isNull()
    labels = [ov.indicators.index(r, 0).data() for r in range(ov.indicators.rowCount())]
    assert "Tổng số hội nghị" in labels


def test_keyboard_shortcuts(qtbot, ctx):
    w = open_window(qtbot, ctx)
    assert w.new_action.shortcut().toString() == "Ctrl+N"
    assert w.find_action.shortcut().toString() == "Ctrl+F"
    assert w.print_action.shortcut().toString() == "Ctrl+P"
    assert w.print_action.isEnabled() and w.reports_page.plugged  # the reports page gives Ctrl+P its preview
    called = []
    w.plug_reports(QLabel("báo cáo"), print_handler=lambda: called.append(1))
    assert w.reports_page.plugged and w.print_action.isEnabled()
    w.print_action.trigger()
    assert called == [1]
    w.plug_merge(QLabel("tổng hợp"))
    assert w.merge_page.plugged
    w.show_page("monitoring")
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert w.list_page().last_dialog is not None and w.list_page().last_dialog.isVisible()
    w.list_page().last_dialog.reject()


def test_the_admin_manages_accounts_and_units(qtbot, ctx, monkeypatch):
    w = open_window(qtbot, ctx)
    admin = w.show_page("admin")
    wait_idle(qtbot, ctx)
    assert admin.accounts.rowCount() == 3
    # A new account.
    admin.new_account()
    dlg = admin.last_dialog
    qtbot.keyClicks(dlg.username, "nguyenvanb")
    type_text(dlg.full_name, "Nguyễn Văn Bình")
    dlg.role.setCurrentIndex(dlg.role.findText("Cán bộ tổng hợp"))
    qtbot.keyClicks(dlg.password, "abc")
    qtbot.keyClicks(dlg.password2, "abc")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert dlg.isVisible() and "ít nhất 6 ký tự" in dlg.error.text()
    dlg.password.setText("matkhau9")
    dlg.password2.setText("matkhau9")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert dlg.result() == QDialog.DialogCode.Accepted
    wait_idle(qtbot, ctx)
    accounts = {a.username: a for a in list_accounts(ctx.db, ctx.actor)}
    assert accounts["nguyenvanb"].role == "tong_hop" and accounts["nguyenvanb"].full_name == "Nguyễn Văn Bình"
    # Lock it, grant religion, reset its password.
    row = [admin.accounts.account(r).username for r in range(admin.accounts.rowCount())].index("nguyenvanb")
    admin.account_view.selectRow(row)
    monkeypatch.setattr("danvan_desktop.ui.admin.ask", lambda *a, **k: True)
    admin.toggle_lock()
    wait_idle(qtbot, ctx)
    admin.account_view.selectRow(row)
    admin.toggle_religion()
    wait_idle(qtbot, ctx)
    accounts = {a.username: a for a in list_accounts(ctx.db, ctx.actor)}
    assert not accounts["nguyenvanb"].active and accounts["nguyenvanb"].religion_access
    admin.account_view.selectRow(row)
    admin.edit_account()
    dlg = admin.last_dialog
    dlg.role.setCurrentIndex(dlg.role.findData("can_bo"))
    dlg.active.setChecked(True)
    dlg.religion.setChecked(True)
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    a = {a.username: a for a in list_accounts(ctx.db, ctx.actor)}["nguyenvanb"]
    assert (a.role, a.active, a.religion_access) == ("can_bo", True, True)
    admin.account_view.selectRow(row)
    admin.reset_password()
    dlg = admin.last_dialog
    dlg.password.setText("moimoi123")
    dlg.password2.setText("moimoi123")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert authenticate(ctx.db, "nguyenvanb", "moimoi123").role == "can_bo"
    # A village below the commune, then renamed.
    admin.tabs.setCurrentIndex(1)
    admin.new_unit()
    dlg = admin.last_dialog
    qtbot.keyClicks(dlg.code, "T03")
    type_text(dlg.name, "Thôn Phiêng Ẳng")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert "Thôn Phiêng Ẳng" in [u.name for u in list_units(ctx.db)]
    assert "Thôn Phiêng Ẳng" in [u.name for u in ctx.units]  # the unit filter and forms see it too
    model = admin.unit_view.model()
    hit = model.match(model.index(0, 0), Qt.ItemDataRole.UserRole, "T03", 1, Qt.MatchFlag.MatchRecursive)[0]
    admin.unit_view.setCurrentIndex(hit)
    admin.rename()
    dlg = admin.last_dialog
    dlg.name.clear()
    type_text(dlg.name, "Bản Phiêng Ẳng")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert "Bản Phiêng Ẳng" in [u.name for u in list_units(ctx.db)]


def test_the_first_run_wizard_finds_the_unit_without_marks_and_creates_the_office(qtbot, tmp_path):
    from danvan_desktop.ui.tasks import TaskRunner

    runner = TaskRunner()
    path = tmp_path / "moi.db"
    wiz = SetupWizard(path, runner)
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.keyClicks(wiz.search, "ban bo lai chau")
    qtbot.waitUntil(lambda: wiz.results.count() > 0 and "Bản Bo" in wiz.results.item(0).text(), timeout=10_000)
    assert wiz.results.item(0).text() == "Xã Bản Bo — Lai Châu"
    qtbot.mouseClick(wiz.next, Qt.MouseButton.LeftButton)
    assert wiz.stack.currentIndex() == 1
    type_text(wiz.full_name, "Hoàng Thị Vân")
    wiz.password.setText("matkhau1")
    wiz.password2.setText("matkhau2")
    qtbot.mouseClick(wiz.next, Qt.MouseButton.LeftButton)
    assert "không giống nhau" in wiz.error.text() and not path.exists()
    wiz.password2.setText("matkhau1")
    qtbot.mouseClick(wiz.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wiz.result() == QDialog.DialogCode.Accepted, timeout=20_000)
    assert wiz.actor.username == "admin" and wiz.actor.role == "admin"
    units = list_units(wiz.db)
    assert (units[0].name, units[0].code) == ("Xã Bản Bo", "03424")
    wiz.db.close()
    runner.shutdown()


def test_login_refuses_a_wrong_password_then_signs_in(qtbot, db):
    from danvan_desktop.ui.tasks import TaskRunner

    runner = TaskRunner()
    dlg = LoginDialog(db, runner, "Xã Bản Bo")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.username, "canbo")
    qtbot.keyClicks(dlg.password, "sai-mat-khau")
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    assert dlg.error.text() == "Sai tên đăng nhập hoặc mật khẩu." and dlg.password.text() == ""
    qtbot.keyClicks(dlg.password, PASSWORD)
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    assert dlg.actor.username == "canbo" and dlg.actor.role == "can_bo"
    runner.shutdown()


# Words that would betray English left in the interface (key names such as Delete, Enter, Esc are printed on
# the keyboard and stay).
ENGLISH = re.compile(r"\b(OK|Cancel|Save|Close|Yes|No|Remove|Edit|New|Search|Loading|Error|Apply|Undo|Redo|Copy|"
                     r"Paste|Select|Name|Date|Unit|Total|Print|Next|Back|Finish|Help)\b")


def visible_texts(root: QWidget) -> list[str]:
    out: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        if isinstance(w, QLineEdit):
            out.append(w.placeholderText())
        if isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QTabWidget):
            out += [w.tabText(i) for i in range(w.count())]
        out.append(w.toolTip())
        out.append(w.windowTitle())
        if isinstance(w, QTableView | QTreeView) and w.model() is not None:
            m = w.model()
            cols = (w.horizontalHeader() if isinstance(w, QTableView) else w.header()).count()
            out += [str(m.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(cols)]
    out += [a.text() for a in root.findChildren(type(root.actions()[0]))] if root.actions() else []
    return [t for t in out if t]


def test_no_english_is_left_in_the_window_or_its_forms(qtbot, ctx):
    w = open_window(qtbot, ctx)
    texts = []
    for key in list(w.pages):
        w.show_page(key)
        wait_idle(qtbot, ctx)
    texts += visible_texts(w)
    for key in ("meeting", "petition", "monitoring", "model"):
        w.show_page(key)
        form = w.list_page().new_record()
        texts += visible_texts(form)
        form.reject()
    w.admin.new_account()
    texts += visible_texts(w.admin.last_dialog)
    w.admin.last_dialog.reject()
    english = sorted({t for t in texts if ENGLISH.search(t)})
    assert english == []
    # Qt's own words (context menus, message box buttons) come out in Vietnamese too.
    tr = QCoreApplication.translate
    assert tr("QLineEdit", "&Copy") == "Sao chép"
    assert tr("QPlatformTheme", "Cancel") == "Hủy"
    assert tr("QMessageBox", "Show Details...") == "Xem chi tiết…"
    edit = QLineEdit()
    menu = edit.createStandardContextMenu()
    assert [a.text().split("\t")[0] for a in menu.actions() if a.text()][:2] == ["Hoàn tác", "Làm lại"]


def test_the_window_stays_responsive_while_work_runs_in_the_background(qtbot, ctx):
    import threading

    w = open_window(qtbot, ctx)
    gate = threading.Event()
    ctx.runner.run(lambda: gate.wait(5), label="Đang thử…")
    qtbot.waitUntil(lambda: w.busy_bar.isVisible())
    assert w.busy_label.text() == "Đang thử…"
    # The event loop keeps turning: the UI reacts while the task is blocked.
    w.show_page("meeting")
    assert w.page_key() == "meeting"
    gate.set()
    wait_idle(qtbot, ctx)
    assert not w.busy_bar.isVisible()


def test_admin_fixture_is_the_office_admin():
    assert ADMIN.role == "admin"
