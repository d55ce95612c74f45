"""Xuất báo cáo hoặc gói dữ liệu: period, unit, format, destination, progress, and "Mở thư mục" when done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.vnformat import fmt_int
from danvan_desktop.ui.i18n import ask, error_text, show_failure
from danvan_desktop.ui.pages import PeriodPicker
from danvan_desktop.ui.progress import ProgressRelay
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import ErrorLabel, UnitField

# The report formats issue the composed report (SPEC §5.1): the same document the composer shows.
FORMATS = (("pdf", "Báo cáo (tệp PDF)", ".pdf", "Tệp PDF (*.pdf)"),
           ("docx", "Báo cáo (tệp Word, sửa được)", ".docx", "Tệp Word (*.docx)"),
           ("xlsx", "Gói dữ liệu gửi cấp trên (tệp Excel)", ".xlsx", "Tệp Excel (*.xlsx)"))


def report_period_picker(*, label: bool = True) -> PeriodPicker:
    """The window's period picker without "every period" (a report or package is always of one period).

    label=False hides its own "Kỳ:" where a form already names the row.
    """
    picker = PeriodPicker()
    picker.kind.removeItem(picker.kind.findData("all"))
    if not label:
        for lab in picker.findChildren(QLabel):
            if lab.text() == "Kỳ:":
                lab.setVisible(False)
    lay = picker.layout()
    if isinstance(lay, QHBoxLayout):
        lay.addStretch(1)  # keep the parts together at the left when the row is wide
    return picker


def default_folder() -> Path:
    """Where files are offered first: the user's Documents folder (else the home folder)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs and Path(docs).is_dir() else Path.home()


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)


def default_name(fmt: str, unit_code: str, period: Period) -> str:
    """goi-du-lieu_<unit>_<period>.xlsx (the package module's name) or bao-cao_<unit>_<period>.pdf/.docx."""
    if fmt == "xlsx":
        from danvan_desktop.exchange.package import default_file_name

        return default_file_name(unit_code, period)
    return f"bao-cao_{_safe(unit_code)}_{_safe(period.code)}.{fmt}"


