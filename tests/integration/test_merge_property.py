"""Property (issue 11): any sequence of edits, exports, merges, undos and replays between three communes, a
district and a province leaves every office's figures equal to those computed from the owners' own databases,
once each office has sent its latest package up (the district only knows what it was sent).

Offices on real SQLite files: communes X1, X2, X3 under district 105 under province 12. Steps drawn by
Hypothesis: a commune adds, edits or deletes a meeting; a commune sends its year package to the district; the
district undoes its latest undoable import, or applies an earlier file again; the district sends its package
to the province; the province undoes its latest import. Then every commune sends, the district sends, and
the figures are compared unit by unit. Along the way: right after a commune sends, the district holds what
the commune holds; right after the district sends, the province holds what the district holds.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.merge import apply_package, list_imports, undo_import
from danvan_desktop.services.records import RecordQuery, add_record, delete_record, list_records, update_record
from danvan_desktop.services.summary import summarize
from danvan_desktop.store.database import open_database
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, commune, office

YEAR = parse_period("2025")
CODES = ("X1", "X2", "X3")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    """Five empty offices made once (account hashing is slow); each example works on a fresh copy."""
    root = tmp_path_factory.mktemp("cay-trong")
    for code in CODES:
        db = commune(root, code)
        add_record(db, ADMIN, "meeting", {"kind": "giao_ban", "title": f"Giao ban ({code})",
                                          "date": dt.date(2025, 1, 5), "participants": 10})
        db.close()
    office(root / "huyen.db", DISTRICT, [PROVINCE]).close()
    office(root / "tinh.db", PROVINCE, []).close()
    return root


step = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(CODES), st.integers(1, 300)),
    st.tuples(st.just("edit"), st.sampled_from(CODES), st.integers(1, 300)),
    st.tuples(st.just("delete"), st.sampled_from(CODES), st.integers(0, 5)),
    st.tuples(st.just("send"), st.sampled_from(CODES), st.just(0)),
    st.tuples(st.just("undo"), st.just("huyen"), st.just(0)),
    st.tuples(st.just("replay"), st.just("huyen"), st.integers(0, 20)),
    st.tuples(st.just("up"), st.just("huyen"), st.just(0)),
    st.tuples(st.just("undo"), st.just("tinh"), st.just(0)),
)


def _live_meetings(db) -> list:
    return list_records(db, ADMIN, "meeting", RecordQuery()).rows


def _figures(db, unit: str | None = None) -> dict[str, int] | None:
    """The year's figures of a unit's subtree (None: the office does not know the unit yet)."""
    try:
        return dict(summarize(db, ADMIN, YEAR, unit).current.indicators)
    except Refused:
        return None


def _undo_latest(db) -> None:
    for line in list_imports(db, ADMIN):
        if line.can_undo:
            try:
                undo_import(db, ADMIN, line.id)
            except Refused:
                pass  # a record it touched changed since: refused, nothing done
            return


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=7))
# Sequences the issue reported, always tried: an undo that must travel up; undo, edit and replay together.
@example(steps=[("send", "X1", 0), ("up", "huyen", 0), ("undo", "huyen", 0), ("up", "huyen", 0)])
@example(steps=[("send", "X2", 0), ("edit", "X2", 7), ("send", "X2", 0), ("up", "huyen", 0), ("undo", "huyen", 0),
                ("up", "huyen", 0), ("replay", "huyen", 0), ("undo", "tinh", 0), ("up", "huyen", 0)])
def test_figures_everywhere_equal_the_owners_after_any_sequence(blank, steps):
    note(repr(steps))
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        shutil.copytree(blank, work, dirs_exist_ok=True)
        communes = {c: open_database(work / f"{c.lower()}.db") for c in CODES}
        district, province = open_database(work / "huyen.db"), open_database(work / "tinh.db")
        sent: list[Path] = []
        n = 0

        def send(code: str) -> None:
            nonlocal n
            n += 1
            f = work / "goi" / f"{code}-{n}.xlsx"
            export_package(communes[code], ADMIN, YEAR, f)
            sent.append(f)
            r = apply_package(district, ADMIN, f, backup=False)
            assert r.ok, r.message
            # What the commune just sent is what the district now holds for it.
            assert _figures(district, code) == _figures(communes[code]), code

        def up() -> None:
            nonlocal n
            n += 1
            f = work / "goi" / f"105-{n}.xlsx"
            export_package(district, ADMIN, YEAR, f)
            r = apply_package(province, ADMIN, f, backup=False)
            assert r.ok, r.message
            # Undos at the district travel up: the province holds what the district holds.
            for code in CODES:
                assert _figures(province, code) == _figures(district, code), code

        try:
            for action, who, arg in steps:
                if action == "add":
                    add_record(communes[who], ADMIN, "meeting", {
                        "kind": "tuyen_truyen", "title": f"Tuyên truyền {arg}", "date": dt.date(2025, 1 + arg % 12, 3),
                        "participants": arg}, unit=f"{who}-01" if arg % 2 else None)
                elif action in ("edit", "delete"):
                    rows = _live_meetings(communes[who])
                    if rows:
                        rec = rows[arg % len(rows)]
                        if action == "edit":
                            update_record(communes[who], ADMIN, "meeting", rec.id, {"participants": arg})
                        else:
                            delete_record(communes[who], ADMIN, "meeting", rec.id)
                elif action == "send":
                    send(who)
                elif action == "undo":
                    _undo_latest(district if who == "huyen" else province)
                elif action == "replay" and sent:
                    r = apply_package(district, ADMIN, sent[arg % len(sent)], backup=False)
                    assert r.ok, r.message
                elif action == "up":
                    up()
            for code in CODES:
                send(code)
            up()
            for code in CODES:
                owner = _figures(communes[code])
                assert _figures(district, code) == owner, code
                assert _figures(province, code) == owner, code
            assert _figures(province) == _figures(district)
        finally:
            for db in (*communes.values(), district, province):
                db.close()
