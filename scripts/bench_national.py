"""The national-scale simulation (issue 14): 34 province packages merged at the centre, with the figures.

    python scripts/bench_national.py [--work DIR] [--provinces N] [--db-url postgresql://…] [--fresh]

1. For each province of the built-in catalogue (the first N in Vietnamese order; default all 34, 3,321
   communes): a province office under the central office, its communes' records of 2025 built by the bulk path
   of scripts/scale_data.py (≈ 611 per commune, ≈ 2.03 million in all), then its package exported by the
   program's own export (exchange/package.py). Made once, kept in the work folder and reused.
2. A fresh central office (home unit "TW", level tw, a SQLite file centre-<N>.db in the work folder or the
   PostgreSQL database --db-url names) merges the packages with the program's own merge (services/merge.py,
   apply_package per package as apply_packages does after its one backup), timing each package and reading
   the merging process's memory after each.
3. At the centre: the summary of the whole country and of one province (SPEC §4, previous-year comparison
   included), the first page of every petition, one province's petitions, two searches; then the sizes.

Each step runs in its own process, so peak memory (VmHWM) is its own. Where a merge's memory goes, for one
package: python scripts/bench_national.py --phase memory CENTRE.db PACKAGE.xlsx (tracemalloc).
Figures are printed, and written as JSON to the work folder (national-<N>.json) for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import best_of  # noqa: E402
from bench_memory import peak_mb, rss_now_mb  # noqa: E402

DEFAULT_WORK = Path("/work/wt/scale-data")



def _admin() -> Any:
    from danvan_desktop.services.actor import Actor

    return Actor("admin", "admin", "Quản trị", religion_access=True)


# ---- phases (each in its own process) ------------------------------------------------------------------------

def phase_province(work: Path, code: str, scale: float) -> dict[str, Any]:
    """Build one province office and export its package of the year."""
    from scale_data import NATIONAL_YEAR, build_national_province, national_plan

    from danvan_desktop.domain.periods import Period
    from danvan_desktop.exchange.package import export_package

    plan = next(p for p in national_plan() if p.code == code)
    db_path = work / "provinces" / f"{code}.db"
    for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        p.unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    db, records = build_national_province(db_path, plan, scale)
    build_s = time.perf_counter() - t
    out = work / "packages" / f"{code}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    info = export_package(db, _admin(), Period.year(NATIONAL_YEAR), out)
    export_s = time.perf_counter() - t
    db.close()
    return {"code": code, "name": plan.name, "communes": len(plan.communes), "records": records,
            "exported": info.total, "build_s": build_s, "export_s": export_s,
            "db_mb": db_path.stat().st_size / 1e6, "package_mb": out.stat().st_size / 1e6, "peak_mb": peak_mb()}


def phase_merge(target: str, packages: list[str], wait: bool = False) -> dict[str, Any]:
    """Merge the packages at a fresh centre, one transaction each; time and memory after each package.

    wait: a package is merged once its province's figures (<code>.json beside it) say it is whole; the time
    spent waiting is not counted.
    """
    from scale_data import init_centre

    from danvan_desktop.services.merge import apply_package

    init_centre(target).close()
    from danvan_desktop.store.database import open_database

    db = open_database(target)
    base = rss_now_mb()
    per: list[dict[str, Any]] = []
    start = time.perf_counter()
    for p in packages:
        while wait and not Path(p).with_suffix(".json").exists():
            time.sleep(2)
        t = time.perf_counter()
        r = apply_package(db, _admin(), p, backup=False)
        per.append({"package": Path(p).stem, "ok": r.ok, "message": "" if r.ok else r.message,
                    "added": r.counts.added if r.ok else 0, "seconds": time.perf_counter() - t,
                    "rss_mb": rss_now_mb(), "peak_mb": peak_mb()})
        print(json.dumps({"progress": per[-1]}), file=sys.stderr, flush=True)
    wall = time.perf_counter() - start
    db.close()
    return {"seconds": sum(x["seconds"] for x in per), "wall_s": wall, "base_mb": base, "peak_mb": peak_mb(),
            "packages": per}


def phase_memory(target: str, package: str) -> dict[str, Any]:
    """Where a merge's memory goes: one package merged at a fresh centre under tracemalloc, the Python
    allocations still held when the package has been read (just before its rows are written), by source line."""
    import tracemalloc

    from scale_data import init_centre

    from danvan_desktop.services.merge import apply_package

    init_centre(target).close()
    from danvan_desktop.store.database import open_database

    db = open_database(target)
    held: list[Any] = []

    def at(done: int, total: int) -> None:
        if done >= total and not held:
            held.append(tracemalloc.take_snapshot())

    tracemalloc.start(1)
    r = apply_package(db, _admin(), package, progress=at, backup=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    db.close()
    top = held[0].statistics("lineno")[:12] if held else []
    return {"added": r.counts.added if r.ok else 0, "traced_peak_mb": peak / 1e6,
            "held_mb": sum(x.size for x in held[0].statistics("filename")) / 1e6 if held else 0,
            "top": [{"where": str(x.traceback[0]), "mb": x.size / 1e6, "blocks": x.count} for x in top]}


def _sizes(db: Any) -> dict[str, Any]:
    """Space per table and index (SQLite dbstat, PostgreSQL pg_relation_size), in MB, largest first."""
    from sqlalchemy import text

    with db.engine.connect() as c:
        if db.dialect == "sqlite":
            try:
                rows = c.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
            except Exception:  # dbstat not compiled in: the file size only
                rows = []
            total = Path(db.path).stat().st_size
        else:
            rows = c.execute(text("SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
                                  "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                                  "AND c.relkind IN ('r', 'i', 't', 'm')")).all()
            total = c.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    by = sorted(((str(n), int(b) / 1e6) for n, b in rows), key=lambda x: -x[1])
    return {"total_mb": total / 1e6, "objects": [{"name": n, "mb": mb} for n, mb in by[:25]]}


def phase_queries(target: str, province: str) -> dict[str, Any]:
    """At the centre: the summaries, lists and searches a person waits for; then the sizes."""
    from scale_data import NATIONAL_YEAR

    from danvan_desktop.domain.periods import Period
    from danvan_desktop.services.actor import SYSTEM
    from danvan_desktop.services.records import RecordQuery, list_records
    from danvan_desktop.services.summary import summarize
    from danvan_desktop.store.database import open_database

    db = open_database(target, create=False)
    period = Period.year(NATIONAL_YEAR)
    out: dict[str, Any] = {}
    whole = summarize(db, SYSTEM, period)
    out["country_meetings"] = next((v for k, v in _flat(whole) if k.endswith("meetings")), None)
    out["summary_country_ms"] = best_of(lambda: summarize(db, SYSTEM, period))
    out["summary_province_ms"] = best_of(lambda: summarize(db, SYSTEM, period, province))
    out["petitions"] = list_records(db, SYSTEM, "petition", RecordQuery(limit=1)).total
    out["list_first_page_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition", RecordQuery(limit=200)))
    out["list_province_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                           RecordQuery(unit_code=province, limit=200)))
    out["search_3_words_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                            RecordQuery(search="duong lien ban", limit=200)), 3)
    out["search_3_words_rows"] = list_records(db, SYSTEM, "petition",
                                              RecordQuery(search="duong lien ban", limit=1)).total
    out["search_2_letters_ms"] = best_of(lambda: list_records(db, SYSTEM, "petition",
                                                              RecordQuery(search="ha", limit=200)), 3)
    out["rss_mb"] = peak_mb()
    out["sizes"] = _sizes(db)
    db.close()
    return out


def _flat(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """A summary's scalar fields as (dotted name, value), to pick one figure to print."""
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return [kv for k, v in obj.items() for kv in _flat(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), obj)] if isinstance(obj, int | float) else []