def open_folder(folder: Path) -> bool:
    """Show a folder in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class ExportDialog(QDialog):
    """Choose what to export and where; the export runs in the background with a progress bar."""

    def __init__(self, ctx: Any, fmt: str, period: Period | None, unit_code: str | None,
                 folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self.result_path: Path | None = None
        self.result_value: Any = None
        self._auto_name = True
        self.setWindowTitle("Xuất báo cáo, gói dữ liệu – Dân vận")
        self.setMinimumWidth(640)
        lay = QVBoxLayout(self)
        heading = QLabel("Xuất báo cáo, gói dữ liệu")
        heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        lay.addWidget(heading)
        self.form = QFormLayout()
        lay.addLayout(self.form)
        self.period = report_period_picker(label=False)
        if period is not None:
            self.period.set_period(period)
        self.unit = UnitField(ctx.units)
        self.unit.set_value(unit_code or ctx.home.code)
        self.format = QComboBox()
        for key, label, _suffix, _filter in FORMATS:
            if key == "xlsx" and not ctx.actor.can(Action.EXPORT_PACKAGE):
                continue
            self.format.addItem(label, key)
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))
        dest_row = QHBoxLayout()
        self.dest = QLineEdit()
        self.choose = QPushButton("Chọn…")
        self.choose.setAutoDefault(False)
        dest_row.addWidget(self.dest, 1)
        dest_row.addWidget(self.choose)
        self.form.addRow("Kỳ báo cáo", self.period)
        self.form.addRow("Đơn vị", self.unit)
        self.form.addRow("Loại tệp", self.format)
        self.form.addRow("Lưu vào", dest_row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        lay.addWidget(self.note)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        keep = self.bar.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # the dialog keeps its size when the bar appears
        self.bar.setSizePolicy(keep)
        self.bar.setVisible(False)
        lay.addWidget(self.bar)
        self.relay = ProgressRelay(self.bar, self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 2 + 4)
        lay.addWidget(self.status)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.open_folder_button = QPushButton("Mở thư mục")
        self.open_folder_button.setAutoDefault(False)
        keep = self.open_folder_button.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.open_folder_button.setSizePolicy(keep)
        self.open_folder_button.setVisible(False)
        row.addWidget(self.open_folder_button)
        row.addStretch(1)
        self.ok = QPushButton("Xuất")
        self.ok.setDefault(True)
        self.close_button = QPushButton("Đóng")
        self.close_button.setAutoDefault(False)
        row.addWidget(self.ok)
        row.addWidget(self.close_button)
        lay.addLayout(row)

        self._folder = folder or default_folder()
        self._refresh_name()
        self.period.changed.connect(self._refresh_name)
        self.unit.changed.connect(self._refresh_name)
        self.format.currentIndexChanged.connect(lambda _i: self._refresh_name())
        self.dest.textEdited.connect(self._typed)
        self.choose.clicked.connect(self.browse)
        self.ok.clicked.connect(self.start)
        self.close_button.clicked.connect(self.reject)
        self.open_folder_button.clicked.connect(self.open_result_folder)

    # -- choices ------------------------------------------------------------------------------------------

    def fmt(self) -> str:
        """'pdf', 'docx' or 'xlsx'."""
        return str(self.format.currentData())

    def _spec(self) -> tuple[str, str, str, str]:
        return next(f for f in FORMATS if f[0] == self.fmt())

    def chosen_period(self) -> Period:
        """The period to export (never "every period": that choice is not offered here)."""
        p = self.period.period()
        assert p is not None
        return p

    def unit_code(self) -> str:
        """The unit whose subtree is exported."""
        return str(self.unit.value() or self.ctx.home.code)

    def _refresh_name(self) -> None:
        key, _label, _suffix, _filter = self._spec()
        if key in ("pdf", "docx"):
            self.note.setText("Phát hành báo cáo đã soạn ở thẻ “Soạn báo cáo” (số, ngày, nội dung và số liệu), theo "
                              "thể thức văn bản đã đặt, khổ A4; mỗi lần phát hành được lưu lại.")
        else:
            self.note.setText("Gói dữ liệu gồm mọi bản ghi của đơn vị và các đơn vị trực thuộc trong kỳ, để gửi "
                              "cấp trên tổng hợp; mở được bằng Excel hoặc LibreOffice.")
        if not self._auto_name:
            current = Path(self.dest.text())
            if current.suffix.lower() != self._spec()[2]:
                self.dest.setText(str(current.with_suffix(self._spec()[2])))
            return
        self.dest.setText(str(self._folder / default_name(key, self.unit_code(), self.chosen_period())))

    def _typed(self, _text: str) -> None:
        self._auto_name = False

    def browse(self) -> None:
        """Choose the destination file (the proposed name is already filled in)."""
        _key, _label, suffix, file_filter = self._spec()
        path, _f = QFileDialog.getSaveFileName(self, "Lưu tệp vào", self.dest.text(), file_filter)
        if path:
            if not path.lower().endswith(suffix):
                path += suffix
            self.set_destination(Path(path))

    def set_destination(self, path: Path) -> None:
        """Use this file as the destination (as the file dialog does)."""
        self._auto_name = False
        self._folder = path.parent
        self.dest.setText(str(path))

    # -- export -------------------------------------------------------------------------------------------

    def destination(self) -> Path | None:
        """The file to write, or None with the reason shown."""
        text = self.dest.text().strip()
        if not text:
            self.error.show_message("Hãy chọn nơi lưu tệp.")
            return None
        out = Path(text).expanduser()
        suffix = self._spec()[2]
        if out.suffix.lower() != suffix:
            out = out.with_name(out.name + suffix)
        if not out.parent.is_dir():
            self.error.show_message(f"Thư mục “{out.parent}” không tồn tại. Hãy chọn thư mục khác.")
            return None
        if out.is_dir():
            self.error.show_message(f"“{out}” là một thư mục; hãy nhập tên tệp.")
            return None
        return out

    def start(self) -> None:
        """Export in the background; the bar shows progress, the dialog stays usable."""
        if self.running:
            return
        self.error.show_message("")
        out = self.destination()
        if out is None:
            return
        # danger: Enter keeps the old file (it may be the only copy of an earlier export).
        if out.exists() and not ask(self, f"Tệp “{out.name}” đã có trong thư mục này. Ghi đè tệp cũ?",
                                    yes="Ghi đè", no="Không", danger=True):
            return
        ctx, period, fmt = self.ctx, self.chosen_period(), self.fmt()
        unit = self.unit_code()
        unit_code = None if unit == ctx.home.code else unit
        relay = self.relay
        if fmt == "xlsx":
            from danvan_desktop.exchange.package import export_package

            def work() -> Any:
                return export_package(ctx.db, ctx.actor, period, out, unit_code, progress=relay.report)
            label = "Đang xuất gói dữ liệu…"
        else:
            from danvan_desktop.exchange.report_issue import issue_report

            def work() -> Any:
                return issue_report(ctx.db, ctx.actor, period, fmt, out, unit_code)
            label = "Đang phát hành báo cáo…"
        self._set_running(True)
        self.status.setText(label)
        self.result_path = None
        self.open_folder_button.setVisible(False)
        # An export writes the audit log and marks the period sent: a write, in the one lane.
        ctx.runner.write(work, lambda v: self._done(out, v), self._failed, owner=self, label=label)

    def _set_running(self, on: bool) -> None:
        self.running = on
        for w in (self.period, self.unit, self.format, self.dest, self.choose, self.ok, self.close_button):
            w.setEnabled(not on)
        self.bar.setVisible(on or self.result_path is not None)
        if on:
            self.relay.reset()
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _done(self, out: Path, value: Any) -> None:
        if isinstance(value, tuple):
            value = value[0]  # (IssueInfo, Changes) of an issued report
        self.result_path = out
        self.result_value = value
        self._set_running(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        if self.fmt() == "xlsx":
            total = getattr(value, "total", 0)
            self.status.setText(f"Đã xuất gói dữ liệu ({fmt_int(total)} bản ghi) vào tệp “{out.name}” "
                                f"trong thư mục “{out.parent}”.")
        else:
            info = value
            self.status.setText(f"Đã phát hành báo cáo (lần {fmt_int(info.issue_no)}) vào tệp “{out.name}” "
                                f"trong thư mục “{out.parent}”; bản phát hành được lưu trong danh sách "
                                "“Đã phát hành” của trang soạn báo cáo.")
        self.ok.setText("Xuất lại")
        self.close_button.setDefault(True)
        self.open_folder_button.setVisible(True)

    def _failed(self, f: TaskFailure) -> None:
        self._set_running(False)
        self.bar.setVisible(False)
        self.status.setText("")
        text, bug = error_text(f.error)
        if bug:
            show_failure(self, f)  # our fault: the box carries the details for the person who helps
        else:
            self.error.show_message(text)

    def open_result_folder(self) -> None:
        """Show the folder of the written file."""
        if self.result_path is not None:
            open_folder(self.result_path.parent)

    def reject(self) -> None:
        """Esc or Đóng; not while the export runs (the file is written whole or not at all)."""
        if self.running:
            return
        super().reject()
