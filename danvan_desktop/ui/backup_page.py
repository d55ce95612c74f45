"""Sao lưu: the backup folder (a USB stick if wished), back up now, the list of backups, restore; and the
automatic backups of the window (once a day at start, and on closing), all in the background.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.vnformat import fmt_int
from danvan_desktop.services.backup import BackupInfo, OtherOffice
from danvan_desktop.services.changes import Changes
from danvan_desktop.store.errors import StoreError
from danvan_desktop.ui.audit_page import RowsTableModel, make_table
from danvan_desktop.ui.export_dialog import open_folder
from danvan_desktop.ui.i18n import ask, error_text, inform, show_failure, warn
from danvan_desktop.ui.pages import HEADING_STYLE
from danvan_desktop.ui.progress import ProgressRelay
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import BusyDialog, hidden_progress_bar

REASONS = {"thu-cong": "Sao lưu thủ công", "hang-ngay": "Tự động hằng ngày", "khi-dong": "Khi đóng chương trình",
           "truoc-tong-hop": "Trước khi tổng hợp dữ liệu", "truoc-khoi-phuc": "Trước khi khôi phục",
           "truoc-nang-cap": "Trước khi nâng cấp"}


def reason_label(reason: str) -> str:
    """Vietnamese name of why a backup was made."""
    return REASONS.get(reason, reason.replace("-", " ").capitalize() if reason else "Khác")


def size_text(n: int) -> str:
    """"1,5 MB", "820 KB" (Vietnamese decimal comma)."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")
    return f"{fmt_int(max(1, round(n / 1024)))} KB"


def fmt_made(at: dt.datetime) -> str:
    """"14:03 ngày 05/06/2026" (backup names carry local time)."""
    return at.strftime("%H:%M ngày %d/%m/%Y")


class BackupTableModel(RowsTableModel):
    """The backups of this database in the backup folder, newest first."""

    HEADERS = ("Thời gian", "Loại", "Dung lượng", "Tệp")
    COL_AT, COL_REASON, COL_SIZE, COL_FILE = range(4)

    def cells(self, b: BackupInfo) -> tuple[str, ...]:
        """Time, reason, size, file name."""
        return (b.made_at.strftime("%d/%m/%Y %H:%M:%S"), reason_label(b.reason), size_text(b.size), b.path.name)


