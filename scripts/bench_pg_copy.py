"""Benchmark: bulk inserts of a merge on a PostgreSQL server, executemany (SQLAlchemy's insertmanyvalues) vs COPY.

20,000 records (meetings and petitions, as a package merge stores them: envelope, values, search text, sort
key) are inserted into a migrated office database with its triggers (kept figures) and search indexes (pg_trgm,
short pieces), in one transaction that is rolled back; each way is run several times, the best time kept.

Run:  python scripts/bench_pg_copy.py [--server postgresql://postgres@127.0.0.1:55432/postgres] [--records 20000]
It creates (and drops) the database bench_pgcore on that server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402

from danvan_desktop.domain import vocab as V  # noqa: E402
from danvan_desktop.domain.kinds import KIND_BY_KEY  # noqa: E402
from danvan_desktop.services.records import stored_columns  # noqa: E402
from danvan_desktop.services.setup import UnitSpec, init_office  # noqa: E402
from danvan_desktop.store.dialects import bulk_insert  # noqa: E402
from danvan_desktop.store.schema import RECORD_TABLES, utcnow  # noqa: E402

PLACES = ["Nà Khum", "Lao Chải", "Sin Chải", "Hồ Pạ", "Nà Đình", "Phiêng Ẳng", "Cốc Phát", "Tả Chải"]
TOPICS = ["Tiếp xúc cử tri trước kỳ họp HĐND", "Đối thoại về bồi thường, giải phóng mặt bằng",
          "Tuyên truyền Nghị quyết của Đảng", "Tập huấn công tác dân vận khéo"]
CONTENTS = ["Đề nghị sửa đường liên bản bị sạt lở sau mưa lũ", "Kiến nghị hỗ trợ giống cây trồng cho hộ nghèo",
            "Phản ánh chậm chi trả tiền bồi thường đất rừng", "Đề nghị kéo điện lưới về bản vùng cao"]


def _rows(kind: str, n: int, unit_id: int, rng: random.Random) -> list[dict[str, Any]]:
    k = KIND_BY_KEY[kind]
    now = utcnow()
    out = []
    for i in range(n):
        d = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365))
        place = rng.choice(PLACES)
        if kind == "meeting":
            part = rng.randrange(20, 300)
            values: dict[str, Any] = {
                "kind": rng.choice(V.MEETING_KIND.keys), "title": f"{rng.choice(TOPICS)} tại bản {place} ({i})",
                "date": d, "location": f"Nhà văn hóa bản {place}", "organizer": rng.choice(V.BODY.keys),
                "chair": "Lò Văn Minh", "participants": part, "women": part // 3, "ethnic_minority": part // 2}
        else:
            values = {"type": "kien_nghi", "received_date": d, "content": f"{rng.choice(CONTENTS)} ({place}, {i})",
                      "field": "ha_tang", "status": "moi", "deadline": d + dt.timedelta(days=30)}
        values = {f.key: values.get(f.key) for f in k.fields}
        out.append({"id": str(uuid.uuid4()), "unit_id": unit_id, "created_at": now, "updated_at": now,
                    "created_by": "xa", "updated_by": "xa", "revision": 1, "deleted": False, "notes": "",
                    **stored_columns(k, values, "", "Xã Bản Bo"), "stored_at": now})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:55432/postgres")
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    base = args.server.rsplit("/", 1)[0]
    admin = create_engine(args.server.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql("DROP DATABASE IF EXISTS bench_pgcore WITH (FORCE)")
        c.exec_driver_sql("CREATE DATABASE bench_pgcore")
    db = init_office(f"{base}/bench_pgcore", UnitSpec("03424", "Xã Bản Bo", "xa", "2025"),
                     [UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")], "admin", "matkhau123")
    rng = random.Random(7)
    half = args.records // 2
    batches = {"meeting": _rows("meeting", half, 2, rng), "petition": _rows("petition", args.records - half, 2, rng)}
    ways = {"executemany": False, "COPY": True}
    best: dict[str, float] = {}
    try:
        for _ in range(args.runs):
            for name, copy in ways.items():
                with db.write_engine.connect() as conn:
                    tx = conn.begin()
                    t0 = time.perf_counter()
                    for kind, rows in batches.items():
                        if copy:
                            bulk_insert(conn, RECORD_TABLES[kind], rows, copy_from=1)
                        else:
                            conn.execute(RECORD_TABLES[kind].insert(), rows)
                    took = time.perf_counter() - t0
                    tx.rollback()
                best[name] = min(best.get(name, took), took)
    finally:
        db.close()
        with admin.connect() as c:
            c.exec_driver_sql("DROP DATABASE IF EXISTS bench_pgcore WITH (FORCE)")
        admin.dispose()
    for name, took in best.items():
        print(f"{name:12s} {args.records} records: {took:.2f} s ({took / args.records * 1e6:.0f} µs a record)")
    print(f"COPY / executemany: {best['COPY'] / best['executemany']:.2f}")


if __name__ == "__main__":
    main()
