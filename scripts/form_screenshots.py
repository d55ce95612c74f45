"""Every record form at 1366×768 with its longest messages (issue 13), on the demo data.

    xvfb-run -a -s "-screen 0 1366x768x24" python scripts/form_screenshots.py OUT_DIR
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from screenshots import H, Shooter, W, center  # noqa: E402

from danvan_desktop.services.accounts import authenticate  # noqa: E402
from danvan_desktop.services.demo import build_demo  # noqa: E402
from danvan_desktop.ui.gc_guard import shutdown_cleanly  # noqa: E402
from danvan_desktop.ui.main import build_window, prepare_app  # noqa: E402
from danvan_desktop.ui.tasks import TaskRunner  # noqa: E402

PAGES = (("meeting", "meeting"), ("petition", "petition"), ("monitoring", "monitoring"), ("model", "model"),
         ("religious_site", "religion"), ("religious_check", "religion"))
# The longest message a date box gives, typed where a required date goes.
BAD_DATE = "29/02/2025"


def main() -> int:
    """Open each new form, try to save it empty with an impossible date, and shoot it."""
    ap = argparse.ArgumentParser(description="Chụp ảnh các biểu mẫu nhập liệu với thông báo dài nhất.")
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    prepare_app(app)
    runner = TaskRunner()
    s = Shooter(app, args.out, runner)
    db = build_demo(Path(tempfile.mkdtemp(prefix="danvan-forms-")) / "demo.db")
    actor = authenticate(db, "admin", "demo123")
    win = build_window(db, actor, runner)
    win.setGeometry(0, 0, W, H)
    win.show()
    s.settle()
    s.shot("cua-so-chinh")
    win.show_page("petition")
    win.list_page().show_filtered({"field": "dat_dai"}, overdue=True)
    s.shot("danh-sach-loc-qua-han")
    win.list_page().filter_bar.clear()
    for key, page in PAGES:
        win.show_page(page)
        if key == "religious_check":
            win.religion.tabs.setCurrentIndex(1)
        s.settle()
        dlg = win.list_page().new_record()
        center(dlg)
        k = dlg.kind
        if k.event_field:
            box = dlg.editors[k.event_field]
            box.setFocus()
            QTest.keyClicks(box.edit, BAD_DATE)
        for f in k.fields:  # an optional date with a half-typed value too
            if f.type.value == "date" and not f.required:
                dlg.editors[f.key].edit.setText("31/4")
                break
        dlg.save()
        s.shot(f"bieu-mau-{key}-loi")
        if key == "meeting":
            dlg.editors["participants"].setText("20")
            dlg.editors["women"].setText("35")
            dlg.validate()
            s.shot("bieu-mau-meeting-loi-quy-tac")
            QTest.mouseClick(dlg.editors["date"].button, Qt.MouseButton.LeftButton)
            s.shot("bieu-mau-lich")
            if dlg.editors["date"].popup is not None:
                dlg.editors["date"].popup.close()
        dlg._initial = dlg.raw_values()
        dlg.discard_draft()
        dlg.reject()
    win.close()
    runner.shutdown()
    db.close()
    shutdown_cleanly(QApplication.instance())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
