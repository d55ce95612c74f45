"""Benchmark: exporting a package and merging packages, each against its floor.

  export  100,000 records to a package   vs  openpyxl write-only writing the same cells alone
  merge   100 packages of 2,000 records   vs  sqlite3 executemany of the same rows (one transaction per
          (time and peak memory)              package, same schema and pragmas)

Run:  python scripts/bench_export_merge.py [--work DIR] [--records 100000] [--packages 100] [--per-package 2000]
Data are generated once into the work folder (default: a temporary folder) and reused with --work.
The merge and its floor run in fresh processes so their peak memory (ru_maxrss) is their own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_memory import peak_mb  # noqa: E402

from danvan_desktop.domain import vocab as V  # noqa: E402
from danvan_desktop.domain.kinds import KIND_BY_KEY  # noqa: E402
from danvan_desktop.services.actor import Actor  # noqa: E402

ADMIN = Actor("admin", "admin", "Quản trị", religion_access=True)
PASSWORD = "matkhau123"
YEAR = 2025
MIX = {"meeting": 0.40, "petition": 0.30, "monitoring": 0.10, "religious_check": 0.08, "model": 0.08,
       "religious_site": 0.04}
PLACES = ["Nà Khum", "Lao Chải", "Sin Chải", "Hồ Pạ", "Nà Đình", "Phiêng Ẳng", "Cốc Phát", "Tả Chải", "Bản Giang"]
PEOPLE = ["Lò Văn Minh", "Tòng Thị Hoa", "Giàng Seo Chính", "Vàng A Sáng", "Nguyễn Thị Lan", "Đèo Văn Thắng"]
TOPICS = ["Tiếp xúc cử tri trước kỳ họp HĐND", "Đối thoại về bồi thường, giải phóng mặt bằng",
          "Tuyên truyền Nghị quyết của Đảng", "Tập huấn công tác dân vận khéo", "Giao ban khối dân vận quý"]
CONTENTS = ["Đề nghị sửa đường liên bản bị sạt lở sau mưa lũ", "Kiến nghị hỗ trợ giống cây trồng cho hộ nghèo",
            "Phản ánh chậm chi trả tiền bồi thường đất rừng", "Đề nghị kéo điện lưới về bản vùng cao"]


# ---- data --------------------------------------------------------------------------------------------------

def _values(kind: str, rng: random.Random, i: int) -> dict[str, Any]:
    d = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
    place = rng.choice(PLACES)
    if kind == "meeting":
        part = rng.randrange(20, 300)
        return {"kind": rng.choice(V.MEETING_KIND.keys), "title": f"{rng.choice(TOPICS)} tại bản {place} ({i})",
                "date": d, "location": f"Nhà văn hóa bản {place}", "organizer": rng.choice(V.BODY.keys),
                "chair": rng.choice(PEOPLE), "participants": part, "women": rng.randrange(part // 2),
                "ethnic_minority": rng.randrange(part)}
    if kind == "petition":
        st = rng.choice(V.PETITION_STATUS.keys)
        return {"type": rng.choice(V.PETITION_TYPE.keys), "received_date": d,
                "content": f"{rng.choice(CONTENTS)}, bản {place} ({i})", "field": rng.choice(V.PETITION_FIELD.keys),
                "forwarded_to": "UBND xã", "deadline": d + dt.timedelta(days=60), "status": st,
                "resolved_date": d + dt.timedelta(days=30) if st == "da_giai_quyet" else None,
                "response": "Đã trả lời bằng văn bản" if st == "da_giai_quyet" else None}
    if kind == "monitoring":
        return {"kind": rng.choice(V.MONITORING_KIND.keys), "topic": f"Giám sát thực hiện chính sách tại {place} ({i})",
                "lead_body": rng.choice(V.BODY.keys), "basis": "Quyết định 217-QĐ/TW", "start_date": d,
                "end_date": d + dt.timedelta(days=3), "members": rng.randrange(3, 10),
                "findings": "Cơ bản thực hiện tốt, còn một số tồn tại", "recommendations": rng.randrange(5),
                "follow_up": rng.choice(V.FOLLOW_UP.keys)}
    if kind == "religious_check":
        res = rng.choice(V.CHECK_RESULT.keys)
        return {"date": d, "checking_body": "bcd_ton_giao", "content": f"Kiểm tra điểm nhóm bản {place} ({i})",
                "result": res, "violations": "Sinh hoạt chưa đăng ký" if res == "vi_pham" else None}
    if kind == "religious_site":
        return {"name": f"Điểm nhóm Tin lành bản {place} ({i})", "religion": rng.choice(V.RELIGION.keys),
                "registration": rng.choice(V.REGISTRATION.keys), "leader": rng.choice(PEOPLE),
                "followers": rng.randrange(50, 500), "households": rng.randrange(5, 50)}
    st = rng.choice(V.MODEL_STATUS.keys)
    return {"registrant_kind": rng.choice(V.REGISTRANT_KIND.keys), "registrant": rng.choice(PEOPLE),
            "name": f"Mô hình “Dân vận khéo” phát triển kinh tế bản {place} ({i})",
            "field": rng.choice(V.MODEL_FIELD.keys), "registered_date": d, "situation": "Đời sống còn khó khăn",
            "goals": "Tăng thu nhập cho hội viên", "status": st,
            "award": "Giấy khen của UBND xã" if st == "cong_nhan" else None,
            "award_date": d + dt.timedelta(days=90) if st == "cong_nhan" and d.month < 10 else None,
            "replicated": rng.random() < 0.3}


def _fill(db: Any, unit_ids: list[tuple[int, str]], per_unit: int, seed: int) -> None:
    """Insert per_unit records for each unit with bulk Core inserts (services' own stored form)."""
    from danvan_desktop.services.records import stored_columns
    from danvan_desktop.services.seals import with_seals
    from danvan_desktop.store.schema import RECORD_TABLES

    rng = random.Random(seed)
    now = dt.datetime(YEAR, 12, 31, 8, 30, 15)
    counts = {k: int(per_unit * share) for k, share in MIX.items()}
    counts["meeting"] += per_unit - sum(counts.values())
    with db.engine.begin() as conn:
        for uid, uname in unit_ids:
            for kind, n in counts.items():
                k = KIND_BY_KEY[kind]
                rows = []
                for i in range(n):
                    v = _values(kind, rng, i)
                    if v.get("award") and not v.get("award_date"):
                        v["award"] = None
                    rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "unit_id": uid,
                                 "created_at": now, "updated_at": now, "created_by": "admin", "updated_by": "admin",
                                 "revision": 1, "deleted": False, "notes": "", **stored_columns(k, v, "", uname)})
                conn.execute(RECORD_TABLES[kind].insert(), with_seals(rows))


