"""How long composing a province's year report takes: 100 communes, generation and .docx writing.

    PYTHONPATH=. python scripts/bench_compose.py [--work DIR] [--communes 100]

Builds (once) a province of N communes with two years of records (scripts/scale_data.py), gives every commune
a report text of ~600 characters in three sections (as merged packages bring them), writes ~60,000
characters of the office's own text, then times: compose (summary, per-commune figures, models, sentences,
Phụ lục), the .docx, the PDF, and the texts from below.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from scale_data import build_province  # noqa: E402

from danvan_desktop.domain.periods import parse_period  # noqa: E402
from danvan_desktop.exchange.report_issue import render  # noqa: E402
from danvan_desktop.services import reports  # noqa: E402
from danvan_desktop.services.actor import Actor  # noqa: E402
from danvan_desktop.store.database import open_database  # noqa: E402
from danvan_desktop.store.schema import Unit  # noqa: E402

ADMIN = Actor("admin", "admin", "Quản trị", religion_access=True)
PARA = ("Năm 2023, cấp ủy, chính quyền và các đoàn thể bám sát cơ sở, nắm chắc tình hình Nhân dân, giải quyết kịp "
        "thời các kiến nghị chính đáng; phong trào “Dân vận khéo” lan tỏa ở các thôn, bản vùng cao. ")


def timed(label: str, fn):  # noqa: ANN001, ANN201
    """Run fn once, print and return its result with the seconds it took."""
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    print(f"{label}: {dt:.2f} s")
    return out, dt


def main() -> int:
    """Build or reuse the province, then time each step of composing and writing the year report."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=Path("/tmp/danvan-bench-compose"))
    ap.add_argument("--communes", type=int, default=100)
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    path = a.work / f"province-{a.communes}.db"
    if not path.exists():
        db, _ = timed("building the province (once)", lambda: build_province(path, a.communes, 2, 2022))
        db.close()
    db = open_database(path)
    year = parse_period("2023")
    with db.transaction() as s:
        communes = list(s.query(Unit).filter(Unit.level == "xa"))
        for u in communes:
            reports.store_child_texts(s, u, year.code, [
                ("thuan_loi", "1. Thuận lợi", PARA * 2), ("kho_khan", "2. Khó khăn", PARA),
                ("dan_van_kheo", "III. PHONG TRÀO THI ĐUA “DÂN VẬN KHÉO”", PARA * 3)], None)
    for key in ("thuan_loi", "kho_khan", "uu_diem", "han_che", "nguyen_nhan", "nhiem_vu"):
        reports.save_section(db, ADMIN, year, key, own=PARA * 50)  # ~60,000 characters in all
    doc, t_compose = timed("compose (figures, sentences, Phụ lục)", lambda: reports.compose(db, ADMIN, year))
    _, t_children = timed("texts from the communes", lambda: reports.child_texts(db, ADMIN, year))
    data, t_docx = timed(".docx writing", lambda: render(doc, "docx"))
    pdf, t_pdf = timed("PDF writing", lambda: render(doc, "pdf"))
    chars = sum(len(s.generated) + len(s.own) for s in doc.sections)
    print(f"{len(communes)} communes, {chars:,} characters of text, .docx {len(data) // 1024} KB, "
          f"PDF {len(pdf) // 1024} KB; compose + .docx = {t_compose + t_docx:.2f} s")
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
