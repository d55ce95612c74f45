"""Enter and Esc in the merge screen's questions: Esc merges nothing; Enter merges what the cadre chose (it is
backed up first and can be undone); Enter in the undo question undoes nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from danvan_desktop.services.merge import list_imports
from tests.integration.test_package_support import ADMIN
from tests.ui.helpers import wait_idle
from tests.ui.test_dialog_keys import ENTER, ESC, press_in_next
from tests.ui.test_merge_ui import choose_files, made, screen_for, tree  # noqa: F401 - fixtures


def test_esc_in_the_merge_question_merges_nothing_and_enter_merges(qtbot, tree, monkeypatch):  # noqa: F811
    ctx, _communes, packages, _ = tree
    screen = screen_for(qtbot, ctx)
    choose_files(qtbot, ctx, screen, monkeypatch, [packages["X1"]])
    panel = screen.packages
    seen: list = []
    press_in_next(QMessageBox, ESC, seen)
    qtbot.keyClick(panel.apply_button, Qt.Key.Key_Space)  # "Tổng hợp" pressed from the keyboard
    wait_idle(qtbot, ctx)
    assert seen == ["Tổng hợp"] and list_imports(ctx.db, ADMIN) == [] and panel.results is None
    press_in_next(QMessageBox, ENTER, seen)
    qtbot.keyClick(panel.apply_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not panel.running, timeout=15_000)
    wait_idle(qtbot, ctx)
    assert len(list_imports(ctx.db, ADMIN)) == 1


def test_enter_and_esc_in_the_undo_question_undo_nothing(qtbot, tree):  # noqa: F811
    from danvan_desktop.services.merge import apply_package

    ctx, _communes, packages, _ = tree
    assert apply_package(ctx.db, ADMIN, packages["X1"]).ok
    screen = screen_for(qtbot, ctx)
    screen.show_tab(screen.ledger)
    ledger = screen.ledger
    qtbot.waitUntil(lambda: ledger.model.rowCount() == 1)
    ledger.view.selectRow(0)
    for key in (ENTER, ESC):
        seen: list = []
        press_in_next(QMessageBox, key, seen)
        qtbot.keyClick(ledger.undo_button, Qt.Key.Key_Space)
        wait_idle(qtbot, ctx)
        assert seen == ["Không"]
    assert [i.status for i in list_imports(ctx.db, ADMIN)] == ["applied"]