def _offices(work: Path) -> tuple[Any, Any]:
    from danvan_desktop.services.setup import UnitSpec

    return UnitSpec("105", "Huyện Tam Đường", "huyen", "legacy"), UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")


def build_export_db(path: Path, records: int) -> None:
    """One commune with `records` records of the year."""
    from danvan_desktop.services.setup import UnitSpec, init_office
    from danvan_desktop.services.units import home

    district, province = _offices(path.parent)
    db = init_office(path, UnitSpec("X001", "Xã Bình Lư", "xa"), [district, province], "admin", PASSWORD)
    with db.reader() as s:
        u = home(s)
        ids = [(u.id, u.name)]
    _fill(db, ids, records, seed=1)
    db.close()


def build_merge_source(path: Path, packages: int, per_package: int) -> list[str]:
    """A district holding `packages` communes of `per_package` records each; returns the commune codes."""
    from danvan_desktop.services.setup import init_office
    from danvan_desktop.services.units import create_unit, home

    district, province = _offices(path.parent)
    db = init_office(path, district, [province], "admin", PASSWORD)
    with db.transaction() as s:
        root = home(s)
        made = [create_unit(s, f"X{i + 1:03d}", f"Xã {PLACES[i % len(PLACES)]} {i + 1}", "xa", root)
                for i in range(packages)]
        s.flush()
        ids = [(u.id, u.name) for u in made]
        codes = [u.code for u in made]
    _fill(db, ids, per_package, seed=2)
    db.close()
    return codes


# ---- phases ------------------------------------------------------------------------------------------------

