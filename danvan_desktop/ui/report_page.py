"""Báo cáo: choose period and unit, print preview (Ctrl+P), export PDF or package, and the report settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.ui.admin import ActionDialog
from danvan_desktop.ui.export_dialog import ExportDialog, default_folder, report_period_picker
from danvan_desktop.ui.i18n import show_failure
from danvan_desktop.ui.printing import make_print_preview
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import INDENT, UnitField

LAYOUTS = (("party", "Văn bản của Đảng (“ĐẢNG CỘNG SẢN VIỆT NAM”)"),
           ("state", "Văn bản hành chính Nhà nước (“CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM”)"))
# The texts an admin may change, with their labels and hints (sizes and margins keep the official defaults).
TEXT_FIELDS = (
    ("superior_name", "Cơ quan cấp trên", "ví dụ: Đảng bộ Tỉnh Lai Châu", 1),
    ("organ_name", "Cơ quan ban hành", "ví dụ: Đảng ủy Xã Bản Bo", 2),
    ("number", "Số, ký hiệu", "phần sau chữ “Số”, ví dụ: 03-BC/ĐU", 1),
    ("place", "Địa danh (dòng ngày tháng)", "ví dụ: Bản Bo", 1),
    ("signer_prefix", "Thẩm quyền ký", "ví dụ: T/M ĐẢNG ỦY", 2),
    ("signer_title", "Chức vụ người ký", "ví dụ: BÍ THƯ", 1),
    ("signer_name", "Họ và tên người ký", "để trống nếu ký tay", 1),
)


def layout_label(key: str) -> str:
    """Vietnamese name of a report layout."""
    return dict(LAYOUTS).get(key, key)


class SmallText(QPlainTextEdit):
    """A text box of a few lines (names that break onto two lines, recipients one per line)."""

    def __init__(self, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 14)

    def text(self) -> str:
        """The text as typed."""
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 - the same name as QLineEdit's
        """Show a text."""
        self.setPlainText(text)


class ReportSettingsDialog(ActionDialog):
    """The report header, signer and recipients (admin only; the service checks the role again)."""


    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Cài đặt mẫu báo cáo", "Lưu", parent)
        self.setMinimumWidth(620)
        self.defaults: dict[str, Any] = {}
        self.loaded = False
        self.layout_combo = QComboBox()
        for key, label in LAYOUTS:
            self.layout_combo.addItem(label, key)
        self.form.addRow("Thể thức văn bản", self.layout_combo)
        self.fields: dict[str, QLineEdit | SmallText] = {}
        for key, label, hint, lines in TEXT_FIELDS:
            ed: QLineEdit | SmallText = QLineEdit() if lines == 1 else SmallText(lines)
            ed.setPlaceholderText(hint)
            self.fields[key] = ed
            self.form.addRow(label, ed)
        self.recipients = SmallText(5)
        self.recipients.setPlaceholderText("mỗi dòng một nơi nhận; dòng cuối thường là “Lưu Văn phòng”")
        self.form.addRow("Nơi nhận\n(mỗi dòng một nơi)", self.recipients)
        self.reset_button = QPushButton("Đặt lại theo mặc định")
        self.reset_button.setAutoDefault(False)
        self.reset_button.setToolTip("Điền các mục theo mẫu thường dùng của cấp đơn vị và thể thức đã chọn")
        self.reset_button.clicked.connect(lambda: self.fill_defaults(self.layout_key()))
        self.form.addRow("", self.reset_button)
        self.ok.setEnabled(False)
        self.layout_combo.currentIndexChanged.connect(lambda _i: self._layout_changed())
        self._load()

    def layout_key(self) -> str:
        """'party' or 'state'."""
        return str(self.layout_combo.currentData())

    def _load(self) -> None:
        from danvan_desktop.exchange.report import default_report_settings, report_settings

        ctx = self.ctx

        def fetch() -> tuple[Any, dict[str, Any]]:
            return report_settings(ctx.db), {k: default_report_settings(ctx.db, k) for k, _l in LAYOUTS}

        ctx.runner.run(fetch, self._loaded, self._failed, owner=self, label="Đang tải cài đặt báo cáo…")

    def _loaded(self, result: tuple[Any, dict[str, Any]]) -> None:
        current, self.defaults = result
        self.layout_combo.blockSignals(True)
        self.layout_combo.setCurrentIndex(self.layout_combo.findData(current.layout))
        self.layout_combo.blockSignals(False)
        self.show_settings(current)
        self.loaded = True
        self.ok.setEnabled(True)

    def show_settings(self, s: Any) -> None:
        """Fill the boxes from a LayoutSettings."""
        for key, ed in self.fields.items():
            ed.setText(str(getattr(s, key) or ""))
        self.recipients.setPlainText("\n".join(s.recipients))

    def fill_defaults(self, layout: str) -> None:
        """The usual texts of this office's level for a layout."""
        if layout in self.defaults:
            self.show_settings(self.defaults[layout])

    def _layout_changed(self) -> None:
        # The header texts of a Party report do not fit a state one: start from the other layout's defaults.
        if self.loaded:
            self.fill_defaults(self.layout_key())

    def values(self) -> dict[str, Any]:
        """What to save: only what differs from the layout's defaults (None: follow the default)."""
        layout = self.layout_key()
        d = self.defaults.get(layout)
        out: dict[str, Any] = {"layout": layout}
        for key, ed in self.fields.items():
            v = ed.text().strip()
            out[key] = None if d is not None and v == (getattr(d, key) or "") else v
        lines = [line.strip() for line in self.recipients.toPlainText().splitlines() if line.strip()]
        out["recipients"] = None if d is not None and tuple(lines) == tuple(d.recipients) else lines
        return out

    def work(self) -> Callable[[], Any] | None:
        """save_report_settings with the boxes' values."""
        from danvan_desktop.exchange.report import save_report_settings

        if not self.loaded:
            return None
        ctx, values = self.ctx, self.values()
        return lambda: save_report_settings(ctx.db, ctx.actor, values)


