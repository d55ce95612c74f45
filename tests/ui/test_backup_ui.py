"""Sao lưu: folder, back up now, restore (the window reopens on the restored data), automatic backups, and a
damaged or already-open database at start-up.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt

from danvan_desktop.services.backup import auto_backup, check_backup_file, list_backups
from danvan_desktop.services.records import RecordQuery, add_record, list_records
from danvan_desktop.services.settings import read_setting, save_settings
from danvan_desktop.store.database import open_database
from danvan_desktop.store.errors import DatabaseUnavailable
from danvan_desktop.store.lock import DatabaseLock
from danvan_desktop.ui import backup_page as bp
from danvan_desktop.ui import main as ui_main
from danvan_desktop.ui import startup
from danvan_desktop.ui.backup_page import AutomaticBackups, BackupPage, BackupTableModel
from danvan_desktop.ui.main_window import MainWindow
from danvan_desktop.ui.tasks import TaskRunner
from tests.ui.conftest import ADMIN, TODAY
from tests.ui.helpers import wait_idle


def titles(db) -> list[str]:
    return sorted(r.title for r in list_records(db, ADMIN, "meeting", RecordQuery()).rows)


def meeting(db, title: str) -> None:
    add_record(db, ADMIN, "meeting", {"kind": "khac", "title": title, "date": TODAY})


def test_backup_now_then_restore_brings_back_the_earlier_state_in_a_new_window(qtbot, ctx, tmp_path, monkeypatch,
                                                                             qtmodeltester):
    session = ui_main.Session(ctx.db, ADMIN, ctx.runner, automatic_backups=False)
    w = session.window
    session.show(daily_backup=False)
    page: BackupPage = w.show_page("backup")
    wait_idle(qtbot, ctx)
    usb = tmp_path / "usb"
    page.set_folder(usb)  # as if a USB stick was chosen in the folder dialog
    wait_idle(qtbot, ctx)
    assert read_setting(ctx.db, "backup_dir") == str(usb) and page.folder == usb
    meeting(ctx.db, "Trước sao lưu")
    qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
    assert page.running and page.bar.isVisible()
    qtbot.waitUntil(lambda: not page.running, timeout=10_000)
    wait_idle(qtbot, ctx)
    assert page.model.rowCount() == 1
    qtmodeltester.check(page.model)
    assert page.model.index(0, BackupTableModel.COL_REASON).data() == "Sao lưu thủ công"
    assert "Đã sao lưu và kiểm tra xong" in page.status.text()
    meeting(ctx.db, "Sau sao lưu")

    asked: list[str] = []
    monkeypatch.setattr(bp, "ask", lambda _p, text, **_k: asked.append(text) or True)
    monkeypatch.setattr(bp, "inform", lambda _p, text, **_k: asked.append(text))
    page.view.selectRow(0)
    page.restore_selected()
    qtbot.waitUntil(lambda: session.window is not w, timeout=15_000)
    new_window = session.window
    qtbot.addWidget(new_window)
    assert "Khôi phục dữ liệu từ bản sao lưu lúc" in asked[0] and "Đã khôi phục" in asked[1]
    assert not shiboken6.isValid(w) or not w.isVisible()  # the old window is closed (and freed)
    assert new_window.isVisible()
    new_db = new_window.ctx.db
    assert new_db is not ctx.db and titles(new_db) == ["Trước sao lưu"]
    reasons = [b.reason for b in list_backups(new_db)]
    assert "truoc-khoi-phuc" in reasons  # the state before the restore was kept
    new_window.close()
    session.close()


def test_backup_to_a_chosen_file_reports_progress(qtbot, ctx, tmp_path):
    page = BackupPage(ctx)
    qtbot.addWidget(page)
    page.apply_filters()
    wait_idle(qtbot, ctx)
    seen: list[tuple[int, int]] = []
    page.relay.progressed.connect(lambda d, t: seen.append((d, t)))
    page.backup_to_file(tmp_path / "rieng.db")
    qtbot.waitUntil(lambda: not page.running, timeout=10_000)
    assert check_backup_file(tmp_path / "rieng.db") == ctx.home.code
    assert seen and seen[-1][0] == seen[-1][1] > 0


def test_roles_without_restore_see_no_restore_buttons(qtbot, db):
    from danvan_desktop.services.actor import Actor
    from tests.ui.conftest import make_ctx

    c = make_ctx(db, Actor("tonghop", "tong_hop", "Tổng hợp", True))
    try:
        page = BackupPage(c)
        qtbot.addWidget(page)
        assert not page.restore_button.isVisibleTo(page) and page.backup_button.isVisibleTo(page)
        assert not page.choose_button.isEnabled()  # the folder is an admin setting
    finally:
        c.runner.shutdown()


def test_closing_the_window_backs_up_first_and_daily_backup_runs_once(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    auto = AutomaticBackups(w)
    w.show()
    wait_idle(qtbot, ctx)
    auto.start_daily()
    wait_idle(qtbot, ctx)
    assert auto.last is not None and auto.last.reason == "hang-ngay"
    auto.start_daily()  # already done today
    wait_idle(qtbot, ctx)
    assert auto.last is None
    w.close()
    assert w.isVisible() and auto.busy is not None and auto.busy.isVisible()  # waits, without freezing
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=10_000)
    assert sorted(b.reason for b in list_backups(ctx.db)) == ["hang-ngay", "khi-dong"]


def test_a_failed_closing_backup_is_said_plainly_and_the_window_still_closes(qtbot, ctx, tmp_path, monkeypatch):
    blocker = tmp_path / "khong-phai-thu-muc"
    blocker.write_text("x")
    save_settings(ctx.db, ADMIN, {"backup_dir": str(blocker)})  # e.g. a stick pulled out, a file in its place
    said: list[str] = []
    monkeypatch.setattr(bp, "warn", lambda _p, text, **_k: said.append(text))
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    AutomaticBackups(w)
    w.show()
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=10_000)
    assert said and said[0].startswith("Chưa sao lưu được khi đóng chương trình")
    assert "vẫn nguyên vẹn" in said[0]


@pytest.fixture
def damaged(template_db: Path, tmp_path: Path) -> Path:
    """An office file with a good automatic backup beside it, then damaged."""
    path = tmp_path / "office.db"
    shutil.copy(template_db, path)
    db = open_database(path)
    meeting(db, "Có trong bản sao lưu")
    auto_backup(db, "hang-ngay")
    db.close()
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00" * 100  # the header is gone: not a database any more
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_database_at_start_offers_the_latest_good_backup(qtbot, damaged, monkeypatch):
    offers: list[tuple[str, Path | None]] = []
    monkeypatch.setattr(startup, "ask_recovery", lambda path, problem, cand: offers.append((problem, cand))
                        or "restore")
    told: list[str] = []
    monkeypatch.setattr(startup, "inform", lambda _p, text, **_k: told.append(text))
    runner = TaskRunner()
    try:
        db = startup.open_or_recover(runner, damaged)
    finally:
        runner.shutdown()
    assert db is not None
    problem, candidate = offers[0]
    assert "bị hỏng" in problem or "không phải cơ sở dữ liệu" in problem
    assert candidate is not None and candidate.parent.name == "sao-luu"
    assert titles(db) == ["Có trong bản sao lưu"]
    db.close()
    kept = list(damaged.parent.glob("office.hong-*.db"))
    assert len(kept) == 1 and kept[0].read_bytes()[:100] == b"\x00" * 100  # the damaged file is kept
    assert "Tệp hỏng được giữ lại" in told[0]


def test_quitting_at_the_damaged_file_message_changes_nothing(qtbot, damaged, monkeypatch):
    before = damaged.read_bytes()
    monkeypatch.setattr(startup, "ask_recovery", lambda *_a: "quit")
    runner = TaskRunner()
    try:
        assert startup.open_or_recover(runner, damaged) is None
    finally:
        runner.shutdown()
    assert damaged.read_bytes() == before and not list(damaged.parent.glob("*.hong-*"))


def test_a_second_copy_on_the_same_file_is_told_plainly(qtbot, template_db, tmp_path, monkeypatch):
    path = tmp_path / "office.db"
    shutil.copy(template_db, path)
    first = DatabaseLock(path)
    first.acquire()  # the first window
    shown: list[BaseException] = []
    monkeypatch.setattr(ui_main, "show_failure", lambda _p, e: shown.append(e))
    try:
        assert ui_main.run_gui(path, demo=False) == 1
    finally:
        first.release()
    assert isinstance(shown[0], DatabaseUnavailable)
    assert "đang được mở trong một cửa sổ Dân vận khác" in str(shown[0])


def test_the_damaged_file_question_offers_restore_choose_or_quit(qtbot, damaged, monkeypatch):
    from PySide6.QtCore import QTimer

    candidate = startup.latest_good_backup(damaged)
    assert candidate is not None
    built = startup.recovery_box(damaged, "Tệp bị hỏng.", candidate)
    labels = sorted(b.text() for b in built.buttons())
    assert labels == ["Chọn tệp sao lưu khác…", "Khôi phục bản sao lưu này", "Thoát"]
    assert "Có bản sao lưu còn tốt lúc" in built.text()
    built.deleteLater()
    original = startup.recovery_box

    def clicking(answer: str):
        def make(*args):
            box = original(*args)
            button = next(b for b, a in box.answers.items() if a == answer)
            QTimer.singleShot(0, button.click)
            return box
        return make

    for answer in ("restore", "choose", "quit"):
        monkeypatch.setattr(startup, "recovery_box", clicking(answer))
        assert startup.ask_recovery(damaged, "Tệp bị hỏng.", candidate) == answer
    no_backup = startup.recovery_box(damaged, "Tệp bị hỏng.", None)
    assert "Không tìm thấy bản sao lưu nào còn tốt" in no_backup.text() and len(no_backup.buttons()) == 2
    no_backup.deleteLater()


@pytest.mark.parametrize("answer", [False, True])
def test_another_offices_backup_is_restored_only_after_the_window_asks_whose_it_is(qtbot, ctx, tmp_path,
                                                                                    monkeypatch, answer):
    from danvan_desktop.services.backup import backup
    from danvan_desktop.services.setup import UnitSpec, init_office
    from tests.ui.conftest import ADMIN as QT_ADMIN

    other = init_office(tmp_path / "khac" / "xa.db", UnitSpec("03427", "Xã Bình Lư", "xa", "2025"), [], "admin",
                        "matkhau123")
    meeting(other, "Của xã khác")
    theirs = backup(other, QT_ADMIN, tmp_path / "usb" / "binhlu.db").path
    other.close()
    meeting(ctx.db, "Của cơ quan này")
    page = BackupPage(ctx)
    qtbot.addWidget(page)
    asked: list[str] = []
    monkeypatch.setattr(bp, "ask", lambda _p, text, **_k: asked.append(text) or (len(asked) == 1 or answer))
    monkeypatch.setattr(bp, "inform", lambda _p, text, **_k: asked.append(text))
    page.restore(theirs, "tệp “binhlu.db”")
    qtbot.waitUntil(lambda: not page.running and len(asked) >= 2, timeout=15_000)
    qtbot.waitUntil(lambda: not page.running, timeout=15_000)
    assert "“Xã Bình Lư” (mã “03427”)" in asked[1] and "Vẫn khôi phục?" in asked[1]
    if answer:
        new_db, _ = page.last_restore
        assert titles(new_db) == ["Của xã khác"]
        new_db.close()
    else:
        assert page.last_restore is None and titles(ctx.db) == ["Của cơ quan này"]
        assert "không phải của cơ quan này" in page.status.text()