def bench_export(work: Path, records: int) -> dict[str, float]:
    """Export the commune's year, then write the very same cells with openpyxl write-only alone."""
    from openpyxl import Workbook

    from danvan_desktop.domain.periods import Period
    from danvan_desktop.exchange.package import export_package
    from danvan_desktop.exchange.package_format import SECTION_COLUMNS, Col, _serial_date, _serial_datetime
    from danvan_desktop.exchange.xlsx_rows import XlsxBook
    from danvan_desktop.store.database import open_database

    src = work / "export.db"
    if not src.exists():
        t = time.perf_counter()
        build_export_db(src, records)
        print(f"  (tạo dữ liệu {records:,} bản ghi: {time.perf_counter() - t:.1f} s)")
    db = open_database(src)
    out = work / "export.xlsx"
    t = time.perf_counter()
    info = export_package(db, ADMIN, Period.year(YEAR), out)
    export_s = time.perf_counter() - t
    db.close()
    # The floor: the same cells, typed as the exporter typed them, written by openpyxl write-only alone.
    sheets: list[tuple[str, list[list[Any]]]] = []
    with XlsxBook(out) as book:
        sections = ["meta", "summary", "units", *KIND_BY_KEY]
        for title, section in zip(book.sheets, sections, strict=True):
            rows = [cells for _, cells in book.rows(title)]
            keys = rows[1] if len(rows) > 1 else []
            types = {c.key: c.type for c in SECTION_COLUMNS[section]}
            conv = [types.get(k) for k in keys]
            for r in rows[2:]:
                for i, v in enumerate(r):
                    if isinstance(v, int | float) and not isinstance(v, bool) and i < len(conv):
                        if conv[i] is Col.DATE:
                            r[i] = _serial_date(v)
                        elif conv[i] is Col.DATETIME:
                            r[i] = _serial_datetime(v)
            sheets.append((title, rows))
    t = time.perf_counter()
    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(work / "floor.xlsx")
    floor_s = time.perf_counter() - t
    return {"records": info.total, "export_s": export_s, "floor_s": floor_s}


def export_packages(work: Path, packages: int, per_package: int) -> Path:
    """The merge's input: one package per commune of the source district (made once)."""
    from danvan_desktop.domain.periods import Period
    from danvan_desktop.exchange.package import export_package
    from danvan_desktop.store.database import open_database

    folder = work / f"packages-{packages}x{per_package}"
    if folder.is_dir() and len(list(folder.glob("*.xlsx"))) == packages:
        return folder
    folder.mkdir(exist_ok=True)
    src = work / "merge-source.db"
    t = time.perf_counter()
    codes = build_merge_source(src, packages, per_package)
    print(f"  (tạo dữ liệu {packages * per_package:,} bản ghi: {time.perf_counter() - t:.1f} s)")
    db = open_database(src)
    t = time.perf_counter()
    for code in codes:
        export_package(db, ADMIN, Period.year(YEAR), folder / f"{code}.xlsx", code)
    print(f"  (xuất {packages} gói: {time.perf_counter() - t:.1f} s)")
    db.close()
    return folder


def _fresh_office(path: Path) -> None:
    from danvan_desktop.services.setup import init_office

    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    # The province merges what the district relays: the district signs its communes' packages, an ancestor
    # office relaying them (SPEC §6), so the province accepts them under the district's key.
    _district, province = _offices(path.parent)
    init_office(path, province, [], "admin", PASSWORD).close()


def phase_merge(db_path: Path, folder: Path) -> dict[str, Any]:
    """(In a fresh process) merge every package of the folder."""
    from danvan_desktop.services.merge import apply_packages
    from danvan_desktop.store.database import open_database

    db = open_database(db_path)
    base = peak_mb()
    t, cpu = time.perf_counter(), time.process_time()
    results = apply_packages(db, ADMIN, [folder])
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    db.close()
    refused = [r.message for r in results if not r.ok]
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_mb(), "base_mb": base, "packages": len(results),
            "added": sum(r.counts.added for r in results), "refused": refused[:3]}


