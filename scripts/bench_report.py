"""Benchmark: the yearly PDF report of a province office with 100 communes (time and peak memory).

Usage: python scripts/bench_report.py [--communes 100] [--db FILE] [--year 2026]

The province and two years of records (the report's year and the one before, for the comparison) are
generated with the bulk inserts of scripts/scale_data.py; the report is then measured in a fresh process so
its peak memory is its own: wall time of export_report (summary, per-commune figures, PDF), the split between
building the document and rendering it, the process's peak resident memory and the Python heap's peak.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_memory import peak_rss_mb  # noqa: E402


def reset_peak_rss() -> bool:
    """Reset the process's recorded peak resident memory (Linux only); True if it could."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # "5" resets VmHWM, the high-water mark
        return True
    except OSError:
        return False


def measure(db_path: Path, year: int) -> dict[str, float | int | None]:
    """Export the yearly report once for time and memory, then again under tracemalloc for the heap peak."""
    from danvan_desktop.domain.periods import Period
    from danvan_desktop.exchange.pdf_report import register_fonts, render_pdf
    from danvan_desktop.exchange.report import build_report, export_report
    from danvan_desktop.services.actor import SYSTEM
    from danvan_desktop.services.summary import children_figures
    from danvan_desktop.store.database import open_database

    db = open_database(db_path, create=False)
    period = Period.year(year)
    register_fonts()  # once per program run; not part of a report's cost
    reset_peak_rss()  # opening the database may have peaked higher than the report itself
    rss_before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bao-cao-nam.pdf"
        t = time.perf_counter()
        pages = export_report(db, SYSTEM, period, out)
        export_s = time.perf_counter() - t
        size = out.stat().st_size
    rss_after = peak_rss_mb()
    t = time.perf_counter()
    communes = len(children_figures(db, SYSTEM, period))
    children_s = time.perf_counter() - t
    t = time.perf_counter()
    doc = build_report(db, SYSTEM, period)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    render_pdf(doc, io.BytesIO())
    render_s = time.perf_counter() - t
    tracemalloc.start()
    export_report(db, SYSTEM, period, Path(tempfile.gettempdir()) / "bench-report-heap.pdf")
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    Path(tempfile.gettempdir(), "bench-report-heap.pdf").unlink(missing_ok=True)
    db.close()
    return {"communes": communes, "pages": pages, "pdf_kb": round(size / 1024), "export_s": round(export_s, 2),
            "children_figures_s": round(children_s, 2), "build_s": round(build_s, 2),
            "render_s": round(render_s, 2), "rss_before_mb": rss_before, "rss_peak_mb": rss_after,
            "heap_peak_mb": round(heap_peak / 1024 / 1024, 1)}


def main() -> None:
    """Generate the province if needed, then measure the report in a child process."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--communes", type=int, default=100)
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--db", type=Path, help="reuse or create this database (default: a temporary file)")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process's entry
    ap.add_argument("--json", action="store_true", help="end with one JSON line of the figures (for bench.py)")
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.year)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "province.db"
        if not db_path.exists():
            from scale_data import build_province  # the shared bulk generator of benchmark data

            t = time.perf_counter()
            build_province(db_path, communes=args.communes, years=2, first_year=args.year - 1).close()
            print(f"Tạo tỉnh {args.communes} xã, 2 năm số liệu: {time.perf_counter() - t:.1f} s")
        from danvan_desktop.services.actor import SYSTEM
        from danvan_desktop.services.records import count_by_kind
        from danvan_desktop.store.database import open_database

        db = open_database(db_path, create=False)
        counts = count_by_kind(db, SYSTEM)
        db.close()
        print(f"Bản ghi: {sum(counts.values()):,} ({', '.join(f'{k} {v:,}' for k, v in counts.items())})")
        done = subprocess.run([sys.executable, __file__, "--measure", str(db_path), "--year", str(args.year)],
                              capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"Báo cáo năm {args.year}, {r['communes']} xã trong bảng theo đơn vị: {r['pages']} trang, {r['pdf_kb']} KB")
    print(f"  export_report: {r['export_s']:.2f} s  (dựng báo cáo {r['build_s']:.2f} s, trong đó số liệu từng xã "
          f"{r['children_figures_s']:.2f} s; vẽ PDF {r['render_s']:.2f} s)")
    if r["rss_peak_mb"] is not None:
        print(f"  bộ nhớ đỉnh của tiến trình khi xuất: {r['rss_peak_mb']:.0f} MB (trước khi xuất: "
              f"{r['rss_before_mb']:.0f} MB)")
    print(f"  đỉnh bộ nhớ Python (tracemalloc) khi xuất: {r['heap_peak_mb']} MB")
    if args.json:
        print(json.dumps({"seconds": r["export_s"], "peak_rss_mb": r["rss_peak_mb"] or 0, "pages": r["pages"],
                          "communes": r["communes"], "children_figures_s": r["children_figures_s"]}))


if __name__ == "__main__":
    main()
