"""Data for benchmarks, built with bulk Core inserts (the services' own helpers build the stored form, search
text and seals; the database's triggers keep the figures and search indexes as on any write).

Two shapes:
  province   (default) one province office, 100 communes × 5 years ≈ 500,000 records of realistic Vietnamese
             text:  python scripts/scale_data.py [FILE]
  national   one office per province of the built-in catalogue (34 provinces, 3,321 communes since 1/7/2025),
             each initialised under the central office (Ban Tuyên giáo và Dân vận Trung ương, level "tw") so its
             packages carry the centre in their ancestry; ≈ 611 records per commune of one year ≈ 2,03 million
             records in all: build_national_province() for one province (scripts/bench_national.py runs them).

Half a million single-record transactions would take far longer than anything measured, hence the bulk path.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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
# The national simulation: one year per commune at this share of PER_COMMUNE_YEAR, plus its religious sites:
# 607 + 4 = 611 records per commune, 3,321 communes ≈ 2,029,000 records.
NATIONAL_SCALE = 0.61
NATIONAL_YEAR = 2025
NATIONAL_NOW = dt.datetime(2026, 1, 15, 8, 0)
# The office above the provinces. No official statistics code exists for it, so its code is local; a local
# unit's identity is derived from its code and parent (domain/unit_identity.py), hence the same in every
# province's database and in the centre's own: the provinces' packages name it in their ancestry.
CENTRE = UnitSpec("TW", "Ban Tuyên giáo và Dân vận Trung ương", "tw", "local")


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


def _sites(uid: int, uname: str, rng: random.Random, now: dt.datetime,
           links: dict[str, list[str]]) -> list[dict[str, Any]]:
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
    return sites


def fill_units(db: Database, unit_ids: Sequence[tuple[int, str]], years: Sequence[int], scale: float,
               rng: random.Random, now: dt.datetime) -> int:
    """Insert each unit's religious sites and its records of each year (bulk, one transaction); returns the
    number of records inserted."""
    n_rows = 0
    with db.engine.begin() as conn:
        for uid, uname in unit_ids:
            links: dict[str, list[str]] = {"meeting": [], "religious_site": []}
            sites = _sites(uid, uname, rng, now, links)
            conn.execute(RECORD_TABLES["religious_site"].insert(), with_seals(sites))
            n_rows += len(sites)
            for year in years:
                for kind, n in PER_COMMUNE_YEAR.items():
                    rows = _rows_for(kind, uid, uname, year, max(1, int(n * scale)), rng, now, links)
                    conn.execute(RECORD_TABLES[kind].insert(), with_seals(rows))
                    n_rows += len(rows)
    return n_rows


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
    fill_units(db, unit_ids, range(first_year, first_year + years), scale, rng, now)
    return db


# ---- the national simulation --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProvincePlan:
    """A province of the catalogue and its communes (official 2025 codes and names)."""

    code: str
    name: str
    communes: tuple[tuple[str, str], ...]


def national_plan() -> list[ProvincePlan]:
    """The 34 provinces of the built-in catalogue (services/catalogue.py), each with its communes."""
    from danvan_desktop.services.catalogue import all_units

    units = all_units()
    below: dict[str, list[tuple[str, str]]] = {}
    for u in units:
        if u.level == "xa" and u.parent_code:
            below.setdefault(u.parent_code, []).append((u.code, u.name))
    return [ProvincePlan(u.code, u.name, tuple(below.get(u.code, ()))) for u in units if u.level == "tinh"]


def build_national_province(path: Path | str, plan: ProvincePlan, scale: float = NATIONAL_SCALE,
                            year: int = NATIONAL_YEAR, seed: int = 0) -> tuple[Database, int]:
    """A province office of the national simulation (under the central office), its communes from the
    catalogue, one year of records each; returns it open and the number of records."""
    rng = random.Random(f"{seed}/{plan.code}")  # each province its own data, the same on every run
    db = init_office(path, UnitSpec(plan.code, plan.name, "tinh", "2025"), [CENTRE], "admin", "matkhau123")
    with db.transaction() as s:
        root = home(s)
        made = [create_unit(s, code, name, "xa", root, "2025") for code, name in plan.communes]
        s.flush()
        unit_ids = [(u.id, u.name) for u in made]
    return db, fill_units(db, unit_ids, [year], scale, rng, NATIONAL_NOW)


def init_centre(target: Path | str) -> Database:
    """The central office's database (a file or a postgresql:// URL): home unit CENTRE, no ancestors."""
    return init_office(target, CENTRE, [], "admin", "matkhau123")


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "province.db")
    t = time.perf_counter()
    build_province(out).close()
    print(f"Đã tạo {out} trong {time.perf_counter() - t:.1f} s")