class BackupPage(QWidget):
    """Backups for accounts allowed to make them (and restore, for admins)."""

    countChanged = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self.is_loaded = False
        self.folder: Path | None = None
        self.last_restore: tuple[Any, BackupInfo] | None = None
        self._restoring: Path | None = None  # the file of the restore under way (to ask about another office's)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Sao lưu")
        title.setStyleSheet(HEADING_STYLE)
        lay.addWidget(title)
        note = QLabel("Chương trình tự sao lưu mỗi ngày một lần khi mở, khi đóng, trước khi tổng hợp dữ liệu và trước "
                      "khi khôi phục; mỗi bản sao lưu được kiểm tra lại sau khi ghi, các bản cũ nhất được xóa bớt. "
                      "Nên chọn thư mục sao lưu trên ổ USB hoặc ổ đĩa khác để phòng máy hỏng.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")
        lay.addWidget(note)

        where = QGroupBox("Thư mục sao lưu")
        wl = QVBoxLayout(where)
        self.folder_label = QLabel("Đang tải…")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setStyleSheet("font-weight: bold;")
        wl.addWidget(self.folder_label)
        frow = QHBoxLayout()
        self.choose_button = QPushButton("Chọn thư mục khác (ví dụ ổ USB)…")
        self.default_button = QPushButton("Dùng thư mục mặc định")
        self.open_button = QPushButton("Mở thư mục")
        for b in (self.choose_button, self.default_button, self.open_button):
            frow.addWidget(b)
        frow.addStretch(1)
        wl.addLayout(frow)
        if not ctx.actor.can(Action.ADMIN):
            for b in (self.choose_button, self.default_button):
                b.setEnabled(False)
                b.setToolTip("Chỉ tài khoản quản trị đổi được thư mục sao lưu.")
        lay.addWidget(where)

        actions = QHBoxLayout()
        self.backup_button = QPushButton("Sao lưu ngay")
        self.backup_button.setToolTip("Sao lưu vào thư mục sao lưu, có kiểm tra lại bản sao")
        self.backup_file_button = QPushButton("Sao lưu ra tệp…")
        self.backup_file_button.setToolTip("Chọn nơi lưu một bản sao riêng (ví dụ để mang sang máy khác)")
        self.restore_button = QPushButton("Khôi phục bản đã chọn…")
        self.restore_file_button = QPushButton("Khôi phục từ tệp khác…")
        for b in (self.backup_button, self.backup_file_button, self.restore_button, self.restore_file_button):
            actions.addWidget(b)
        actions.addStretch(1)
        lay.addLayout(actions)
        if not ctx.actor.can(Action.BACKUP):
            self.backup_button.setVisible(False)
            self.backup_file_button.setVisible(False)
        if not ctx.actor.can(Action.RESTORE):
            self.restore_button.setVisible(False)
            self.restore_file_button.setVisible(False)

        self.bar = hidden_progress_bar()
        lay.addWidget(self.bar)
        self.relay = ProgressRelay(self.bar, self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status)
        self.model = BackupTableModel(self)
        self.view = make_table(self.model, (160, 200, 110))
        lay.addWidget(self.view, 1)

        self.choose_button.clicked.connect(self.choose_folder)
        self.default_button.clicked.connect(lambda: self.set_folder(None))
        self.open_button.clicked.connect(self.open_backup_folder)
        self.backup_button.clicked.connect(self.backup_now)
        self.backup_file_button.clicked.connect(self.backup_to_file)
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button.clicked.connect(self.restore_from_file)
        self.view.doubleClicked.connect(lambda _i: self.restore_selected() if ctx.actor.can(Action.RESTORE) else None)

    # -- list ---------------------------------------------------------------------------------------------

    def apply_filters(self, _unit: Any = None, _period: Any = None, _search: str = "") -> None:
        """Opening the page reads the folder and its backups again."""
        self.refresh()

    def refresh(self) -> None:
        """Read the backup folder and its backups in the background."""
        from danvan_desktop.services.backup import backup_dir, list_backups

        ctx = self.ctx
        ctx.runner.run(lambda: (backup_dir(ctx.db), list_backups(ctx.db)), self._loaded, self._load_failed,
                       owner=self, label="Đang đọc thư mục sao lưu…")

    def _loaded(self, result: tuple[Path, list[BackupInfo]]) -> None:
        self.folder, rows = result
        self.is_loaded = True
        where = "" if self.folder.is_dir() else " (chưa có, sẽ được tạo khi sao lưu)"
        self.folder_label.setText(f"{self.folder}{where}")
        self.model.set_rows(rows)
        self.countChanged.emit(self.count_text())

    def _load_failed(self, f: TaskFailure) -> None:
        self.is_loaded = True
        self.folder_label.setText("Không đọc được thư mục sao lưu.")
        show_failure(self, f)

    def count_text(self) -> str:
        """"12 bản sao lưu" for the status bar."""
        return f"{fmt_int(self.model.rowCount())} bản sao lưu" if self.is_loaded else "Đang tải…"

    def selected_backup(self) -> BackupInfo | None:
        """The backup on the selected row."""
        idx = self.view.currentIndex()
        return self.model.row(idx.row()) if idx.isValid() else None

    # -- folder -------------------------------------------------------------------------------------------

    def choose_folder(self) -> None:
        """Pick the backup folder (a USB stick, another disk)."""
        start = str(self.folder) if self.folder and self.folder.is_dir() else str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Chọn thư mục sao lưu", start)
        if chosen:
            self.set_folder(Path(chosen))

    def set_folder(self, folder: Path | None) -> None:
        """Save the backup folder setting (None: 'sao-luu' beside the database) after checking it is writable."""
        from danvan_desktop.services.settings import save_settings

        ctx = self.ctx

        def work() -> Changes:
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
                probe = folder / ".danvan-thu-ghi"
                probe.write_bytes(b"ok")  # a read-only stick is refused now, not at the next backup
                probe.unlink()
            return save_settings(ctx.db, ctx.actor, {"backup_dir": str(folder) if folder is not None else None})

        def done(_v: Any) -> None:
            self.status.setText("Đã đổi thư mục sao lưu. Các bản sao lưu tự động từ nay được ghi vào đó."
                                if folder is not None else "Đã dùng lại thư mục sao lưu mặc định.")
            self.refresh()

        ctx.runner.write(work, done, lambda f: show_failure(self, f), owner=self, label="Đang lưu cài đặt…")

    def open_backup_folder(self) -> None:
        """Show the backup folder in the file manager."""
        if self.folder is not None and self.folder.is_dir():
            open_folder(self.folder)
        else:
            self.status.setText("Thư mục sao lưu chưa có: hãy sao lưu một lần trước.")

    # -- backing up ---------------------------------------------------------------------------------------

    def _set_running(self, on: bool, text: str = "") -> None:
        self.running = on
        for b in (self.backup_button, self.backup_file_button, self.restore_button, self.restore_file_button,
                  self.choose_button, self.default_button):
            b.setEnabled(not on and (b not in (self.choose_button, self.default_button)
                                     or self.ctx.actor.can(Action.ADMIN)))
        self.bar.setVisible(on)
        if on:
            self.relay.reset()
            self.status.setStyleSheet("")
            self.status.setText(text)
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _failed(self, f: TaskFailure) -> None:
        self._set_running(False)
        if isinstance(f.error, OtherOffice) and self._restoring is not None:
            source, self._restoring = self._restoring, None
            # Nothing was replaced yet: a person may still decide, after reading whose backup it is.
            if ask(self, f"{f.error}\n\nChỉ khôi phục khi chắc chắn muốn thay toàn bộ dữ liệu của cơ quan này bằng "
                         f"dữ liệu của “{f.error.unit_name}”. Vẫn khôi phục?",
                   yes="Vẫn khôi phục", no="Không", danger=True):
                self._run_restore(source, confirmed=True)
                return
        text, bug = error_text(f.error)
        self.status.setStyleSheet("color: #b00020;")
        self.status.setText(text)
        if bug:
            show_failure(self, f)

    def backup_now(self) -> None:
        """Back up into the backup folder (verified, rotated like the automatic ones)."""
        from danvan_desktop.services.backup import backup_now

        if self.running:
            return
        ctx = self.ctx
        self._set_running(True, "Đang sao lưu…")
        ctx.runner.write(lambda: backup_now(ctx.db, ctx.actor), self._backed_up, self._failed, owner=self,
                         label="Đang sao lưu…")

    def backup_to_file(self, dest: Path | None = None) -> None:
        """Back up to a file of the user's choice (with progress; recorded in the audit log)."""
        from danvan_desktop.services.backup import backup

        if self.running:
            return
        if dest is None:
            name = f"{self.ctx.db.place.stem}-sao-luu-{dt.datetime.now().strftime('%Y%m%d-%H%M')}.db"
            chosen, _f = QFileDialog.getSaveFileName(self, "Sao lưu ra tệp", str(Path.home() / name),
                                                     "Tệp dữ liệu Dân vận (*.db)")
            if not chosen:
                return
            dest = Path(chosen if chosen.lower().endswith(".db") else chosen + ".db")
        if dest.resolve() == self.ctx.db.place.resolve():
            self.status.setText("Không thể sao lưu đè lên chính tệp dữ liệu đang dùng; hãy chọn tên khác.")
            return
        ctx, relay, out = self.ctx, self.relay, dest
        self._set_running(True, "Đang sao lưu…")
        ctx.runner.write(lambda: backup(ctx.db, ctx.actor, out, relay.report), self._backed_up, self._failed,
                         owner=self, label="Đang sao lưu…")

    def _backed_up(self, info: BackupInfo) -> None:
        self._set_running(False)
        self.status.setStyleSheet("color: #1b5e20;")
        self.status.setText(f"Đã sao lưu và kiểm tra xong: “{info.path.name}” ({size_text(info.size)}) trong thư "
                            f"mục “{info.path.parent}”." + (f" {info.note}" if info.note else ""))
        self.refresh()

    # -- restoring ----------------------------------------------------------------------------------------

    def restore_selected(self) -> None:
        """Restore the backup on the selected row (after asking)."""
        b = self.selected_backup()
        if b is None:
            self.status.setStyleSheet("")
            self.status.setText("Hãy chọn một bản sao lưu trong danh sách trước.")
            return
        self.restore(b.path, f"bản sao lưu lúc {fmt_made(b.made_at)}")

    def restore_from_file(self) -> None:
        """Restore from a backup file anywhere (a USB stick)."""
        start = str(self.folder) if self.folder and self.folder.is_dir() else str(Path.home())
        chosen, _f = QFileDialog.getOpenFileName(self, "Chọn tệp sao lưu", start, "Tệp dữ liệu Dân vận (*.db)")
        if chosen:
            self.restore(Path(chosen), f"tệp “{Path(chosen).name}”")

    def restore(self, source: Path, what: str) -> None:
        """Replace the data with a backup's (a copy of the current data is kept first), then reopen the window."""
        if self.running:
            return
        if not ask(self, f"Khôi phục dữ liệu từ {what}?\n\nDữ liệu đang dùng sẽ được thay bằng dữ liệu của bản sao "
                         "lưu: những gì nhập sau thời điểm sao lưu sẽ không còn trong danh sách. Trước khi khôi phục, "
                         "chương trình giữ lại một bản sao của dữ liệu hiện tại (loại “Trước khi khôi phục”).",
                   yes="Khôi phục", no="Không", danger=True):
            return
        self._run_restore(source, confirmed=False)

    def _run_restore(self, source: Path, *, confirmed: bool) -> None:
        from danvan_desktop.services.backup import restore

        ctx, relay = self.ctx, self.relay
        self._restoring = source
        self._set_running(True, "Đang khôi phục… Không tắt máy trong lúc này.")
        def work() -> tuple[Any, BackupInfo]:
            # The pair without its `changes` (everything): the lane would broadcast before ctx.db is the
            # re-opened file, sending every screen to the closed one; the window is rebuilt instead.
            new_db, safety = restore(ctx.db, ctx.actor, source, relay.report, other_office_confirmed=confirmed)
            return new_db, safety

        ctx.runner.write(work, self._restored, self._failed, owner=self, label="Đang khôi phục…")

    def _restored(self, result: tuple[Any, BackupInfo]) -> None:
        new_db, safety = result
        self._restoring = None
        self.last_restore = result
        self._set_running(False)
        self.ctx.db = new_db  # the old handle was closed by the restore; every screen asks ctx.db each time
        self.status.setStyleSheet("color: #1b5e20;")
        self.status.setText(f"Đã khôi phục. Dữ liệu trước khi khôi phục được giữ ở “{safety.path}”.")
        inform(self, "Đã khôi phục dữ liệu từ bản sao lưu.\n\nDữ liệu trước khi khôi phục được giữ ở:\n"
                     f"{safety.path}\n\nCửa sổ chương trình sẽ mở lại với dữ liệu đã khôi phục.")
        # After this slot returns (the runner is still delivering it): the window is rebuilt on the new database.
        QTimer.singleShot(0, self, lambda: self.ctx.databaseReplaced.emit(new_db))


