"""Completeness: which units directly below the office have delivered packages covering a period, and when."""

from __future__ import annotations

import datetime as dt

import pytest

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.completeness import completeness, completeness_json
from danvan_desktop.services.merge import apply_package, undo_import
from danvan_desktop.services.units import add_unit
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, Q1, commune, office, seed
from tests.stores import place


@pytest.fixture
def district(tmp_path):
    db = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    for code, name in (("X1", "Xã Bình Lư"), ("X2", "Xã Bản Giang"), ("X3", "Xã Bản Bo")):
        add_unit(db, ADMIN, code=code, name=name, level="xa", parent_code="105")
    add_unit(db, ADMIN, code="105-TDP1", name="Tổ dân phố 1", level="thon", parent_code="105")
    yield db
    db.close()


@pytest.fixture
def packages(tmp_path):
    """Packages of X1 (Q1), X2 (each month of Q1) and X3 (the year 2025)."""
    out = {}
    for code, periods in (("X1", ["2025-Q1"]), ("X2", ["2025-01", "2025-02", "2025-03"]), ("X3", ["2025"])):
        folder = tmp_path / code
        folder.mkdir()
        db = commune(folder, code)
        seed(db, code)
        for p in periods:
            out[(code, p)] = folder / f"{code}-{p}.xlsx"
            export_package(db, ADMIN, parse_period(p), out[(code, p)])
        db.close()
    return out


def by_code(rows):
    return {r.code: r for r in rows}


def test_units_below_against_the_months_of_a_period(district, packages):
    today = dt.date(2025, 4, 15)
    rows = completeness(district, ADMIN, Q1, today)
    assert [r.code for r in rows] == ["X3", "X2", "X1"]  # Vietnamese order of names; the village is not listed
    assert not any(r.delivered or r.last_import for r in rows) and all(r.late for r in rows)
    x1 = apply_package(district, ADMIN, packages[("X1", "2025-Q1")])
    apply_package(district, ADMIN, packages[("X2", "2025-01")])
    rows = by_code(completeness(district, ADMIN, Q1, today))
    assert rows["X1"].delivered and not rows["X1"].late and rows["X1"].last_import is not None
    assert not rows["X2"].delivered and rows["X2"].late
    assert [(m.label, m.delivered, m.late) for m in rows["X2"].months] == [
        ("01/2025", True, False), ("02/2025", False, True), ("03/2025", False, True)]
    # The months together cover the quarter.
    apply_package(district, ADMIN, packages[("X2", "2025-03")])
    apply_package(district, ADMIN, packages[("X2", "2025-02")])
    assert by_code(completeness(district, ADMIN, Q1, today))["X2"].delivered
    # A year package covers each quarter of it; a month of it is covered too.
    apply_package(district, ADMIN, packages[("X3", "2025")])
    assert by_code(completeness(district, ADMIN, parse_period("2025-05"), today))["X3"].delivered
    assert all(r.delivered for r in completeness(district, ADMIN, Q1, today))
    # An undone import no longer counts.
    undo_import(district, ADMIN, x1.import_id)
    assert not by_code(completeness(district, ADMIN, Q1, today))["X1"].delivered


def test_json_is_exactly_what_spec_section_8_says(district, packages):
    r = apply_package(district, ADMIN, packages[("X1", "2025-Q1")])
    out = completeness_json(Q1, completeness(district, ADMIN, Q1))
    assert list(out) == ["period", "units"] and out["period"] == "2025-Q1"
    assert [list(u) for u in out["units"]] == [["code", "name", "delivered", "last_import"]] * 3
    assert out["units"][0] == {"code": "X3", "name": "Xã Bản Bo", "delivered": False, "last_import": None}
    x1 = out["units"][2]
    assert x1["delivered"] is True and x1["last_import"].endswith("Z")
    from danvan_desktop.services.merge import list_imports

    at = list_imports(district, ADMIN)[0].at
    assert x1["last_import"] == at.isoformat(timespec="seconds") + "Z" and r.import_id == 1


def test_a_period_not_yet_over_is_not_late(district):
    rows = completeness(district, ADMIN, parse_period("2025-06"), dt.date(2025, 6, 20))
    assert not any(r.late for r in rows) and not any(r.delivered for r in rows)



def export_at(db, period, out, exported_at, monkeypatch):
    """Export a package as the sending office's clock reads exported_at (UTC)."""
    import danvan_desktop.exchange.package as package_module

    monkeypatch.setattr(package_module, "utcnow", lambda: exported_at)
    export_package(db, ADMIN, period, out)
    monkeypatch.undo()
    return out


def test_a_year_package_exported_on_24_november_delivers_january_to_november(district, tmp_path, monkeypatch):
    year = parse_period("2025")
    x3db = commune(tmp_path, "X3")
    seed(x3db, "X3")
    nov24 = dt.date(2025, 11, 24)
    apply_package(district, ADMIN, export_at(x3db, year, tmp_path / "x3-nov.xlsx", dt.datetime(2025, 11, 24, 3),
                                             monkeypatch))
    x3 = by_code(completeness(district, ADMIN, year, nov24))["X3"]
    assert [(m.label, m.delivered) for m in x3.months] == [(f"{m:02d}/2025", m <= 11) for m in range(1, 13)]
    # December has not begun: not delivered, and not late either; so the year is not delivered yet.
    assert not x3.delivered and not x3.late and not x3.months[-1].late
    assert by_code(completeness(district, ADMIN, parse_period("2025-Q3"), nov24))["X3"].delivered
    assert not by_code(completeness(district, ADMIN, parse_period("2025-Q4"), nov24))["X3"].delivered
    assert by_code(completeness(district, ADMIN, parse_period("2025-11"), nov24))["X3"].delivered
    assert not by_code(completeness(district, ADMIN, parse_period("2025-12"), nov24))["X3"].delivered
    out = completeness_json(year, completeness(district, ADMIN, year, nov24))
    assert next(u for u in out["units"] if u["code"] == "X3")["delivered"] is False
    # On 5 January November's last days and December were never delivered: late, until the year is sent again.
    jan5 = dt.date(2026, 1, 5)
    x3 = by_code(completeness(district, ADMIN, year, jan5))["X3"]
    assert [m.month for m in x3.months if m.late] == [11, 12]
    apply_package(district, ADMIN, export_at(x3db, year, tmp_path / "x3-jan.xlsx", dt.datetime(2026, 1, 5, 2),
                                             monkeypatch))
    x3 = by_code(completeness(district, ADMIN, year, jan5))["X3"]
    assert x3.delivered and not x3.late
    x3db.close()


def test_a_delivered_package_is_data_for_the_comparison_even_without_records(district, tmp_path, monkeypatch):
    from danvan_desktop.services.summary import summarize

    quiet = commune(tmp_path, "X1")  # a commune that did nothing in 2025 and said so
    apply_package(district, ADMIN, export_at(quiet, parse_period("2025"), tmp_path / "x1.xlsx",
                                             dt.datetime(2025, 11, 24, 3), monkeypatch))
    quiet.close()
    after = dt.date(2026, 12, 31)
    q1 = summarize(district, ADMIN, parse_period("2026-Q1"), today=after)
    assert q1.previous.indicators["meetings.total"] == 0 and q1.comparable  # zeros that were reported
    assert summarize(district, ADMIN, parse_period("2026-Q1"), "X1", today=after).comparable
    assert not summarize(district, ADMIN, parse_period("2026-Q1"), "X2", today=after).comparable  # X2 sent nothing
    # The package was exported on 24/11/2025: it says nothing of December 2025.
    assert not summarize(district, ADMIN, parse_period("2026-12"), today=after).comparable