def phase_floor(db_path: Path, source: Path) -> dict[str, Any]:
    """(In a fresh process) insert the same rows with sqlite3 executemany, one transaction per package."""
    from danvan_desktop.store.database import open_database
    from danvan_desktop.store.schema import RECORD_TABLES

    open_database(db_path).close()  # same schema, WAL
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(db_path), isolation_level=None)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=FULL")
    dst.execute("PRAGMA foreign_keys=ON")
    root_id = dst.execute("SELECT id, path FROM unit WHERE code='12'").fetchone()
    units = src.execute("SELECT id, code, name, level, scheme, name_folded, created_at, uid FROM unit "
                        "WHERE level='xa' ORDER BY code").fetchall()
    id_map = {}
    dst.execute("BEGIN")
    for uid, code, name, level, scheme, folded, created, identity in units:
        cur = dst.execute("INSERT INTO unit (code, name, level, parent_id, scheme, path, name_folded, created_at, uid) "
                          "VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)",
                          (code, name, level, root_id[0], scheme, folded, created, identity))
        new = cur.lastrowid
        dst.execute("UPDATE unit SET path=? WHERE id=?", (f"{root_id[1]}{new}/", new))
        id_map[uid] = new
    dst.execute("COMMIT")
    # Rows per package, read before timing: only the inserts are the floor.
    batches = []
    for uid in id_map:
        per_table = []
        for name, t in RECORD_TABLES.items():
            cols = [c.name for c in t.c]
            rows = src.execute(f"SELECT {', '.join(cols)} FROM {name} WHERE unit_id=?", (uid,)).fetchall()
            ui = cols.index("unit_id")
            rows = [r[:ui] + (id_map[uid],) + r[ui + 1:] for r in rows]
            per_table.append((f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows))
        batches.append(per_table)
    base = peak_mb()
    n = 0
    start, cpu = time.perf_counter(), time.process_time()
    for per_table in batches:
        dst.execute("BEGIN")
        for sql, rows in per_table:
            dst.executemany(sql, rows)
            n += len(rows)
        dst.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    dst.close()
    src.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_mb(), "base_mb": base, "rows": n}


def _in_process(phase: str, *args: str) -> dict[str, Any]:
    r = subprocess.run([sys.executable, __file__, "--phase", phase, *args], capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        raise SystemExit(f"Giai đoạn {phase} lỗi:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    """Run both benchmarks and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--packages", type=int, default=100)
    ap.add_argument("--per-package", type=int, default=2_000)
    ap.add_argument("--skip-export", action="store_true")
    ap.add_argument("--phase", choices=["merge", "floor", "merge-fresh"],
                    help="merge-fresh T FOLDER: a new province office T, then merge FOLDER's packages into it "
                         "(peak memory of one big package: its Argon2 set-up is in the base)")
    ap.add_argument("--json", action="store_true", help="end with one JSON line of the figures (for bench.py)")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.phase in ("merge", "merge-fresh"):
        if a.phase == "merge-fresh":
            _fresh_office(Path(a.args[0]))
        print(json.dumps(phase_merge(Path(a.args[0]), Path(a.args[1]))))
        return
    if a.phase == "floor":
        print(json.dumps(phase_floor(Path(a.args[0]), Path(a.args[1]))))
        return
    work = a.work or Path(tempfile.mkdtemp(prefix="danvan-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"Thư mục làm việc: {work}")
    e: dict[str, Any] = {}
    if not a.skip_export:
        e = bench_export(work, a.records)
        print(f"Xuất gói {e['records']:,} bản ghi: {e['export_s']:.2f} s; openpyxl write-only cùng các ô (sàn): "
              f"{e['floor_s']:.2f} s; tỉ lệ {e['export_s'] / e['floor_s']:.2f}×")
    folder = export_packages(work, a.packages, a.per_package)
    target, floor_db = work / "merge-target.db", work / "floor-target.db"
    _fresh_office(target)
    m = _in_process("merge", str(target), str(folder))
    _fresh_office(floor_db)
    f = _in_process("floor", str(floor_db), str(work / "merge-source.db"))
    if m["refused"]:
        print("Gói bị từ chối:", m["refused"])
    print(f"Tổng hợp {m['packages']} gói × {a.per_package:,} bản ghi ({m['added']:,} bản ghi thêm mới): "
          f"{m['seconds']:.2f} s, bộ nhớ đỉnh {m['peak_mb']:.0f} MB (sau khi nạp chương trình {m['base_mb']:.0f} MB)")
    print(f"Sàn: sqlite3 executemany {f['rows']:,} dòng, mỗi gói một giao dịch: {f['seconds']:.2f} s, "
          f"bộ nhớ đỉnh {f['peak_mb']:.0f} MB")
    print(f"Tỉ lệ thời gian tổng hợp / sàn: {m['seconds'] / f['seconds']:.2f}×")
    if a.json:
        out: dict[str, Any] = {"merge": {"seconds": m["seconds"], "floor_seconds": f["seconds"],
                                         "ratio": m["seconds"] / f["seconds"], "peak_mb": m["peak_mb"],
                                         "floor_peak_mb": f["peak_mb"], "cpu_seconds": m["cpu_seconds"],
                                         "floor_cpu_seconds": f["cpu_seconds"]}}
        if e:
            out["export"] = {"seconds": e["export_s"], "floor_seconds": e["floor_s"],
                             "ratio": e["export_s"] / e["floor_s"], "records": e["records"]}
        print(json.dumps(out))


if __name__ == "__main__":
    main()
