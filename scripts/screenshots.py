"""Open every screen of the desktop program at 1366×768 on the demo data and save PNGs to a folder.

Run under a virtual display, for example:
    xvfb-run -s "-screen 0 1366x768x24" python scripts/screenshots.py OUT_DIR
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from danvan_desktop.services.accounts import authenticate  # noqa: E402
from danvan_desktop.services.demo import build_demo  # noqa: E402
from danvan_desktop.services.records import RecordQuery, list_records  # noqa: E402
from danvan_desktop.ui.gc_guard import shutdown_cleanly  # noqa: E402
from danvan_desktop.ui.main import build_window, prepare_app  # noqa: E402
from danvan_desktop.ui.tasks import TaskRunner  # noqa: E402

W, H = 1366, 768


class Shooter:
    """Saves what is on the virtual screen."""

    def __init__(self, app: QApplication, out: Path, runner: TaskRunner) -> None:
        self.app, self.out, self.runner = app, out, runner
        self.n = 0

    def settle(self, ms: int = 250) -> None:
        """Let background work finish and the screen repaint."""
        end = time.monotonic() + 30
        while self.runner.busy and time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)
        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)

    def shot(self, name: str) -> Path:
        """Grab the whole screen."""
        self.settle()
        self.n += 1
        path = self.out / f"{self.n:02d}-{name}.png"
        self.app.primaryScreen().grabWindow(0).save(str(path))
        print(path)
        return path


def center(w: QWidget) -> None:
    """Put a dialog in the middle of the screen (there is no window manager under Xvfb)."""
    w.adjustSize() if w.width() < 100 else None
    w.move(QPoint(max(0, (W - w.width()) // 2), max(0, (H - w.height()) // 2)))


def bulk_meetings(db: object, n: int) -> None:
    """Insert n meetings in one transaction with SQLAlchemy Core (varied Vietnamese titles)."""
    import datetime as dt
    import random
    import uuid

    from danvan_desktop.domain.kinds import kind
    from danvan_desktop.domain.validation import check_record
    from danvan_desktop.domain.vocab import MEETING_KIND
    from danvan_desktop.services.records import stored_columns
    from danvan_desktop.services.units import list_units
    from danvan_desktop.store.schema import RECORD_TABLES, Unit, utcnow

    rng = random.Random(7)
    words = ["Tiếp xúc cử tri", "Đối thoại", "Tuyên truyền", "Ăn Tết an toàn", "Ấm no", "Bảo vệ rừng", "Dân vận khéo",
             "Giao ban", "Phản biện", "Ủy ban MTTQ", "đất đai", "đền bù", "nước sạch", "đường liên bản", "Nà Ản"]
    t = RECORD_TABLES["meeting"]
    k = kind("meeting")
    now = utcnow()
    units = list_units(db)
    with db.transaction() as s:
        ids = {u.code: s.query(Unit.id).filter(Unit.code == u.code).scalar() for u in units}
        rows = []
        for i in range(n):
            title = f"{rng.choice(words)} {rng.choice(words).lower()} lần {i}"
            u = rng.choice(units)
            values = {"kind": rng.choice(MEETING_KIND.keys), "title": title,
                      "date": dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2500)),
                      "participants": rng.randrange(10, 300)}
            # The core's own derivation of the stored columns (search text, sort key), so nothing is missed.
            rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "unit_id": ids[u.code],
                         "created_at": now, "updated_at": now, "created_by": "bench", "updated_by": "bench",
                         "revision": 1, "deleted": False, "notes": "",
                         **stored_columns(k, check_record(k, values), "", u.name)})
        s.execute(t.insert(), rows)


def bench(app: QApplication, n: int) -> int:
    """Time the meeting list on n records: first rows, jump to the end, sort by title, search."""
    from danvan_desktop.services.actor import Actor
    from danvan_desktop.services.setup import UnitSpec, init_office

    tmp = tempfile.mkdtemp(prefix="danvan-bench-")
    db = init_office(Path(tmp) / "bench.db", UnitSpec("03424", "Xã Bản Bo", "xa", "2025"),
                     [UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")], "admin", "matkhau1")
    t0 = time.perf_counter()
    bulk_meetings(db, n)
    print(f"chèn {n} hội nghị: {time.perf_counter() - t0:.1f} s")
    runner = TaskRunner()
    win = build_window(db, Actor("admin", "admin", "", True), runner)
    win.setGeometry(0, 0, W, H)
    win.show()
    win.period_picker.set_period(None)
    app.processEvents()
    lp = None

    def until(cond: object, what: str) -> float:
        start = time.perf_counter()
        longest = 0.0
        last = start
        while not cond():  # type: ignore[operator]
            app.processEvents()
            now = time.perf_counter()
            longest = max(longest, now - last)  # the longest the event loop was blocked
            last = now
            if now - start > 120:
                raise TimeoutError(what)
            time.sleep(0.001)
        took = time.perf_counter() - start
        print(f"{what}: {took * 1000:.0f} ms (vòng sự kiện bị chặn lâu nhất {longest * 1000:.0f} ms)")
        return took

    start = time.perf_counter()
    win.show_page("meeting")
    lp = win.list_page()
    until(lambda: lp.model.is_loaded and lp.model.record(0) is not None, f"mở danh sách {n} hội nghị, dòng đầu hiện ra")
    print(f"  (tổng từ lúc bấm: {(time.perf_counter() - start) * 1000:.0f} ms; số dòng {lp.model.rowCount()})")
    lp.view.scrollToBottom()
    until(lambda: lp.model.record(lp.model.rowCount() - 1) is not None, "kéo xuống cuối danh sách")
    lp.view.verticalScrollBar().setValue(lp.view.verticalScrollBar().maximum() // 2)
    mid = lp.view.rowAt(10)
    until(lambda: lp.model.record(mid) is not None, "nhảy ra giữa danh sách")
    lp.view.scrollToTop()
    lp.model.sort(2, __import__("PySide6.QtCore").QtCore.Qt.SortOrder.AscendingOrder)
    until(lambda: lp.model.is_loaded and lp.model.record(0) is not None, "sắp xếp theo Nội dung (thứ tự tiếng Việt)")
    lp.view.scrollToBottom()
    until(lambda: lp.model.record(lp.model.rowCount() - 1) is not None, "kéo xuống cuối khi sắp theo Nội dung")
    lp.model.sort(-1)
    win.search.setText("dat dai nuoc sach")
    win.apply_filters()
    until(lambda: lp.model.is_loaded and lp.model.query.search != "", "tìm “dat dai nuoc sach”")
    print(f"  tìm thấy {lp.model.total}")
    win.close()
    runner.shutdown()
    db.close()
    return 0


def wait_for(s: Shooter, cond: object, seconds: float = 60) -> None:
    """Run the event loop until cond() holds."""
    end = time.monotonic() + seconds
    while not cond() and time.monotonic() < end:  # type: ignore[operator]
        s.app.processEvents()
        time.sleep(0.01)


def reports_and_safety(s: Shooter, win: object, db: object, actor: object, tmp: Path) -> None:
    """The Báo cáo page and its dialogs, the print preview, Nhật ký, a record's history, Sao lưu, recovery."""
    from danvan_desktop.services.backup import auto_backup
    from danvan_desktop.services.records import update_record
    from danvan_desktop.ui.startup import recovery_box
    from danvan_desktop.ui.widgets import BusyDialog

    rp = win.report_view  # type: ignore[attr-defined]
    dlg = rp.export("xlsx")
    center(dlg)
    s.shot("xuat-goi-du-lieu")
    dlg.set_destination(tmp / "goi-du-lieu.xlsx")
    dlg.start()
    wait_for(s, lambda: dlg.result_path is not None)
    s.shot("xuat-goi-du-lieu-xong")
    dlg.reject()
    dlg = rp.export("pdf")
    dlg.set_destination(tmp / "bao-cao.pdf")
    center(dlg)
    dlg.start()
    wait_for(s, lambda: dlg.result_path is not None)
    s.shot("xuat-bao-cao-pdf-xong")
    dlg.reject()
    sd = rp.edit_settings()
    s.settle()
    sd.adjustSize()
    center(sd)
    s.shot("cai-dat-mau-bao-cao")
    sd.layout_combo.setCurrentIndex(sd.layout_combo.findData("state"))
    s.shot("cai-dat-mau-bao-cao-nha-nuoc")
    sd.reject()
    rp.preview()
    wait_for(s, lambda: rp.preview_dialog is not None and rp.preview_dialog.isVisible())
    center(rp.preview_dialog)
    s.shot("xem-truoc-khi-in")
    rp.preview_dialog.close()

    # A change to a record, so the log and the record's history have something to show.
    rec = list_records(db, actor, "meeting", RecordQuery(limit=1)).rows[0]
    update_record(db, actor, "meeting", rec.id, {"title": rec.title + " (đã bổ sung)",
                                                 "participants": (rec.values.get("participants") or 0) + 15})
    win.show_page("audit")  # type: ignore[attr-defined]
    s.shot("nhat-ky")
    ap = win.audit_page  # type: ignore[attr-defined]
    ap.check()
    s.shot("nhat-ky-kiem-tra-toan-ven")
    ap.view.selectRow(0)
    hd = ap.open_history()
    center(hd)
    s.shot("lich-su-ban-ghi")
    hd.close()

    win.show_page("backup")  # type: ignore[attr-defined]
    bpage = win.backup_page  # type: ignore[attr-defined]
    auto_backup(db, "hang-ngay")
    auto_backup(db, "khi-dong")
    bpage.backup_now()
    s.shot("sao-luu")
    bpage.view.selectRow(0)

    good = auto_backup(db, "hang-ngay").path
    box = recovery_box(Path(tmp) / "danvan.db", "Tệp “danvan.db” không phải cơ sở dữ liệu của Dân vận, hoặc đã "
                       "bị hỏng.", good)
    box.show()
    center(box)
    s.shot("tep-du-lieu-hong")
    box.close()
    busy = BusyDialog("Đang sao lưu dữ liệu trước khi đóng chương trình…", win)  # type: ignore[arg-type]
    busy.show()
    center(busy)
    s.shot("sao-luu-khi-dong")
    busy.close()


