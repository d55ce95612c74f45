"""The report composer at 1366×768 with a long Vietnamese text, and the pages of the issued .docx as
LibreOffice lays them out (PNG files to look at).

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/report_screens.py OUT_DIR
(without xvfb-run it runs offscreen and grabs the window itself)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")

from PySide6.QtWidgets import QApplication  # noqa: E402

from danvan_desktop.domain.periods import parse_period  # noqa: E402
from danvan_desktop.exchange.report_issue import issue_report  # noqa: E402
from danvan_desktop.services import reports  # noqa: E402
from danvan_desktop.services.actor import Actor  # noqa: E402
from danvan_desktop.services.demo import build_demo  # noqa: E402
from danvan_desktop.services.units import list_units  # noqa: E402
from danvan_desktop.ui.context import AppContext  # noqa: E402
from danvan_desktop.ui.main import prepare_app  # noqa: E402
from danvan_desktop.ui.reports.composer import Composer  # noqa: E402
from danvan_desktop.ui.tasks import TaskRunner  # noqa: E402

ADMIN = Actor("admin", "admin", "Nguyễn Văn Quản", religion_access=True)
LONG = (
    "Năm 2025, trong bối cảnh sắp xếp tổ chức bộ máy của hệ thống chính trị và thực hiện mô hình chính quyền địa "
    "phương hai cấp, Ban Tuyên giáo và Dân vận Tỉnh ủy đã tham mưu Ban Thường vụ Tỉnh ủy lãnh đạo, chỉ đạo các "
    "cấp ủy, chính quyền, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội triển khai đồng bộ công tác dân vận; "
    "bám sát cơ sở, nắm chắc tình hình Nhân dân, kịp thời giải quyết những kiến nghị chính đáng của đồng bào các "
    "dân tộc Thái, Mông, Dao, Hà Nhì, Lự, Cống, Mảng, La Hủ ở các xã biên giới.\n"
    "Phong trào thi đua “Dân vận khéo” tiếp tục lan tỏa sâu rộng; nhiều mô hình hay, cách làm hiệu quả trong phát "
    "triển kinh tế, xóa đói giảm nghèo, giữ gìn bản sắc văn hóa, bảo đảm quốc phòng - an ninh được nhân rộng.[[Tiêu "
    "biểu: mô hình “Bản không có ma túy” ở Sìn Hồ; “Nuôi ong lấy mật” ở Bản Bo; “Hiến đất làm đường” ở Khun Há.]]")


def main() -> int:
    """Build the demo, write the long text, grab the composer, issue and convert the .docx to page images."""
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    out: Path = ap.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    prepare_app(app)
    work = Path(tempfile.mkdtemp(prefix="danvan-report-"))
    db = build_demo(work / "demo.db")
    year = parse_period("2025")
    reports.set_fields(db, ADMIN, year, {"number": "12-BC/BTGDVTU", "date": "2026-01-05", "place": "Lai Châu",
                                         "signer_name": "Nguyễn Văn Quản"})
    reports.save_section(db, ADMIN, year, "thuan_loi", own=LONG)
    runner = TaskRunner()
    composer = Composer(AppContext(db, ADMIN, runner, list_units(db)))
    composer.resize(1366, 768)
    composer.show()
    composer.period.set_period(year)

    def settle() -> None:
        end = time.monotonic() + 60
        while (runner.busy or composer._queue) and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        for _ in range(20):
            app.processEvents()

    settle()
    composer.select_section("thuan_loi")
    settle()
    composer.grab().save(str(out / "composer-thuan-loi.png"))
    composer.select_section("dan_van_kheo")
    settle()
    composer.grab().save(str(out / "composer-dan-van-kheo.png"))
    docx = work / "bao-cao-2025.docx"
    issue_report(db, ADMIN, year, "docx", docx)
    if shutil.which("soffice") and shutil.which("pdftoppm"):
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(docx)],
                       check=True, capture_output=True)
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(work / "bao-cao-2025.pdf"), str(out / "docx-page")],
                       check=True)
    runner.shutdown()
    db.close()
    print("\n".join(sorted(str(p) for p in out.glob("*.png"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