def _child(*args: str) -> dict[str, Any]:
    r = subprocess.run([sys.executable, __file__, "--phase", *args], stdout=subprocess.PIPE, text=True,
                       check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if r.returncode != 0:
        raise SystemExit(f"Giai đoạn {args[0]} lỗi (mã {r.returncode}).")
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ---- the run --------------------------------------------------------------------------------------------------

def _fresh_target(work: Path, db_url: str | None, provinces: int) -> str:
    """A new, empty centre: a file in the work folder, or the named PostgreSQL database emptied."""
    if db_url:
        from sqlalchemy import create_engine, text

        from danvan_desktop.store.target import server_url

        eng = create_engine(server_url(db_url))
        with eng.begin() as c:  # the run's own database: drop what a previous run left
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
        eng.dispose()
        return db_url
    path = work / f"centre-{provinces}.db"  # runs of different sizes may share the work folder
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    return str(path)


def main() -> None:
    """Build what is missing, merge at a fresh centre, query it, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK)
    ap.add_argument("--provinces", type=int, default=34, help="the first N provinces (Vietnamese order)")
    ap.add_argument("--scale", type=float, default=None, help="share of the records per commune (0.61)")
    ap.add_argument("--db-url", help="the centre on a PostgreSQL server (its database is emptied first)")
    ap.add_argument("--fresh", action="store_true", help="rebuild the provinces' data and packages")
    ap.add_argument("--pipeline", action="store_true",
                    help="merge each package as soon as it is made (two processes at once; for a long run)")
    ap.add_argument("--phase", choices=["province", "merge", "merge-waiting", "queries", "memory"])
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.phase == "province":
        print(json.dumps(phase_province(Path(a.args[0]), a.args[1], float(a.args[2]))))
        return
    if a.phase == "merge":
        print(json.dumps(phase_merge(a.args[0], a.args[1:])))
        return
    if a.phase == "merge-waiting":
        print(json.dumps(phase_merge(a.args[0], a.args[1:], wait=True)))
        return
    if a.phase == "memory":
        print(json.dumps(phase_memory(a.args[0], a.args[1]), indent=1))
        return
    if a.phase == "queries":
        print(json.dumps(phase_queries(a.args[0], a.args[1])))
        return

    from scale_data import NATIONAL_SCALE, national_plan

    scale = a.scale if a.scale is not None else NATIONAL_SCALE
    work = a.work
    work.mkdir(parents=True, exist_ok=True)
    plans = national_plan()[:a.provinces]
    print(f"Thư mục làm việc: {work}; {len(plans)} tỉnh, {sum(len(p.communes) for p in plans):,} xã", flush=True)
    packages = [str(work / "packages" / f"{p.code}.xlsx") for p in plans]
    merging = None
    if a.pipeline:
        for p in plans:  # a marker the merge would wait for must say the package is whole for this scale
            made = work / "packages" / f"{p.code}.json"
            if made.exists() and (a.fresh or json.loads(made.read_text()).get("scale") != scale):
                made.unlink()
        target = _fresh_target(work, a.db_url, len(plans))
        merging = subprocess.Popen([sys.executable, __file__, "--phase", "merge-waiting", target, *packages],
                                   stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    built: list[dict[str, Any]] = []
    for p in plans:
        made = work / "packages" / f"{p.code}.json"
        if made.exists() and not a.fresh and json.loads(made.read_text()).get("scale") == scale:
            built.append(json.loads(made.read_text()))
            continue
        r = _child("province", str(work), p.code, str(scale))
        r["scale"] = scale
        tmp = made.with_suffix(".json-tmp")
        tmp.write_text(json.dumps(r))
        tmp.replace(made)  # whole or absent: the waiting merge reads it
        built.append(r)
        print(f"  {r['name']}: {r['communes']} xã, {r['records']:,} bản ghi; tạo {r['build_s']:.1f} s, xuất gói "
              f"{r['export_s']:.1f} s ({r['package_mb']:.1f} MB)", flush=True)
    records = sum(r["records"] for r in built)
    print(f"Dữ liệu các tỉnh: {records:,} bản ghi; tạo {sum(r['build_s'] for r in built):.0f} s, xuất "
          f"{sum(r['export_s'] for r in built):.0f} s; gói {sum(r['package_mb'] for r in built):.0f} MB", flush=True)

    if merging is not None:
        out, _ = merging.communicate()
        if merging.returncode != 0:
            raise SystemExit(f"Giai đoạn tổng hợp lỗi (mã {merging.returncode}).")
        m = json.loads(out.strip().splitlines()[-1])
    else:
        target = _fresh_target(work, a.db_url, len(plans))
        m = _child("merge", target, *packages)
    refused = [x for x in m["packages"] if not x["ok"]]
    added = sum(x["added"] for x in m["packages"])
    slowest = max(m["packages"], key=lambda x: x["seconds"])
    print(f"Tổng hợp {len(packages)} gói ở trung ương ({added:,} bản ghi thêm mới): {m['seconds']:.0f} s "
          f"(cả chờ: {m['wall_s']:.0f} s), "
          f"{m['seconds'] / max(added, 1) * 1e6:.0f} µs/bản ghi; chậm nhất {slowest['package']} "
          f"{slowest['seconds']:.1f} s; bộ nhớ đỉnh {m['peak_mb']:.0f} MB (sau khi nạp chương trình "
          f"{m['base_mb']:.0f} MB)", flush=True)
    for x in refused:
        print(f"  Gói {x['package']} bị từ chối: {x['message']}")
    biggest = max(plans, key=lambda p: len(p.communes))
    q = _child("queries", target, biggest.code)
    print(f"Ở trung ương ({q['petitions']:,} kiến nghị): tổng hợp cả nước {q['summary_country_ms']:.0f} ms, "
          f"một tỉnh ({biggest.name}) {q['summary_province_ms']:.0f} ms; danh sách trang đầu "
          f"{q['list_first_page_ms']:.0f} ms, của một tỉnh {q['list_province_ms']:.0f} ms; tìm ba từ "
          f"{q['search_3_words_ms']:.0f} ms ({q['search_3_words_rows']:,} dòng), tìm “ha” "
          f"{q['search_2_letters_ms']:.0f} ms; dung lượng {q['sizes']['total_mb']:.0f} MB", flush=True)
    for o in q["sizes"]["objects"][:12]:
        print(f"    {o['name']}: {o['mb']:.0f} MB")
    where = "postgresql" if a.db_url else "sqlite"
    out = work / f"national-{len(plans)}-{where}.json"
    out.write_text(json.dumps({"provinces": built, "merge": m, "queries": q, "records": records,
                               "centre": "PostgreSQL" if a.db_url else "SQLite"}, ensure_ascii=False, indent=1))
    print(f"Số liệu: {out}")


if __name__ == "__main__":
    main()