def merge_screens(s: Shooter, win: object, db: object, actor: object, tmp: Path) -> None:
    """Tổng hợp dữ liệu: packages of communes (a new commune, one edited after export, one not a package), the
    preview, the confirmation, the result, a conflict field by field, the import ledger, who has delivered.
    """
    import datetime as dt

    from openpyxl import Workbook, load_workbook

    from danvan_desktop.domain.periods import Period
    from danvan_desktop.exchange.package import export_package
    from danvan_desktop.services.actor import Actor
    from danvan_desktop.services.records import add_record, update_record
    from danvan_desktop.services.setup import UnitSpec, init_office
    from danvan_desktop.services.units import add_unit
    from danvan_desktop.ui import merge_page

    folder = tmp / "goi-nhan-ve"
    q3 = Period.quarter(2026, 3)
    # A commune the province does not know yet, from its own office.
    boss = Actor("admin", "admin", "", True)
    new = init_office(tmp / "nam-tam.db", UnitSpec("03436", "Xã Nậm Tăm", "xa", "2025"),
                      [UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")], "admin", "matkhau1")
    add_unit(new, boss, code="03436-01", name="Bản Nậm Pục", level="thon", parent_code="03436")
    for i, title in enumerate(("Tiếp xúc cử tri trước kỳ họp HĐND xã", "Đối thoại về chuyển đổi cây trồng",
                               "Tuyên truyền phòng, chống ma túy")):
        add_record(new, boss, "meeting", {"kind": "khac", "title": title, "date": dt.date(2026, 7 + i, 12),
                                          "participants": 60 + 15 * i}, unit="03436-01")
    add_record(new, boss, "petition", {"type": "kien_nghi", "received_date": dt.date(2026, 8, 3),
                                       "content": "Đề nghị sửa đường vào bản Nậm Pục", "field": "ha_tang",
                                       "status": "moi"})
    export_package(new, boss, q3, folder / "goi-du-lieu_03436_2026-Q3.xlsx")
    new.close()
    # Communes of the demo send their quarter (one only two months of it).
    for code in ("03424", "03390", "03388"):
        export_package(db, actor, q3, folder / f"goi-du-lieu_{code}_2026-Q3.xlsx", unit_code=code)  # type: ignore
    for m in (7, 8):
        export_package(db, actor, Period.month(2026, m), folder / f"goi-du-lieu_03408_2026-{m:02d}.xlsx",
                       unit_code="03408")  # type: ignore[arg-type]
    # The province corrected a meeting of Bản Bo after the commune exported it: a conflict.
    rec = list_records(db, actor, "meeting", RecordQuery(unit_code="03424", period=q3, limit=1)).rows[0]  # type: ignore
    update_record(db, actor, "meeting", rec.id, {"participants": (rec.values.get("participants") or 0) + 12,  # type: ignore
                                                 "chair": "Giàng Seo Chính"})
    # Someone opened a package in Excel and changed a title; another file is no package at all.
    edited = folder / "goi-du-lieu_03390_2026-Q3 (ban sua tay).xlsx"
    wb = load_workbook(folder / "goi-du-lieu_03390_2026-Q3.xlsx")
    ws = wb["Hội nghị"]
    col = [c.value for c in ws[2]].index("title") + 1
    ws.cell(3, col, "Hội nghị đã sửa tay")
    wb.save(edited)
    other = Workbook()
    other.active.append(["Họ và tên", "Chức vụ"])
    other.save(folder / "danh-sach-can-bo.xlsx")

    win.show_page("merge")  # type: ignore[attr-defined]
    screen = win.merge_page.content  # type: ignore[attr-defined]
    panel = screen.packages
    panel.preview([folder])
    wait_for(s, lambda: not panel.running)
    rows = panel.model.rows()
    panel.view.selectRow(next(i for i, p in enumerate(rows) if p.ok and p.counts.conflicts))
    s.shot("tong-hop-xem-truoc")
    panel.view.selectRow(next(i for i, p in enumerate(rows) if p.reason == "edited"))
    s.shot("tong-hop-goi-bi-tu-choi")
    box = QMessageBox(QMessageBox.Icon.Question, "Tổng hợp dữ liệu", panel.confirm_text(),
                      QMessageBox.StandardButton.NoButton, win)  # type: ignore[arg-type]
    box.addButton("Tổng hợp", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Không", QMessageBox.ButtonRole.RejectRole)
    box.show()
    center(box)
    s.shot("tong-hop-xac-nhan")
    box.close()
    asking = merge_page.ask
    merge_page.ask = lambda *_a, **_k: True  # type: ignore[assignment]
    panel.apply()
    merge_page.ask = asking
    wait_for(s, lambda: not panel.running)
    s.shot("tong-hop-ket-qua")
    screen.show_tab(screen.conflicts)
    s.settle()
    screen.conflicts.view.selectRow(0)
    s.shot("tong-hop-xung-dot")
    screen.show_tab(screen.ledger)
    s.shot("tong-hop-nhat-ky")
    screen.show_tab(screen.completeness)
    screen.completeness.set_period(q3)
    s.shot("tong-hop-tinh-hinh-nop")
    screen.completeness.set_period(Period.year(2026))
    s.shot("tong-hop-tinh-hinh-nop-ca-nam")
    screen.show_tab(screen.packages)


def main() -> int:
    """Build the demo, open each screen, save the pictures."""
    ap = argparse.ArgumentParser(description="Chụp ảnh màn hình mọi trang của Dân vận Desktop.")
    ap.add_argument("out", type=Path, help="thư mục lưu ảnh PNG")
    ap.add_argument("--db", type=Path, help="cơ sở dữ liệu mẫu có sẵn (mặc định: tạo mới)")
    ap.add_argument("--bench", type=int, metavar="N", help="không chụp ảnh; đo danh sách N hội nghị")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    app = QApplication(sys.argv[:1])
    prepare_app(app)
    if args.bench:
        return bench(app, args.bench)
    runner = TaskRunner()
    s = Shooter(app, args.out, runner)
    tmp = tempfile.mkdtemp(prefix="danvan-shots-")

    # First run: the wizard (a throwaway database path; nothing is created unless "Hoàn tất" is pressed).
    from danvan_desktop.ui.dialogs import LoginDialog, SetupWizard

    wiz = SetupWizard(Path(tmp) / "new.db", runner)
    wiz.resize(700, 560)
    center(wiz)
    wiz.show()
    wiz.search.setText("ban bo")
    s.settle(600)
    s.shot("khoi-tao-buoc-1")
    wiz.typed.setChecked(True)
    wiz.code.setText("X99")
    wiz.name.setText("Xã Nậm Xe")
    s.shot("khoi-tao-tu-nhap")
    wiz.from_catalogue.setChecked(True)
    s.settle()
    wiz._go(1)
    s.shot("khoi-tao-buoc-2")
    wiz.close()

    db = build_demo(args.db or Path(tmp) / "demo.db") if not (args.db and args.db.exists()) else None
    if db is None:
        from danvan_desktop.store.database import open_database

        db = open_database(args.db)
    login = LoginDialog(db, runner, "Tỉnh Lai Châu")
    center(login)
    login.show()
    login.username.setText("admin")
    login.password.setText("sai")
    login.submit()
    s.shot("dang-nhap-sai-mat-khau")
    login.close()

    actor = authenticate(db, "admin", "demo123")
    win = build_window(db, actor, runner)
    win.setGeometry(0, 0, W, H)
    win.show()
    s.shot("tong-quan")
    win.overview.tabs.setCurrentIndex(1)
    s.shot("tong-quan-mo-hinh-cho-danh-gia")
    win.overview.tabs.setCurrentIndex(2)
    s.shot("tong-quan-tat-ca-chi-tieu")
    win.overview.tabs.setCurrentIndex(0)

    for key, name in (("meeting", "hoi-nghi"), ("petition", "y-kien-kien-nghi"), ("monitoring", "giam-sat"),
                      ("model", "dan-van-kheo")):
        win.show_page(key)
        s.shot(name)
    win.show_page("religion")
    s.shot("ton-giao-diem-nhom")
    win.religion.tabs.setCurrentIndex(1)
    s.shot("ton-giao-kiem-tra")
    win.religion.tabs.setCurrentIndex(0)

    # Filters: one commune, one month, a search typed without marks.
    win.show_page("petition")
    win.search.setText("dat nuong")
    win.apply_filters()
    s.shot("tim-kiem-khong-dau")
    win.search.clear()
    win.period_picker.kind.setCurrentIndex(win.period_picker.kind.findData("month"))
    s.shot("ky-bao-cao-thang")
    win.period_picker.kind.setCurrentIndex(win.period_picker.kind.findData("range"))
    s.shot("ky-bao-cao-khoang-thoi-gian")
    win.period_picker.kind.setCurrentIndex(win.period_picker.kind.findData("year"))
    commune = next(u for u in win.ctx.units if u.name == "Xã Bản Bo")
    win.select_unit(commune.code)
    win.show_page("meeting")
    s.shot("loc-theo-don-vi")
    win.select_unit(None)

    win.show_page("merge")
    s.shot("tong-hop-du-lieu")
    merge_screens(s, win, db, actor, Path(tmp))
    win.show_page("reports")
    s.shot("bao-cao")
    reports_and_safety(s, win, db, actor, Path(tmp))
    win.show_page("admin")
    s.shot("quan-tri-tai-khoan")
    win.admin.tabs.setCurrentIndex(1)
    s.shot("quan-tri-don-vi")
    win.admin.account_view.selectRow(0)
    win.admin.new_account()
    center(win.admin.last_dialog)
    s.shot("them-tai-khoan")
    win.admin.last_dialog.reject()
    win.admin.new_unit()
    center(win.admin.last_dialog)
    s.shot("them-don-vi")
    win.admin.last_dialog.reject()
    win.admin.tabs.setCurrentIndex(0)

    # Forms: a record of each kind opened for editing, then new ones.
    for key, page_key, name in (("meeting", "meeting", "hoi-nghi"), ("petition", "petition", "y-kien"),
                                ("monitoring", "monitoring", "giam-sat"), ("model", "model", "mo-hinh"),
                                ("religious_site", "religion", "diem-nhom"),
                                ("religious_check", "religion", "kiem-tra-ton-giao")):
        win.show_page(page_key)
        lp = win.list_page()
        if key == "religious_check":
            win.religion.tabs.setCurrentIndex(1)
            lp = win.list_page()
        s.settle()
        if key == "meeting":
            # A meeting with petitions, to show the section inside its form.
            pet = list_records(db, actor, "petition", RecordQuery(limit=50)).rows
            mid = next(p.values["meeting_id"] for p in pet if p.values.get("meeting_id"))
            rows = [i for i in range(lp.model.rowCount()) if lp.model.record(i) and lp.model.record(i).id == mid]
            lp.view.selectRow(rows[0] if rows else 0)
        else:
            lp.view.selectRow(0)
        dlg = lp.open_selected()
        center(dlg)
        s.shot(f"sua-{name}")
        if key == "meeting":
            dlg.findChild(QWidget, "")  # keep the dialog referenced
            scroll = dlg.petitions.parentWidget().parentWidget().parentWidget()
            scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
            s.shot("hoi-nghi-cac-y-kien")
        dlg._initial = dlg.raw_values()
        dlg.reject()
        dlg2 = lp.new_record()
        center(dlg2)
        s.shot(f"them-{name}")
        if key == "meeting":
            dlg2.editors["title"].setText("x")
            dlg2.editors["title"].setText("")
            dlg2.editors["participants"].setText("20")
            dlg2.editors["women"].setText("35")
            dlg2.save()
            s.shot("loi-nhap-lieu")
            from PySide6.QtCore import Qt
            from PySide6.QtTest import QTest

            date_edit = dlg2.editors["date"]
            QTest.mouseClick(date_edit.button, Qt.MouseButton.LeftButton)
            s.shot("lich-chon-ngay")
            if date_edit.popup is not None:
                date_edit.popup.close()
        dlg2._initial = dlg2.raw_values()
        dlg2.reject()
        if key == "religious_check":
            win.religion.tabs.setCurrentIndex(0)

    # Asking before deleting.
    win.show_page("meeting")
    lp = win.list_page()
    lp.view.selectRow(0)
    rec = lp.selected_record()
    box = QMessageBox(QMessageBox.Icon.Warning, "Dân vận", f"Xóa hội nghị “{rec.title}”?\n\nBản ghi sẽ không còn "
                      "trong danh sách và số liệu; việc xóa được ghi vào nhật ký và chuyển lên cấp trên trong gói "
                      "dữ liệu.", QMessageBox.StandardButton.NoButton, win)
    box.addButton("Xóa", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Không xóa", QMessageBox.ButtonRole.RejectRole)
    box.show()
    center(box)
    s.shot("hoi-xoa")
    box.close()

    # A read-only account (văn thư) sees no religion page and no admin.
    from danvan_desktop.services.actor import Actor

    win.close()
    runner2 = TaskRunner()
    win2 = build_window(db, Actor("vanthu", "van_thu", "Văn thư", False), runner2)
    win2.setGeometry(0, 0, W, H)
    win2.show()
    s.runner = runner2
    s.shot("van-thu-tong-quan")
    win2.show_page("meeting")
    s.shot("van-thu-hoi-nghi")
    win2.close()
    runner.shutdown()
    runner2.shutdown()
    db.close()
    del win, win2
    shutdown_cleanly(QApplication.instance())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
