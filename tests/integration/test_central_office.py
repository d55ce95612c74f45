"""The central office above the provinces (level tw): set up at the command line, it merges the
provinces' packages and sums the whole country; the national simulation of scripts/scale_data.py builds
provinces of the catalogue that it accepts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.report import report_settings
from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.merge import apply_packages
from danvan_desktop.services.summary import summarize
from danvan_desktop.services.units import add_unit
from danvan_desktop.store.database import open_database
from tests.integration.test_package_support import ADMIN, PASSWORD, seed
from tests.stores import place

ROOT = Path(__file__).resolve().parents[2]
CENTRE = ("--unit-code", "TW", "--unit-name", "Ban Tuyên giáo và Dân vận Trung ương", "--level", "tw")
UNDER_CENTRE = ("--parent-code", "TW", "--parent-name", "Ban Tuyên giáo và Dân vận Trung ương", "--parent-level", "tw")


def danvan(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DANVAN_PASSWORD=PASSWORD, DANVAN_NEW_PASSWORD=PASSWORD, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "danvan_desktop", *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=300)


def province(tmp_path: Path, code: str, name: str, commune: str, *, under_centre: bool = True) -> Path:
    """A province office made at the command line, a commune and its village with records of 2025-Q1; returns
    its package."""
    path = place(tmp_path, f"tinh-{code}.db")
    parents = UNDER_CENTRE if under_centre else ()
    r = danvan("--db", str(path), "init", "--unit-code", code, "--unit-name", name, "--level", "tinh", *parents,
               "--admin", "admin")
    assert r.returncode == 0, r.stderr
    db = open_database(path)
    add_unit(db, ADMIN, code=commune, name=f"Xã {commune}", level="xa", parent_code=code)
    add_unit(db, ADMIN, code=f"{commune}-01", name="Bản Nà Khum", level="thon", parent_code=commune)
    seed(db, commune)
    db.close()
    out = tmp_path / "goi" / f"{code}.xlsx"
    r = danvan("--db", str(path), "--user", "admin", "export", "--period", "2025-Q1", "--format", "xlsx",
               "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def summary(db: Path | str, *unit: str) -> dict[str, int]:
    r = danvan("--db", str(db), "--user", "admin", "summary", "--period", "2025-Q1", "--json", *unit)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["indicators"]  # type: ignore[no-any-return]


def test_the_centre_merges_two_provinces_and_sums_the_country(tmp_path):
    centre = place(tmp_path, "trung-uong.db")
    r = danvan("--db", str(centre), "init", *CENTRE, "--admin", "admin")
    assert r.returncode == 0, r.stderr
    lai_chau = province(tmp_path, "12", "Tỉnh Lai Châu", "03424")
    dien_bien = province(tmp_path, "11", "Tỉnh Điện Biên", "03100")

    r = danvan("--db", str(centre), "--user", "admin", "merge", str(lai_chau), str(dien_bien))
    assert r.returncode == 0, r.stderr + r.stdout
    assert "Đã tổng hợp 2/2 gói." in r.stdout

    own = summary(place(tmp_path, "tinh-12.db"))
    assert own["meetings.total"] == 2  # seed(): two meetings of 2025-Q1 per commune
    assert summary(centre, "--unit", "12") == own
    country = summary(centre)
    assert country["meetings.total"] == 4
    assert country == {k: own[k] + summary(place(tmp_path, "tinh-11.db"))[k] for k in own}


def test_the_centres_reports_are_headed_as_the_central_committees_office(tmp_path):
    centre = place(tmp_path, "trung-uong.db")
    assert danvan("--db", str(centre), "init", *CENTRE, "--admin", "admin").returncode == 0
    db = open_database(centre)
    s = report_settings(db)
    db.close()
    assert (s.superior_name, s.organ_name, s.number) == ("Ban Chấp hành Trung ương", "Ban Tuyên giáo và Dân vận",
                                                         "-BC/BTGDVTW")
    assert (s.place, s.signer_title, s.recipients) == ("Hà Nội", "TRƯỞNG BAN", ("Bộ Chính trị, Ban Bí thư",
                                                                              "Lưu Văn phòng"))


def test_the_centre_refuses_a_province_set_up_without_it(tmp_path):
    centre = place(tmp_path, "trung-uong.db")
    assert danvan("--db", str(centre), "init", *CENTRE, "--admin", "admin").returncode == 0
    alone = province(tmp_path, "12", "Tỉnh Lai Châu", "03424", under_centre=False)
    r = danvan("--db", str(centre), "--user", "admin", "merge", str(alone))
    assert r.returncode == 1
    assert "không thuộc phạm vi của Ban Tuyên giáo và Dân vận Trung ương" in r.stdout + r.stderr
    assert summary(centre)["meetings.total"] == 0


def test_the_central_level_sits_only_above_the_provinces(tmp_path):
    r = danvan("--db", str(place(tmp_path, "sai.db")), "init", *CENTRE, "--parent-code", "12", "--parent-name",
               "Tỉnh Lai Châu", "--parent-level", "tinh", "--admin", "admin")
    assert r.returncode == 1
    assert "Đơn vị “Ban Tuyên giáo và Dân vận Trung ương” (Trung ương) không thể trực thuộc “Tỉnh Lai Châu”" in r.stderr
    assert danvan("--db", str(place(tmp_path, "tw.db")), "init", *CENTRE, "--admin", "admin").returncode == 0
    db = open_database(place(tmp_path, "tw.db"))
    try:
        add_unit(db, ADMIN, code="TW2", name="Trung ương khác", level="tw", parent_code="TW")
    except Refused as e:
        assert "không thể trực thuộc" in str(e)
    else:
        raise AssertionError("a second central level was accepted under the centre")
    finally:
        db.close()


def _scale_data():
    spec = importlib.util.spec_from_file_location("scale_data", ROOT / "scripts" / "scale_data.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["scale_data"] = mod  # its dataclasses look their module up while being defined
    spec.loader.exec_module(mod)
    return mod


def test_the_national_simulation_builds_catalogue_provinces_the_centre_accepts(tmp_path):
    sd = _scale_data()
    plan = sd.national_plan()
    assert len(plan) == 34 and sum(len(p.communes) for p in plan) == 3321
    smallest = min(plan, key=lambda p: len(p.communes))
    db, records = sd.build_national_province(place(tmp_path, "tinh.db"), smallest, scale=0.01)
    per_commune = {k: max(1, int(n * 0.01)) for k, n in sd.PER_COMMUNE_YEAR.items()}  # 3 meetings, 5 petitions…
    assert records == len(smallest.communes) * (sum(per_commune.values()) + sd.SITES_PER_COMMUNE)
    export_package(db, ADMIN, parse_period(str(sd.NATIONAL_YEAR)), tmp_path / "goi.xlsx")
    own = summarize(db, SYSTEM, parse_period(str(sd.NATIONAL_YEAR)))
    db.close()

    centre = sd.init_centre(place(tmp_path, "tw.db"))
    [result] = apply_packages(centre, ADMIN, [tmp_path / "goi.xlsx"])
    assert result.ok, result.message
    assert result.counts.added == records
    there = summarize(centre, SYSTEM, parse_period(str(sd.NATIONAL_YEAR)), smallest.code)
    centre.close()
    assert there.current.indicators == own.current.indicators
    assert there.current.indicators["meetings.total"] == len(smallest.communes) * per_commune["meeting"]
