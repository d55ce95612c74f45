"""Data at province scale for benchmarks: 100 communes × 5 years ≈ 500,000 records of realistic Vietnamese text.

Rows go in with bulk Core inserts (the services' own helpers build the stored form and search text), since
half a million single-record transactions would take far longer than anything measured.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.kinds import KIND_BY_KEY
from danvan_desktop.services import demo
from danvan_desktop.services.records import stored_columns
from danvan_desktop.services.seals import with_seals
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.services.units import create_unit, home
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import RECORD_TABLES

PER_COMMUNE_YEAR = {"meeting": 300, "petition": 500, "monitoring": 100, "religious_check": 30, "model": 66}
SITES_PER_COMMUNE = 4


def _rows_for(kind: str, unit_id: int, unit_name: str, year: int, n: int, rng: random.Random,
              now: dt.datetime, links: dict[str, list[str]]) -> list[dict[str, Any]]:
    k = KIND_BY_KEY[kind]
    out = []
    for _ in range(n):
        d = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        if kind == "meeting":
            mk = rng.choice(V.MEETING_KIND.keys)
            part = rng.randrange(20, 300)
            v: dict[str, Any] = {"kind": mk, "title": rng.choice(demo.MEETING_TITLES[mk]), "date": d,
                                 "location": f"Nhà văn hóa bản {rng.choice(demo.VILLAGES)}",
                                 "organizer": rng.choice(V.BODY.keys), "chair": demo._person(rng),
                                 "participants": part, "women": rng.randrange(part // 2),
                                 "ethnic_minority": rng.randrange(part)}
        elif kind == "petition":
            f = rng.choice(V.PETITION_FIELD.keys)
            st = rng.choice(V.PETITION_STATUS.keys)
            v = {"meeting_id": rng.choice(links["meeting"]) if links["meeting"] and rng.random() < 0.5 else None,
                 "type": rng.choice(V.PETITION_TYPE.keys), "received_date": d,
                 "content": rng.choice(demo.PETITIONS[f]), "field": f, "forwarded_to": "UBND xã",
                 "deadline": d + dt.timedelta(days=60), "status": st,
                 "resolved_date": d + dt.timedelta(days=30) if st == "da_giai_quyet" else None}
        elif kind == "monitoring":
            v = {"kind": rng.choice(V.MONITORING_KIND.keys), "topic": rng.choice(demo.MONITORING_TOPICS),
                 "lead_body": rng.choice(V.BODY.keys), "start_date": d, "end_date": d + dt.timedelta(days=3),
                 "members": rng.randrange(3, 10), "recommendations": rng.randrange(5),
                 "follow_up": rng.choice(V.FOLLOW_UP.keys), "target_units": ()}
        elif kind == "religious_check":
            res = rng.choice(V.CHECK_RESULT.keys)
            v = {"date": d, "site_id": rng.choice(links["religious_site"]), "checking_body": "bcd_ton_giao",
                 "content": "Kiểm tra việc chấp hành pháp luật về tôn giáo", "result": res,
                 "violations": "Sinh hoạt chưa đăng ký" if res == "vi_pham" else None}
        else:
            f = rng.choice(V.MODEL_FIELD.keys)
            st = rng.choice(V.MODEL_STATUS.keys)
            v = {"registrant_kind": rng.choice(V.REGISTRANT_KIND.keys), "registrant": demo._person(rng),
                 "name": rng.choice(demo.MODELS[f]), "field": f, "registered_date": d, "status": st,
                 "award": "Giấy khen của UBND xã" if st == "cong_nhan" else None,
                 "award_date": d + dt.timedelta(days=90) if st == "cong_nhan" else None, "replicated": False}
        rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        row = {"id": rid, "unit_id": unit_id, "created_at": now, "updated_at": now, "created_by": "admin",
               "updated_by": "admin", "revision": 1, "deleted": False, "notes": "",
               **stored_columns(k, v, "", unit_name)}
        out.append(row)
        if kind == "meeting":
            links["meeting"].append(rid)
    return out


def build_province(path: Path, communes: int = 100, years: int = 5, first_year: int = 2022,
                   scale: float = 1.0, seed: int = 5) -> Database:
    """A province office with `communes` communes and `years` years of records; returns it open."""
    rng = random.Random(seed)
    db = init_office(path, UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025"), [], "admin", "matkhau123")
    now = dt.datetime(2026, 11, 1)
    with db.transaction() as s:
        root = home(s)
        units = []
        for i in range(communes):
            name = f"Xã {rng.choice(demo.VILLAGES)} {i + 1}"
            units.append((create_unit(s, f"X{i + 1:03d}", name, "xa", root, "local"), name))
        s.flush()
        unit_ids = [(u.id, name) for u, name in units]
    with db.engine.begin() as conn:
        for uid, uname in unit_ids:
            links: dict[str, list[str]] = {"meeting": [], "religious_site": []}
            sites = []
            for _ in range(SITES_PER_COMMUNE):
                rel = rng.choice(V.RELIGION.keys)
                v = {"name": rng.choice(demo.SITES[rel]), "religion": rel, "registration": "da_dang_ky",
                     "followers": rng.randrange(50, 500), "households": 10, "leader": demo._person(rng)}
                rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                links["religious_site"].append(rid)
                sites.append({"id": rid, "unit_id": uid, "created_at": now, "updated_at": now, "created_by": "admin",
                              "updated_by": "admin", "revision": 1, "deleted": False, "notes": "",
                              **stored_columns(KIND_BY_KEY["religious_site"], v, "", uname)})
            conn.execute(RECORD_TABLES["religious_site"].insert(), with_seals(sites))
            for year in range(first_year, first_year + years):
                for kind, n in PER_COMMUNE_YEAR.items():
                    rows = _rows_for(kind, uid, uname, year, max(1, int(n * scale)), rng, now, links)
                    conn.execute(RECORD_TABLES[kind].insert(), with_seals(rows))
    return db


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "province.db")
    t = time.perf_counter()
    build_province(out).close()
    print(f"Đã tạo {out} trong {time.perf_counter() - t:.1f} s")