class AutomaticBackups(QObject):
    """The window's automatic backups: once a day at start and on closing, in the background.

    Closing waits for the backup with a small "please wait" window instead of freezing; a failure is said
    plainly and the window still closes (what was saved is safe in the database file itself).
    """

    finished = Signal()

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx: Any = window.ctx  # type: ignore[attr-defined]
        self.armed = True
        self.closing = False
        self.busy: BusyDialog | None = None
        self.last: BackupInfo | None = None
        self.last_error: str = ""
        window.close_guard = self.before_close  # type: ignore[attr-defined]

    def disarm(self) -> None:
        """No backup at the next close (the window is being replaced after a restore)."""
        self.armed = False

    def start_daily(self) -> None:
        """At start: back up once a day, in the background (the status bar shows it)."""
        from danvan_desktop.services.backup import auto_backup, daily_backup_due

        ctx = self.ctx
        db = ctx.db

        def work() -> BackupInfo | None:
            return auto_backup(db, "hang-ngay") if daily_backup_due(db) else None

        ctx.runner.write(work, self._daily_done, self._daily_failed, owner=self.window,
                         label="Đang sao lưu tự động hằng ngày…")

    def _daily_done(self, info: BackupInfo | None) -> None:
        self.last = info
        if info is not None:
            self.window.statusBar().showMessage(f"Đã sao lưu tự động hằng ngày: {info.path.name}", 10_000)
        self.finished.emit()

    def _daily_failed(self, f: TaskFailure) -> None:
        self.last_error = error_text(f.error)[0]
        warn(self.window, "Chưa sao lưu tự động hằng ngày được:\n" + self.last_error + "\n\nDữ liệu vẫn được lưu "
             "bình thường trong tệp dữ liệu. Hãy kiểm tra thư mục sao lưu (ổ USB đã cắm chưa?) tại trang “Sao lưu”.")
        self.finished.emit()

    def before_close(self) -> bool:
        """Called by the window's closeEvent: True lets it close; False while the closing backup runs."""
        if not self.armed:
            return True
        if self.closing:
            return False
        from danvan_desktop.services.backup import auto_backup, backup_due

        if self.ctx.db.is_server:
            try:
                if not backup_due(self.ctx.db, "khi-dong"):  # already copied today (see backup_due)
                    return True
            except StoreError:  # the server is gone: nothing to copy, the window still closes
                return True

        self.closing = True
        ctx = self.ctx
        db = ctx.db
        self.busy = BusyDialog("Đang sao lưu dữ liệu trước khi đóng chương trình…", self.window)
        self.busy.show()
        ctx.runner.write(lambda: auto_backup(db, "khi-dong"), self._closed, self._close_failed, owner=self.window,
                         label="Đang sao lưu trước khi đóng…")
        return False

    def _end(self) -> None:
        self.armed = False
        if self.busy is not None:
            self.busy.close()
            self.busy.deleteLater()
            self.busy = None
        self.finished.emit()
        self.window.close()

    def _closed(self, info: BackupInfo) -> None:
        self.last = info
        self._end()

    def _close_failed(self, f: TaskFailure) -> None:
        self.last_error = error_text(f.error)[0]
        if self.busy is not None:
            self.busy.hide()
        warn(self.window, "Chưa sao lưu được khi đóng chương trình:\n" + self.last_error + "\n\nDữ liệu đã lưu vẫn "
             f"nguyên vẹn trong “{self.ctx.db.label}”; lần mở sau chương trình sẽ sao lưu lại.")
        self._end()
