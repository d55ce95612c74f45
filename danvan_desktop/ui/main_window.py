"""The main window: navigation, unit filter, period picker, search, the pages, and the status bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.domain.roles import Action, denial_message
from danvan_desktop.domain.vocab import ROLE
from danvan_desktop.ui.admin import AdminPage, unit_tree_model
from danvan_desktop.ui.audit_page import AuditPage
from danvan_desktop.ui.backup_page import BackupPage
from danvan_desktop.ui.i18n import ask, inform, show_failure
from danvan_desktop.ui.overview import OverviewPage
from danvan_desktop.ui.pages import (
    FeaturePage,
    PeriodPicker,
    RecordListPage,
    ReligionPage,
    can_edit,
    in_scope,
    period_like,
)
from danvan_desktop.ui.permissions import edit_denial
from danvan_desktop.ui.report_page import ReportPage

NAV = (
    ("overview", "Tổng quan"),
    ("meeting", "Hội nghị"),
    ("petition", "Ý kiến - kiến nghị"),
    ("monitoring", "Giám sát - kiểm tra"),
    ("religion", "Tôn giáo"),
    ("model", "Dân vận khéo"),
    ("merge", "Tổng hợp dữ liệu"),
    ("reports", "Báo cáo"),
    ("audit", "Nhật ký"),
    ("backup", "Sao lưu"),
    ("admin", "Quản trị"),
)


def window_title(unit_name: str) -> str:
    """"Dân vận – Đảng ủy xã Bản Bo"."""
    return f"Dân vận – {unit_name}"


class MainWindow(QMainWindow):
    """One window per signed-in account; pages are built once and filtered by unit, period and search."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        actor = ctx.actor
        ctx.runner.default_error = lambda f: show_failure(self, f)
        self.setWindowTitle(window_title(ctx.home.name))
        self.resize(1280, 700)  # restored size; the program opens maximised (ui/main.py)
        self.print_handler: Callable[[], None] | None = None
        # Asked before closing: False keeps the window open for now (the closing backup closes it when done).
        self.close_guard: Callable[[], bool] | None = None

        # -- pages --
        self.pages: dict[str, QWidget] = {}
        self.stack = QStackedWidget()
        self.overview = OverviewPage(ctx)
        self.overview.openList.connect(self.open_list)
        self._add_page("overview", self.overview)
        for key in ("meeting", "petition", "monitoring"):
            self._add_page(key, RecordListPage(ctx, key))
        self.religion: ReligionPage | None = None
        if actor.can(Action.RELIGION):
            self.religion = ReligionPage(ctx)
            self._add_page("religion", self.religion)
        self._add_page("model", RecordListPage(ctx, "model"))
        self.merge_page = FeaturePage(
            "Tổng hợp dữ liệu",
            "Nơi nhận và tổng hợp gói dữ liệu (tệp Excel) của các đơn vị cấp dưới: xem trước những gì sẽ thêm, "
            "thay thế hoặc bị trùng, rồi xác nhận; xem đơn vị nào đã nộp số liệu của kỳ.\n\n"
            "Chức năng này sẽ có khi tính năng “Tổng hợp dữ liệu” được hoàn thành trong bản cập nhật tới. "
            "Dữ liệu đã nhập không bị ảnh hưởng.",
            ["Nhập gói dữ liệu…", "Nhập cả thư mục…", "Tình hình nộp số liệu"])
        if actor.can(Action.MERGE):
            self._add_page("merge", self.merge_page)
            from danvan_desktop.ui.merge_page import MergeScreen

            self.plug_merge(MergeScreen(ctx))
        self.reports_page = FeaturePage(
            "Báo cáo",
            "Nơi lập báo cáo theo thể thức văn bản của Đảng hoặc của Nhà nước (tệp PDF), xem trước và in báo cáo "
            "tháng (Ctrl+P), xuất gói dữ liệu gửi cấp trên và mẫu nhập liệu Excel.\n\n"
            "Chức năng này sẽ có khi tính năng “Báo cáo” được hoàn thành trong bản cập nhật tới. Trong lúc chờ, "
            "số liệu của kỳ xem tại trang “Tổng quan”, thẻ “Tất cả chỉ tiêu”.",
            ["Lập báo cáo (PDF)…", "Xem trước và in…", "Xuất gói dữ liệu…", "Tải mẫu nhập liệu…"])
        self.report_view: ReportPage | None = None
        if actor.can(Action.REPORT):
            self._add_page("reports", self.reports_page)
            self.report_view = ReportPage(ctx)
            from danvan_desktop.ui.reports.composer import Composer
            from danvan_desktop.ui.reports.tabs import ReportTabs

            self.composer = Composer(ctx)
            self.report_tabs = ReportTabs(self.composer, self.report_view)
            self.plug_reports(self.report_tabs)  # Ctrl+P is given its preview once the action exists
        self.audit_page: AuditPage | None = None
        if actor.can(Action.AUDIT):
            self.audit_page = AuditPage(ctx)
            self._add_page("audit", self.audit_page)
        self.backup_page: BackupPage | None = None
        if actor.can(Action.BACKUP) or actor.can(Action.RESTORE):
            self.backup_page = BackupPage(ctx)
            self._add_page("backup", self.backup_page)
        self.admin: AdminPage | None = None
        if actor.can(Action.ADMIN):
            self.admin = AdminPage(ctx)
            self._add_page("admin", self.admin)

        # -- left pane: navigation and unit tree --
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(6, 6, 0, 6)
        office = QLabel(ctx.home.name)
        office.setWordWrap(True)
        office.setStyleSheet("font-weight: bold; font-size: 11pt;")
        ll.addWidget(office)
        self.nav = QListWidget()
        self.nav.setStyleSheet("QListWidget { font-size: 11pt; } QListWidget::item { padding: 5px; }")
        for key, label in NAV:
            if key in self.pages:
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, key)
                self.nav.addItem(item)
        self.nav.setFixedHeight(self.nav.sizeHintForRow(0) * self.nav.count() + 6)
        ll.addWidget(self.nav)
        ll.addWidget(QLabel("Đơn vị:"))
        self.unit_tree = QTreeView()
        self.unit_tree.setHeaderHidden(True)
        ll.addWidget(self.unit_tree, 1)
        left.setMinimumWidth(200)
        left.setMaximumWidth(320)

        splitter = QSplitter()
        splitter.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 0)
        rl.addWidget(self.stack)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 1130])
        self.setCentralWidget(splitter)

        # -- tool bar --
        tb = QToolBar("Công cụ")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(tb)
        self.period_picker = PeriodPicker()
        tb.addWidget(self.period_picker)
        tb.addSeparator()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Tìm kiếm (gõ không dấu cũng được) – Ctrl+F")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.setMaximumWidth(560)  # leave room for every action at 1366 px
        tb.addWidget(self.search)
        tb.addSeparator()
        self.new_action = QAction("Thêm mới", self)
        self.new_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_action.setToolTip("Thêm bản ghi mới (Ctrl+N)")
        self.new_action.triggered.connect(self.new_record)
        self.edit_action = QAction("Sửa", self)
        self.edit_action.setToolTip("Mở bản ghi đang chọn (Enter)")
        self.edit_action.triggered.connect(self.edit_record)
        self.delete_action = QAction("Xóa", self)
        self.delete_action.setToolTip("Xóa bản ghi đang chọn (Delete)")
        self.delete_action.triggered.connect(self.delete_record)
        self.print_action = QAction("In", self)
        self.print_action.setShortcut(QKeySequence("Ctrl+P"))
        self.print_action.triggered.connect(self.print_current)
        self.undo_action = QAction("Hoàn tác", self)
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.undo_action.setToolTip("Hoàn tác lần lưu hoặc xóa bản ghi gần nhất (Ctrl+Z)")
        self.undo_action.triggered.connect(self.undo_last)
        self.import_action = QAction("Nhập mẫu Excel…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.import_template)
        if actor.can(Action.IMPORT_TEMPLATE):
            self.import_action.setToolTip("Nhập các bản ghi từ mẫu nhập liệu Excel đã điền (Ctrl+I)")
        else:
            self.import_action.setEnabled(False)
            self.import_action.setToolTip(denial_message(actor.username, actor.role, Action.IMPORT_TEMPLATE))
        self.find_action = QAction("Tìm", self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.focus_search)
        self.addAction(self.find_action)
        for a in (self.new_action, self.edit_action, self.delete_action, self.undo_action, self.import_action,
                  self.print_action):
            tb.addAction(a)
        self.set_print_handler(self.print_report if self.report_view is not None else None)

        # -- status bar --
        sb = self.statusBar()
        self.count_label = QLabel("")
        sb.addWidget(self.count_label, 1)
        self.busy_label = QLabel("")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        sb.addPermanentWidget(self.busy_label)
        sb.addPermanentWidget(self.busy_bar)
        self.busy_label.setVisible(False)
        self.busy_bar.setVisible(False)
        who = ctx.actor.full_name or ctx.actor.username
        sb.addPermanentWidget(QLabel(f"Người dùng: {who} ({ROLE.label(ctx.actor.role)})"))
        ctx.runner.busyChanged.connect(self._busy)

        # -- wiring --
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(300)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.period_picker.changed.connect(self.apply_filters)
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.show_units()
        ctx.unitsChanged.connect(self.show_units)
        self.nav.setCurrentRow(0)

    # -- pages --------------------------------------------------------------------------------------------

    def _add_page(self, key: str, page: QWidget) -> None:
        self.pages[key] = page
        self.stack.addWidget(page)
        if hasattr(page, "countChanged"):
            page.countChanged.connect(lambda text, p=page: self._count(p, text))
        lists = [page.sites, page.checks] if isinstance(page, ReligionPage) else [page]
        for lp in lists:
            if isinstance(lp, RecordListPage):
                lp.revealRequested.connect(lambda rec, lp=lp: self.reveal(lp, rec))

    def open_list(self, kind_key: str, filters: dict[str, Any], overdue: bool = False) -> RecordListPage:
        """Open a kind's list narrowed by its filter bar (an overview card's click-through)."""
        if kind_key.startswith("religious_"):
            assert self.religion is not None
            self.show_page("religion")
            lp = self.religion.sites if kind_key == "religious_site" else self.religion.checks
            self.religion.tabs.setCurrentWidget(lp)
        else:
            page = self.show_page(kind_key)
            assert isinstance(page, RecordListPage)
            lp = page
        lp.show_filtered(filters, overdue=overdue)
        return lp

    def reveal(self, lp: RecordListPage, rec: Any) -> None:
        """Bring a saved record into view: its period, a unit scope holding it, no search; then select it."""
        when = rec.values.get(lp.kind.event_field) if lp.kind.event_field else None
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        if not in_scope(self.ctx, rec.unit_code, self.unit_code()):
            self.unit_tree.blockSignals(True)
            self.select_unit(None)
            self.unit_tree.blockSignals(False)
        if isinstance(when, dt.date):
            p = self.period_picker.period()
            if p is None or not p.contains(when):
                self.period_picker.blockSignals(True)
                self.period_picker.set_period(period_like(p, when))
                self.period_picker.blockSignals(False)
        lp.select_when_loaded(rec.id)
        self.apply_filters()

    def page_key(self) -> str:
        """The key of the open page."""
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else "overview"

    def show_page(self, key: str) -> QWidget:
        """Open a page by key (as clicking it in the navigation does)."""
        for i in range(self.nav.count()):
            if self.nav.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(i)
                return self.pages[key]
        raise KeyError(key)

    def list_page(self) -> RecordListPage | None:
        """The record list on screen, if any."""
        page = self.stack.currentWidget()
        if isinstance(page, ReligionPage):
            return page.current()
        return page if isinstance(page, RecordListPage) else None

    def _nav_changed(self, _row: int) -> None:
        key = self.page_key()
        self.stack.setCurrentWidget(self.pages[key])
        if key == "admin" and self.admin is not None:
            self.admin.refresh()
        self.apply_filters()
        self._update_actions()

    def _update_actions(self) -> None:
        lp = self.list_page()
        editable = lp is not None and can_edit(self.ctx.actor)
        self.new_action.setEnabled(editable)
        self.delete_action.setEnabled(editable)
        self.edit_action.setEnabled(lp is not None)
        self.edit_action.setText("Sửa" if editable or lp is None else "Xem")
        # Shown, not just enforced: a disabled action says why.
        why = edit_denial(self.ctx.actor) if lp is not None else "Mở một danh sách (Hội nghị, Ý kiến…) trước."
        self.new_action.setToolTip("Thêm bản ghi mới (Ctrl+N)" if editable else f"Không thêm được: {why}")
        self.delete_action.setToolTip("Xóa bản ghi đang chọn (Delete)" if editable else f"Không xóa được: {why}")
        self.undo_action.setEnabled(can_edit(self.ctx.actor))
        page: Any = self.stack.currentWidget()
        self.count_label.setText(page.count_text() if hasattr(page, "count_text") else "")

    def _count(self, page: QWidget, text: str) -> None:
        if page is self.stack.currentWidget():
            self.count_label.setText(text)

    # -- filters ------------------------------------------------------------------------------------------

    def show_units(self) -> None:
        """Fill the unit filter from the context's unit list."""
        keep = self.unit_code()
        model = unit_tree_model(self.ctx.units, self)
        old = self.unit_tree.model()
        self.unit_tree.setModel(model)
        if old is not None:
            old.deleteLater()
        self.unit_tree.expandToDepth(0)
        self.unit_tree.selectionModel().currentChanged.connect(lambda *_a: self.apply_filters())
        self.select_unit(keep)

    def select_unit(self, code: str | None) -> None:
        """Choose a unit in the filter (None: the whole office)."""
        model = self.unit_tree.model()
        target = model.index(0, 0)
        if code:
            hits = model.match(model.index(0, 0), Qt.ItemDataRole.UserRole, code, 1,
                               Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
            if hits:
                target = hits[0]
        self.unit_tree.setCurrentIndex(target)

    def unit_code(self) -> str | None:
        """The unit chosen in the filter (None: the home unit, i.e. everything)."""
        model = self.unit_tree.model()
        if model is None:
            return None
        idx = self.unit_tree.currentIndex()
        code = idx.data(Qt.ItemDataRole.UserRole) if idx.isValid() else None
        return None if code in (None, self.ctx.home.code) else code

    def apply_filters(self) -> None:
        """Pass unit, period and search to the page on screen (others catch up when opened)."""
        self._search_timer.stop()
        page: Any = self.stack.currentWidget()
        if hasattr(page, "apply_filters"):
            page.apply_filters(self.unit_code(), self.period_picker.period(), self.search.text().strip())
        self._update_actions()

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search box."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- actions ------------------------------------------------------------------------------------------

    def new_record(self) -> None:
        """Ctrl+N: a new record of the list on screen."""
        lp = self.list_page()
        if lp is not None:
            lp.new_record()

    def edit_record(self) -> None:
        """Open the selected record."""
        lp = self.list_page()
        if lp is not None:
            if lp.open_selected() is None:
                inform(self, "Hãy chọn một dòng trong danh sách trước.")

    def delete_record(self) -> None:
        """Delete the selected record (after asking)."""
        lp = self.list_page()
        if lp is not None:
            if lp.selected_record() is None:
                inform(self, "Hãy chọn một dòng trong danh sách trước.")
                return
            lp.delete_selected()

    def import_template(self) -> QWidget:
        """Ctrl+I: the template import dialog."""
        from danvan_desktop.ui.template_import import TemplateImportDialog

        dlg = TemplateImportDialog(self.ctx, self)
        dlg.open()
        self.import_dialog = dlg
        return dlg

    def offer_drafts(self) -> list[Any]:
        """After a crash: offer to reopen the forms this account was filling; returns the forms opened."""
        from danvan_desktop.exchange.drafts import DraftStore
        from danvan_desktop.services.records import get_record
        from danvan_desktop.ui.forms import RecordForm

        ctx = self.ctx
        drafts = DraftStore(ctx.db.place).load(ctx.actor.username)
        if not drafts:
            return []
        names = "\n".join(f"• {get_kind(d.kind).label} ({'sửa' if d.record_id else 'thêm mới'}), "
                          f"lúc {d.saved_at:%H:%M ngày %d/%m/%Y}" for d in drafts[:8])
        if not ask(self, f"Có {len(drafts)} bản nhập dở chưa lưu từ lần trước (chương trình đã bị tắt khi "
                         f"đang nhập):\n\n{names}\n\nMở lại để xem và lưu?", yes="Mở lại", no="Để sau"):
            return []
        opened = []
        for d in drafts:
            try:
                rec = get_record(ctx.db, ctx.actor, d.kind, d.record_id) if d.record_id else None
            except Exception:  # noqa: BLE001 - a record gone since: reopen as a new one rather than lose it
                rec = None
            form = RecordForm(ctx, d.kind, rec, self, preset=d.values, unit_code=d.unit_code, draft_key=d.key)
            form.open()
            opened.append(form)
        self.restored_drafts = opened
        return opened

    def undo_last(self) -> None:
        """Ctrl+Z: undo the last save or delete of this session, after saying what will be undone."""
        from danvan_desktop.services.undo import undo_last_change

        rec = self.ctx.undo_target
        if rec is None:
            inform(self, "Chưa có lần lưu hoặc xóa bản ghi nào để hoàn tác.")
            return
        k = get_kind(rec.kind)
        noun = k.label[0].lower() + k.label[1:]
        title = rec.title if len(rec.title) <= 80 else rec.title[:79] + "…"
        what = ("việc xóa" if rec.deleted else "lần lưu gần nhất của") + f" {noun} “{title}”"
        # danger: undoing a save throws that edit away, so Enter answers "Không" (issue 13: Enter never discards).
        if not ask(self, f"Hoàn tác {what}?\n\nViệc hoàn tác được ghi vào lịch sử của bản ghi.",
                   yes="Hoàn tác", no="Không", danger=True):
            return
        ctx = self.ctx
        ctx.undo_target = None

        def done(r: Any) -> None:
            self.statusBar().showMessage(f"Đã hoàn tác {what}.", 10_000)

        ctx.runner.write(lambda: undo_last_change(ctx.db, ctx.actor, rec.kind, rec.id), done,
                         lambda f: show_failure(self, f), owner=self, label="Đang hoàn tác…")

    def set_print_handler(self, handler: Callable[[], None] | None) -> None:
        """Ctrl+P calls this (the reports feature plugs its print preview in here)."""
        self.print_handler = handler
        self.print_action.setEnabled(handler is not None)
        self.print_action.setToolTip("In báo cáo (Ctrl+P)" if handler else
                                     "In báo cáo (Ctrl+P) – sẽ có khi tính năng Báo cáo hoàn thành")

    def print_report(self) -> None:
        """Ctrl+P: the reports page, on the window's unit and period, and its print preview."""
        if self.report_view is not None:
            self.show_page("reports")
            self.report_tabs.setCurrentWidget(self.report_view)
            self.report_view.preview()

    def print_current(self) -> None:
        """Ctrl+P."""
        if self.print_handler is not None:
            self.print_handler()

    def plug_merge(self, widget: QWidget) -> None:
        """Put the real merge screen in the "Tổng hợp dữ liệu" page."""
        self.merge_page.plug(widget)

    def plug_reports(self, widget: QWidget, print_handler: Callable[[], None] | None = None) -> None:
        """Put the real reports screen in the "Báo cáo" page, and give Ctrl+P its print preview."""
        self.reports_page.plug(widget)
        if print_handler is not None:
            self.set_print_handler(print_handler)

    # -- status and closing -------------------------------------------------------------------------------

    def _busy(self, busy: bool, text: str) -> None:
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy)
        self.busy_label.setText(text)

    def closeEvent(self, e: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Let running work finish before the database is closed."""
        if self.close_guard is not None and not self.close_guard():
            e.ignore()
            return
        self.ctx.runner.shutdown()
        super().closeEvent(e)