class ReportPage(QWidget):
    """Everything that leaves the office: the report (preview, print, PDF), the package, the entry template."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.folder: Path = default_folder()
        self.preview_dialog: Any = None
        self.last_dialog: Any = None
        self.last_pdf: bytes | None = None
        self._followed: tuple[str | None, Period | None] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)

        choose = QGroupBox("Báo cáo của kỳ nào, đơn vị nào")
        cl = QVBoxLayout(choose)
        row = QHBoxLayout()
        self.period = report_period_picker()
        row.addWidget(self.period)
        row.addSpacing(16)
        row.addWidget(QLabel("Đơn vị:"))
        self.unit = UnitField(ctx.units)
        self.unit.setMinimumContentsLength(24)
        row.addWidget(self.unit)
        row.addStretch(1)
        cl.addLayout(row)
        hint = QLabel("Báo cáo gồm số liệu của đơn vị và các đơn vị trực thuộc trong kỳ, so sánh với cùng kỳ năm "
                      "trước; đơn vị có đơn vị trực thuộc có thêm bảng số liệu từng đơn vị. Báo cáo tháng in "
                      "ngay từ đây: chọn “Tháng” rồi nhấn “Xem trước và in”.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #444;")
        cl.addWidget(hint)
        buttons = QHBoxLayout()
        self.preview_button = QPushButton("Xem trước và in… (Ctrl+P)")
        self.pdf_button = QPushButton("Xuất báo cáo PDF…")
        self.package_button = QPushButton("Xuất gói dữ liệu Excel…")
        self.template_button = QPushButton("Tải mẫu nhập liệu Excel…")
        for b in (self.preview_button, self.pdf_button, self.package_button, self.template_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        cl.addLayout(buttons)
        self.status = QLabel()
        self.status.setWordWrap(True)
        cl.addWidget(self.status)
        lay.addWidget(choose)
        if not ctx.actor.can(Action.EXPORT_PACKAGE):
            self.package_button.setEnabled(False)
            self.package_button.setToolTip("Tài khoản này không có quyền xuất gói dữ liệu.")

        settings = QGroupBox("Mẫu báo cáo đang dùng")
        sl = QVBoxLayout(settings)
        self.settings_form = QFormLayout()
        self.settings_labels: dict[str, QLabel] = {}
        for key, label in (("layout", "Thể thức"), ("superior_name", "Cơ quan cấp trên"),
                           ("organ_name", "Cơ quan ban hành"), ("number", "Số, ký hiệu"), ("place", "Địa danh"),
                           ("signer", "Người ký"), ("recipients", "Nơi nhận")):
            lab = QLabel("Đang tải…")
            lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.settings_labels[key] = lab
            self.settings_form.addRow(label + ":", lab)
        sl.addLayout(self.settings_form)
        srow = QHBoxLayout()
        self.settings_button = QPushButton("Cài đặt mẫu báo cáo…")
        srow.addWidget(self.settings_button)
        if not ctx.actor.can(Action.ADMIN):
            self.settings_button.setVisible(False)
            srow.addWidget(QLabel("Chỉ tài khoản quản trị đổi được mẫu báo cáo."))
        srow.addStretch(1)
        sl.addLayout(srow)
        lay.addWidget(settings)
        lay.addStretch(1)

        self.preview_button.clicked.connect(self.preview)
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.package_button.clicked.connect(lambda: self.export("xlsx"))
        self.template_button.clicked.connect(self.save_template)
        self.settings_button.clicked.connect(self.edit_settings)
        ctx.unitsChanged.connect(self._units_changed)
        self.refresh_settings()

    # -- filters ------------------------------------------------------------------------------------------

    def apply_filters(self, unit_code: str | None, period: Period | None, _search: str = "") -> None:
        """Start from the window's unit and period when they change (the choice here stays otherwise)."""
        if self._followed == (unit_code, period):
            return
        self._followed = (unit_code, period)
        if period is not None:
            self.period.set_period(period)
        self.unit.set_value(unit_code or self.ctx.home.code)

    def _units_changed(self) -> None:
        keep = self.unit.value()
        self.unit.blockSignals(True)
        self.unit.clear()
        for u in self.ctx.units:
            self.unit.addItem(INDENT * u.depth + u.name, u.key)
        self.unit.blockSignals(False)
        self.unit.set_value(keep)

    def chosen(self) -> tuple[Period, str | None]:
        """The period and the unit (None: the whole office)."""
        p = self.period.period()
        assert p is not None
        code = self.unit.value()
        return p, None if code in (None, self.ctx.home.code) else code

    def title(self) -> str:
        """"Báo cáo tháng 5 năm 2026 – Xã Bản Bo"."""
        p, code = self.chosen()
        return f"Báo cáo {p.label_vi} – {self.ctx.unit_name(code) if code else self.ctx.home.name}"

    # -- print preview ------------------------------------------------------------------------------------

    def preview(self) -> None:
        """Ctrl+P: the composed report (as written in the composer) in the print preview, for any printer."""
        from danvan_desktop.exchange.report_issue import preview_pdf

        if not self.preview_button.isEnabled():
            return  # already being built
        ctx = self.ctx
        p, code = self.chosen()
        title = self.title()
        self.preview_button.setEnabled(False)
        self.status.setText(f"Đang lập {title[0].lower() + title[1:]}…")
        ctx.runner.run(lambda: preview_pdf(ctx.db, ctx.actor, p, code), lambda data: self._show(data, title),
                       self._failed, owner=self, label="Đang lập báo cáo…")

    def _show(self, data: bytes, title: str) -> None:
        self.preview_button.setEnabled(True)
        self.status.setText("")
        self.last_pdf = data
        old = self.preview_dialog
        if old is not None and not old.isVisible():
            old.deleteLater()
        dlg = make_print_preview(self, data, title)
        self.preview_dialog = dlg
        dlg.open()  # window-modal, without a nested event loop

    def _failed(self, f: TaskFailure) -> None:
        self.preview_button.setEnabled(True)
        self.status.setText("")
        show_failure(self, f)

    # -- exports ------------------------------------------------------------------------------------------

    def export(self, fmt: str) -> ExportDialog:
        """Open the export dialog for a PDF report or a package, on this page's period and unit."""
        p, code = self.chosen()
        old = self.last_dialog
        if old is not None and not old.isVisible():
            old.deleteLater()
        dlg = ExportDialog(self.ctx, fmt, p, code, self.folder, self)
        dlg.finished.connect(lambda _r: self._remember_folder(dlg))
        self.last_dialog = dlg
        dlg.open()
        return dlg

    def _remember_folder(self, dlg: ExportDialog) -> None:
        if dlg.result_path is not None:
            self.folder = dlg.result_path.parent

    def save_template(self, path: Path | None = None) -> None:
        """Write the Excel entry template (for offices that collect data in Excel first)."""
        from danvan_desktop.exchange.template import write_template

        if path is None:
            chosen, _f = QFileDialog.getSaveFileName(self, "Lưu mẫu nhập liệu", str(self.folder / "mau-nhap-lieu.xlsx"),
                                                     "Tệp Excel (*.xlsx)")
            if not chosen:
                return
            path = Path(chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx")
        out = path
        self.status.setText("Đang ghi mẫu nhập liệu…")

        def done(_v: Any) -> None:
            self.folder = out.parent
            self.status.setText(f"Đã ghi mẫu nhập liệu “{out.name}” vào thư mục “{out.parent}”.")

        def failed(f: TaskFailure) -> None:
            self.status.setText("")
            show_failure(self, f)

        self.ctx.runner.run(lambda: write_template(out), done, failed, owner=self, label="Đang ghi mẫu nhập liệu…")

    # -- settings -----------------------------------------------------------------------------------------

    def refresh_settings(self) -> None:
        """Show the report settings in use (loaded in the background)."""
        from danvan_desktop.exchange.report import report_settings

        ctx = self.ctx
        ctx.runner.run(lambda: report_settings(ctx.db), self._show_settings, lambda _f: None, owner=self,
                       label="Đang tải cài đặt báo cáo…")

    def _show_settings(self, s: Any) -> None:
        one_line = lambda t: " ".join(str(t or "").split()) or "—"  # noqa: E731
        signer = " – ".join(x for x in (one_line(s.signer_prefix) if s.signer_prefix else "",
                                        one_line(s.signer_title), s.signer_name.strip()) if x and x != "—")
        texts = {"layout": layout_label(s.layout), "superior_name": one_line(s.superior_name),
                 "organ_name": one_line(s.organ_name), "number": one_line(s.number), "place": one_line(s.place),
                 "signer": signer or "—", "recipients": "; ".join(s.recipients) or "—"}
        for key, text in texts.items():
            self.settings_labels[key].setText(text)

    def edit_settings(self) -> ReportSettingsDialog:
        """Open the report settings (admin)."""
        old = self.last_dialog
        if old is not None and not old.isVisible():
            old.deleteLater()
        dlg = ReportSettingsDialog(self.ctx, self)
        dlg.accepted.connect(self.refresh_settings)
        self.last_dialog = dlg
        dlg.open()
        return dlg
