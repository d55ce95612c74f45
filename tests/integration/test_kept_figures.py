"""Kept figures (issue 14): the count tables follow every write, merge, undo and migration; the check finds drift.

The reference is the scan of the records (services/summary.py `scan_compute`), which the summary used before
the count tables: every figure read from the tables must equal it, for any unit, period and as-of day.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

from alembic import command
from alembic.config import Config

from danvan_desktop.cli import run
from danvan_desktop.domain.indicators import INDICATOR_KEYS
from danvan_desktop.domain.periods import Period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.paths import migrations_path
from danvan_desktop.services.figures_check import check_figures
from danvan_desktop.services.figures_kept import plan
from danvan_desktop.services.merge import apply_package, list_imports, undo_import
from danvan_desktop.services.records import add_record, delete_record, update_record
from danvan_desktop.services.summary import children_figures, figures, month_activity, scan_compute
from danvan_desktop.services.units import resolve_unit
from danvan_desktop.store.database import open_database
from danvan_desktop.store.schema import TALLIES
from tests.integration.test_package_support import ADMIN, DISTRICT, PASSWORD, PROVINCE, Q1, commune, office, seed
from tests.stores import place

TODAY = dt.date(2026, 11, 24)
UNITS = [None, "X1", "X1-01", "X2"]


def _random_values(kind: str, rng: random.Random) -> dict[str, object]:
    d = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(800))
    if kind == "meeting":
        p = rng.randrange(0, 200)
        return {"kind": rng.choice(["tiep_xuc_cu_tri", "doi_thoai", "tap_huan"]), "title": "Hội nghị thử",
                "date": d, "organizer": rng.choice([None, "mttq", "ubnd"]), "participants": p,
                "women": rng.randrange(p + 1), "ethnic_minority": rng.randrange(p + 1)}
    if kind == "petition":
        status = rng.choice(["moi", "giai_trinh", "tiep_thu", "da_giai_quyet"])
        resolved = d + dt.timedelta(days=rng.randrange(1, 120)) if status == "da_giai_quyet" or rng.random() < .3 \
            else None
        return {"type": rng.choice(["y_kien", "kien_nghi"]), "received_date": d, "content": "Kiến nghị thử",
                "field": rng.choice(["dat_dai", "ha_tang"]), "status": status, "resolved_date": resolved,
                "deadline": d + dt.timedelta(days=rng.randrange(0, 90)) if rng.random() < .8 else None}
    if kind == "monitoring":
        return {"kind": rng.choice(["giam_sat", "kiem_tra"]), "topic": "Giám sát thử", "start_date": d,
                "lead_body": rng.choice(["mttq", None]), "follow_up": rng.choice(["chua", "da"])}
    if kind == "religious_check":
        return {"date": d, "content": "Kiểm tra thử", "result": "chap_hanh_tot",
                "checking_body": rng.choice(["bcd_ton_giao", "cong_an"])}
    if kind == "religious_site":
        return {"name": "Điểm nhóm thử", "religion": "tin_lanh", "registration": rng.choice(["da_dang_ky",
                                                                                             "chua_dang_ky"]),
                "followers": rng.randrange(10, 90), "households": 5}
    awarded = rng.random() < .5
    return {"registrant_kind": rng.choice(["tap_the", "ca_nhan"]), "registrant": "Hội Nông dân",
            "name": "Mô hình thử", "field": rng.choice(["kinh_te", "van_hoa_xa_hoi"]), "registered_date": d,
            "status": rng.choice(["dang_ky", "cong_nhan"]), "award": "Giấy khen" if awarded else None,
            "award_date": d + dt.timedelta(days=rng.randrange(0, 200)) if awarded else None}


def _random_writes(db, rng: random.Random, n: int, units: tuple[str, ...] = ("X1", "X1-01", "X2")) -> None:
    live: list[tuple[str, str]] = []
    kinds = ["meeting", "petition", "monitoring", "religious_check", "religious_site", "model"]
    for _ in range(n):
        action = rng.random()
        if action < .55 or not live:
            kind = rng.choice(kinds)
            rec = add_record(db, ADMIN, kind, _random_values(kind, rng), unit=rng.choice(units))
            live.append((kind, rec.id))
        elif action < .85:
            kind, rid = rng.choice(live)
            update_record(db, ADMIN, kind, rid, _random_values(kind, rng), unit=rng.choice([None, *units]))
        else:
            kind, rid = live.pop(rng.randrange(len(live)))
            delete_record(db, ADMIN, kind, rid)


def _assert_kept_equals_scan(db, rng: random.Random, spans: int = 12) -> None:
    """Figures from the count tables equal the scan of the records, for random units, spans and as-of days."""
    with db.reader() as s:
        for _ in range(spans):
            start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(700))
            period = Period.range(start, start + dt.timedelta(days=rng.randrange(1, 400)))
            as_of = period.end if rng.random() < .5 else period.start + dt.timedelta(days=rng.randrange(
                (period.end - period.start).days + 1))
            code = rng.choice(UNITS)
            root = resolve_unit(s, _home(s), code) if code else _home(s)
            kept = figures(s, root, period, as_of).indicators
            scanned = figures(s, root, period, as_of, scan=True).indicators
            assert kept == scanned, (code, period, as_of, {k: (kept[k], scanned[k]) for k in INDICATOR_KEYS
                                                            if kept[k] != scanned[k]})


def _home(s):
    from danvan_desktop.services.units import home

    return home(s)


def test_a_span_is_read_as_whole_months_and_the_fewest_days():
    # The year as of 24/11: ten whole months and November, read as November minus its last six days.
    p = plan((dt.date(2026, 1, 1), dt.date(2026, 11, 24)))
    assert set(p.months) == {("2026-01", "2026-10"), ("2026-11", "2026-11")}
    assert p.days == ((-1, dt.date(2026, 11, 25), dt.date(2026, 11, 30)),)
    # Five days at the start of a month are read from the records; a whole year needs no record at all.
    assert plan((dt.date(2026, 3, 1), dt.date(2026, 3, 5))) == type(p)((), ((1, dt.date(2026, 3, 1),
                                                                                dt.date(2026, 3, 5)),))
    assert plan((dt.date(2025, 1, 1), dt.date(2025, 12, 31))) == type(p)((("2025-01", "2025-12"),), ())
    # A range cut at both ends inside one month, and one crossing a year.
    assert plan((dt.date(2026, 2, 10), dt.date(2026, 2, 12))).days == ((1, dt.date(2026, 2, 10),
                                                                       dt.date(2026, 2, 12)),)
    p = plan((dt.date(2025, 12, 20), dt.date(2026, 2, 3)))
    assert set(p.months) == {("2026-01", "2026-01")}
    assert set(p.days) == {(1, dt.date(2025, 12, 20), dt.date(2025, 12, 31)), (1, dt.date(2026, 2, 1),
                                                                               dt.date(2026, 2, 3))}


def test_check_finds_a_count_changed_by_hand_and_the_cli_says_where(tmp_path, capsys, monkeypatch):
    db = commune(tmp_path, "X1")
    seed(db, "X1")
    assert check_figures(db, ADMIN, today=TODAY).ok
    with sqlite3.connect(db.path) as c:
        # One more "tiếp xúc cử tri" of MTTQ in the village's January 2025 than the records hold.
        village = c.execute("SELECT id FROM unit WHERE code = 'X1-01'").fetchone()[0]
        changed = c.execute("UPDATE fig_meeting SET n = n + 1 WHERE unit_id = ? AND month = '2025-01' "
                            "AND kind = 'tiep_xuc_cu_tri' AND organizer = 'mttq'", (village,)).rowcount
        c.execute("DELETE FROM fig_petition_open")  # and the open kiến nghị forgotten
    c.close()
    assert changed == 1
    result = check_figures(db, ADMIN, today=TODAY)
    assert not result.ok
    text = "\n".join(result.differences)
    assert ("Hội nghị (theo tháng diễn ra) — Bản Nà Khum X1, tháng 01/2025, loại hội nghị “Tiếp xúc cử tri”, "
            "cơ quan tổ chức “Ủy ban MTTQ”: số bản ghi: bảng ghi 2, tính lại từ hồ sơ được 1.") in text
    assert "Kiến nghị chưa trả lời (theo tháng đến hạn)" in text
    # The summary read from the tables now differs from the scan, and the check says which figure.
    assert "Số liệu năm 2025 của Xã Bình Lư — Kiến nghị quá hạn chưa giải quyết: đọc từ bảng tổng hợp được 0, " \
           "tính lại từ hồ sơ được 1." in text
    db.close()
    monkeypatch.setenv("DANVAN_PASSWORD", PASSWORD)
    capsys.readouterr()
    assert run(["--db", str(place(tmp_path, "x1.db")), "--user", "admin", "check-figures"]) == 1
    out = capsys.readouterr().out
    assert "Số liệu tổng hợp KHÁC với hồ sơ" in out and "Bản Nà Khum X1, tháng 01/2025" in out


def test_check_is_clean_after_random_writes_a_merge_and_an_undo(tmp_path, monkeypatch, capsys):
    rng = random.Random(14)
    x1 = commune(tmp_path, "X1")
    seed(x1, "X1", scale=3)
    package = tmp_path / "X1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    x1.close()
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    from danvan_desktop.services.units import add_unit

    add_unit(district, ADMIN, code="X2", name="Xã Bản Giang", level="xa", parent_code="105")
    applied = apply_package(district, ADMIN, package)
    assert applied.counts.added > 0
    assert check_figures(district, ADMIN, today=TODAY).ok
    _random_writes(district, rng, 120)
    assert check_figures(district, ADMIN, today=TODAY).ok
    _assert_kept_equals_scan(district, rng)
    # Undo the merge: its records go out again (deleted rows, not tombstones).
    undo_import(district, ADMIN, list_imports(district, ADMIN)[0].id)
    _random_writes(district, rng, 40)
    result = check_figures(district, ADMIN, today=TODAY)
    assert result.ok, result.differences
    assert result.rows_checked > 0 and 2024 in result.years_checked
    _assert_kept_equals_scan(district, rng)
    # Per-unit figures and the month chart agree with the scan too.
    period, as_of = Period.year(2025), dt.date(2025, 8, 17)
    per_child = children_figures(district, ADMIN, period, as_of=as_of, today=TODAY)
    with district.reader() as s:
        scanned = scan_compute(s, _home(s), period, as_of, by_unit=True)
        paths = {u.id: u.path for u in _units(s)}
    for info, fig in per_child:
        with district.reader() as s:
            child = resolve_unit(s, _home(s), info.code)
        expect = {k: sum(v.get(k, 0) for uid, v in scanned.items() if uid is not None
                         and paths[uid].startswith(child.path)) for k in INDICATOR_KEYS}
        assert fig.indicators == expect, info.code
    chart = month_activity(district, ADMIN, period, as_of=as_of, today=TODAY)
    with district.reader() as s:
        for i, (y, m) in enumerate(period.months()):
            cut = min(Period.month(y, m).end, as_of)
            if Period.month(y, m).start > as_of:
                assert chart["meeting"][i] == 0
                continue
            month = scan_compute(s, _home(s), Period.range(Period.month(y, m).start, cut), cut, by_unit=False)[None]
            assert chart["meeting"][i] == month["meetings.total"]
            assert chart["petition"][i] == month["petitions.total"]
    district.close()
    monkeypatch.setenv("DANVAN_PASSWORD", PASSWORD)
    capsys.readouterr()
    assert run(["--db", str(place(tmp_path, "huyen.db")), "--user", "admin", "check-figures"]) == 0
    assert "Số liệu tổng hợp khớp với hồ sơ" in capsys.readouterr().out


def _units(s):
    from sqlalchemy import select

    from danvan_desktop.store.schema import Unit

    return s.scalars(select(Unit)).all()


def test_migration_fills_the_tables_from_the_records_an_older_file_holds(tmp_path):
    db = commune(tmp_path, "X1")
    seed(db, "X1", scale=2)
    rng = random.Random(3)
    _random_writes(db, rng, 30, ("X1", "X1-01"))
    path = db.path
    kept_by_triggers = _tally_rows(path)
    assert any(kept_by_triggers.values())
    db.close()
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    db = open_database(path)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")  # the schema just before the kept figures
    db.close()
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'fig_%'").fetchone()[0] == 0
    c.close()
    db = open_database(path)  # migrates to the head: the tables come back filled from the records
    assert _tally_rows(path) == {t: [r for r in rows if any(r[-1 - len(TALLIES_SUMS[t]):])]
                                 for t, rows in kept_by_triggers.items()}
    assert check_figures(db, ADMIN, today=TODAY).ok
    db.close()


TALLIES_SUMS = {t.table: t.sums for t in TALLIES}


def _tally_rows(path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as c:
        out = {t.table: sorted(c.execute(f"SELECT * FROM {t.table}").fetchall()) for t in TALLIES}
    c.close()
    return out


def test_a_record_of_a_village_counts_for_every_unit_above_it(tmp_path):
    db = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    from danvan_desktop.services.units import add_unit

    add_unit(db, ADMIN, code="X1", name="Xã Bình Lư", level="xa", parent_code="105")
    add_unit(db, ADMIN, code="X1-01", name="Bản Lao Chải", level="thon", parent_code="X1")
    add_record(db, ADMIN, "meeting", {"kind": "doi_thoai", "title": "Đối thoại", "date": dt.date(2025, 5, 6),
                                      "participants": 40, "women": 10}, unit="X1-01")
    with sqlite3.connect(db.path) as c:
        rows = c.execute("SELECT u.code, f.month, f.kind, f.organizer, f.n, f.participants, f.women "
                         "FROM fig_meeting f JOIN unit u ON u.id = f.unit_id ORDER BY u.path").fetchall()
    c.close()
    # The province above the office too: its path holds it, and a row there costs nothing.
    assert rows == [(code, "2025-05", "doi_thoai", "", 1, 40, 10) for code in ("12", "105", "X1", "X1-01")]
    db.close()
