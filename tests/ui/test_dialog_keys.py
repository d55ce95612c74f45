"""Enter and Esc in every dialog of the window (issue 13): Enter never discards or destroys work, Esc closes
without doing anything. Keys are pressed on the real dialogs; the database and the files are read afterwards.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from danvan_desktop.services.accounts import list_accounts
from danvan_desktop.services.records import count_by_kind
from danvan_desktop.services.units import list_units
from tests.ui.conftest import ADMIN, PASSWORD
from tests.ui.helpers import type_text, wait_idle
from tests.ui.test_window import open_window

ENTER, ESC = Qt.Key.Key_Return, Qt.Key.Key_Escape


def press_in_next(kind: type, key: Qt.Key, seen: list, before=None) -> None:  # noqa: ANN001
    """Press a key in the modal dialog of this kind that is about to open (a question, a file dialog)."""
    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, kind):
            QTimer.singleShot(20, act)
            return
        if isinstance(box, QMessageBox):
            seen.append(box.defaultButton().text() if box.defaultButton() else None)
        else:
            seen.append(box.windowTitle())
        if before is not None:
            before(box)
        QTest.keyClick(box.focusWidget() or box, key)  # the window system may not have moved the focus
    QTimer.singleShot(0, act)


def accounts(ctx) -> dict[str, tuple]:  # noqa: ANN001
    return {a.username: (a.full_name, a.role, a.active) for a in list_accounts(ctx.db, ADMIN)}


# ---- Quản trị: account and unit dialogs --------------------------------------------------------------------

def admin_page(qtbot, ctx):  # noqa: ANN001
    w = open_window(qtbot, ctx)
    page = w.show_page("admin")
    wait_idle(qtbot, ctx)
    return w, page


def test_new_account_esc_adds_nothing_and_enter_adds_it(qtbot, ctx):
    _w, page = admin_page(qtbot, ctx)
    before = accounts(ctx)
    page.add_account_button.click()
    dlg = page.last_dialog
    dlg.username.setFocus()
    type_text(dlg.username, "tonghop")
    type_text(dlg.full_name, "Lò Văn Tổng")
    qtbot.keyClick(dlg.full_name, ESC)
    assert not dlg.isVisible()
    wait_idle(qtbot, ctx)
    assert accounts(ctx) == before
    page.add_account_button.click()
    dlg = page.last_dialog
    type_text(dlg.username, "tonghop")
    type_text(dlg.full_name, "Lò Văn Tổng")
    type_text(dlg.password, "matkhau1")
    type_text(dlg.password2, "matkhau2")  # a slip: Enter shows why and keeps everything typed
    qtbot.keyClick(dlg.password2, ENTER)
    assert dlg.isVisible() and "không giống nhau" in dlg.error.text() and dlg.username.text() == "tonghop"
    dlg.password2.clear()
    type_text(dlg.password2, "matkhau1")
    qtbot.keyClick(dlg.password2, ENTER)
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: not dlg.isVisible())
    assert accounts(ctx)["tonghop"] == ("Lò Văn Tổng", "can_bo", True)


def test_edit_account_and_password_esc_change_nothing_and_enter_saves(qtbot, ctx):
    from danvan_desktop.services.accounts import authenticate

    _w, page = admin_page(qtbot, ctx)
    qtbot.waitUntil(lambda: page.accounts.rowCount() == 3)
    row = next(r for r in range(3) if page.accounts.account(r).username == "canbo")
    page.account_view.selectRow(row)
    before = accounts(ctx)
    page.edit_account()
    dlg = page.last_dialog
    dlg.full_name.selectAll()
    type_text(dlg.full_name, "Lò Thị Mai Anh")
    qtbot.keyClick(dlg.full_name, ESC)
    wait_idle(qtbot, ctx)
    assert not dlg.isVisible() and accounts(ctx) == before
    page.reset_password()
    dlg = page.last_dialog
    type_text(dlg.password, "moi12345")
    type_text(dlg.password2, "moi12345")
    qtbot.keyClick(dlg.password2, ESC)
    wait_idle(qtbot, ctx)
    assert not dlg.isVisible() and authenticate(ctx.db, "canbo", PASSWORD).username == "canbo"
    page.edit_account()
    dlg = page.last_dialog
    dlg.full_name.selectAll()
    type_text(dlg.full_name, "Lò Thị Mai Anh")
    qtbot.keyClick(dlg.full_name, ENTER)
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: not dlg.isVisible())
    assert accounts(ctx)["canbo"][0] == "Lò Thị Mai Anh"


def test_unit_dialogs_esc_change_nothing_and_enter_saves(qtbot, ctx):
    _w, page = admin_page(qtbot, ctx)
    page.tabs.setCurrentIndex(1)
    before = [(u.code, u.name) for u in list_units(ctx.db)]
    page.new_unit()  # below the home unit, selected first
    dlg = page.last_dialog
    dlg.code.setFocus()
    type_text(dlg.code, "T03")
    type_text(dlg.name, "Bản Nà Hừ")
    qtbot.keyClick(dlg.name, ESC)
    wait_idle(qtbot, ctx)
    assert not dlg.isVisible() and [(u.code, u.name) for u in list_units(ctx.db)] == before
    page.rename()
    dlg = page.last_dialog
    dlg.name.selectAll()
    type_text(dlg.name, "Xã Bản Bo Mới")
    qtbot.keyClick(dlg.name, ESC)
    wait_idle(qtbot, ctx)
    assert not dlg.isVisible() and [(u.code, u.name) for u in list_units(ctx.db)] == before
    page.new_unit()
    dlg = page.last_dialog
    type_text(dlg.code, "T03")
    type_text(dlg.name, "Bản Nà Hừ")
    qtbot.keyClick(dlg.name, ENTER)
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: not dlg.isVisible())
    assert ("T03", "Bản Nà Hừ") in [(u.code, u.name) for u in list_units(ctx.db)]
    qtbot.waitUntil(lambda: "T03" in {u.code for u in ctx.units})  # the broadcast reloaded the tree


def test_report_settings_esc_saves_nothing_and_enter_saves(qtbot, ctx):
    from danvan_desktop.exchange.report import report_settings
    from danvan_desktop.ui.report_page import ReportSettingsDialog

    before = report_settings(ctx.db)
    dlg = ReportSettingsDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: dlg.loaded)
    box = dlg.fields["signer_name"]
    box.setFocus()
    box.selectAll()
    type_text(box, "Lò Văn Thành")
    qtbot.keyClick(box, ESC)
    wait_idle(qtbot, ctx)
    assert not dlg.isVisible() and report_settings(ctx.db) == before
    dlg.show()
    box.setFocus()
    qtbot.keyClick(box, ENTER)
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: not dlg.isVisible())
    assert report_settings(ctx.db).signer_name == "Lò Văn Thành"


# ---- exports, template import, report issue ----------------------------------------------------------------

def test_export_dialog_esc_writes_nothing_and_enter_never_overwrites_a_file(qtbot, ctx, tmp_path):
    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.ui.report_page import ReportPage

    page = ReportPage(ctx)
    qtbot.addWidget(page)
    page.show()
    wait_idle(qtbot, ctx)
    page.period.set_period(parse_period(str(dt.date.today().year)))
    dlg = page.export("xlsx")
    out = tmp_path / "goi.xlsx"
    dlg.set_destination(out)
    qtbot.keyClick(dlg.dest, ESC)
    assert not dlg.isVisible() and not out.exists()
    out.write_bytes(b"ban xuat truoc")  # an earlier export the cadre still needs
    dlg = page.export("xlsx")
    dlg.set_destination(out)
    seen: list = []
    press_in_next(QMessageBox, ENTER, seen)
    qtbot.keyClick(dlg.dest, ENTER)  # Enter: Xuất, then Enter in "Ghi đè tệp cũ?"
    wait_idle(qtbot, ctx)
    assert seen == ["Không"] and out.read_bytes() == b"ban xuat truoc" and dlg.isVisible() and not dlg.running
    press_in_next(QMessageBox, ESC, seen)
    qtbot.keyClick(dlg.dest, ENTER)
    wait_idle(qtbot, ctx)
    assert out.read_bytes() == b"ban xuat truoc"
    qtbot.keyClick(dlg.dest, ESC)
    assert not dlg.isVisible()


def test_template_import_esc_imports_nothing(qtbot, ctx, tmp_path):
    from danvan_desktop.exchange.template import write_template

    path = tmp_path / "mau.xlsx"
    write_template(path)
    wb = load_workbook(path)
    for col, v in enumerate(["", "Khác", "Họp bản", "01/02/2025"], start=1):
        wb["Hội nghị"].cell(3, col, v)
    wb.save(path)
    w = open_window(qtbot, ctx)
    qtbot.keyClick(w, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dlg = w.import_dialog
    qtbot.keyClicks(dlg.path, str(path))
    qtbot.keyClick(dlg.path, ESC)
    wait_idle(qtbot, ctx)
    assert not dlg.isVisible() and sum(count_by_kind(ctx.db, ctx.actor).values()) == 0


def test_report_issue_esc_in_the_file_dialog_issues_nothing_and_enter_issues(qtbot, ctx, tmp_path):
    from danvan_desktop.services.reports import list_issues
    from tests.ui.test_composer import open_composer

    w = open_composer(qtbot, ctx)
    seen: list = []
    press_in_next(QFileDialog, ESC, seen)
    w.issue()  # "Phát hành…": Qt's file dialog opens
    wait_idle(qtbot, ctx)
    assert seen == ["Phát hành báo cáo"] and list_issues(ctx.db, ADMIN) == []
    out = tmp_path / "bao-cao.docx"

    def name_it(box: QFileDialog) -> None:
        box.selectFile(str(out))

    press_in_next(QFileDialog, ENTER, seen, name_it)
    w.issue()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: w.issues.count() == 1, timeout=10_000)
    assert out.is_file() and len(list_issues(ctx.db, ADMIN)) == 1


# ---- backup and restore, keys, undo ------------------------------------------------------------------------

def test_the_restore_question_enter_and_esc_restore_nothing(qtbot, ctx):
    from danvan_desktop.services.backup import backup_now, list_backups
    from danvan_desktop.services.records import add_record

    made = backup_now(ctx.db, ADMIN)
    add_record(ctx.db, ADMIN, "meeting", {"kind": "khac", "title": "Họp sau khi sao lưu",
                                          "date": dt.date(2025, 3, 1)})
    w = open_window(qtbot, ctx)
    page = w.show_page("backup")
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.view.selectRow(0)
    for key in (ENTER, ESC):
        seen: list = []
        press_in_next(QMessageBox, key, seen)
        page.restore_selected()
        wait_idle(qtbot, ctx)
        assert seen == ["Không"]
    assert [b.path for b in list_backups(ctx.db)] == [made.path]  # no "before restoring" copy: nothing began
    assert count_by_kind(ctx.db, ADMIN)["meeting"] == 1


def test_the_key_acceptance_question_enter_and_esc_accept_nothing(qtbot, ctx, tmp_path):
    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.exchange.package import export_package
    from danvan_desktop.services.merge import apply_package
    from danvan_desktop.services.setup import UnitSpec, init_office
    from danvan_desktop.services.signing import trusted_keys
    from tests.ui.conftest import HOME, PROVINCE

    q1 = parse_period("2025-Q1")
    for name in ("t01", "t01-moi"):  # the village office, then the same village after a reinstall
        v = init_office(tmp_path / f"{name}.db", UnitSpec("T01", "Thôn Nà Ản", "thon"), [HOME, PROVINCE], "admin",
                        PASSWORD)
        export_package(v, ADMIN, q1, tmp_path / f"{name}.xlsx")
        v.close()
    assert apply_package(ctx.db, ADMIN, tmp_path / "t01.xlsx").ok
    before = trusted_keys(ctx.db)
    w = open_window(qtbot, ctx)
    tab = w.show_page("admin").keys_tab
    wait_idle(qtbot, ctx)
    for key in (ENTER, ESC):
        seen: list = []
        press_in_next(QMessageBox, key, seen)
        tab.check_package(tmp_path / "t01-moi.xlsx")
        wait_idle(qtbot, ctx)
        qtbot.waitUntil(lambda seen=seen: bool(seen))
        wait_idle(qtbot, ctx)
        assert seen == ["Không chấp nhận"]
    assert trusted_keys(ctx.db) == before


def test_the_undo_question_enter_undoes_nothing(qtbot, ctx):
    from danvan_desktop.services.records import add_record, get_record, update_record

    rec = add_record(ctx.db, ADMIN, "meeting", {"kind": "khac", "title": "Họp bản", "date": dt.date(2025, 3, 1)})
    w = open_window(qtbot, ctx)
    ctx.undo_target = update_record(ctx.db, ADMIN, "meeting", rec.id, {"title": "Họp bản Nà Ản"})
    for key in (ENTER, ESC):
        seen: list = []
        press_in_next(QMessageBox, key, seen)
        w.undo_last()  # what Ctrl+Z calls
        wait_idle(qtbot, ctx)
        assert seen == ["Không"]
    assert get_record(ctx.db, ADMIN, "meeting", rec.id).values["title"] == "Họp bản Nà Ản"

