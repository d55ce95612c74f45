"""Quản trị › Khóa ký: the office's own fingerprint is shown; an admin accepts a new key after comparing it."""

from __future__ import annotations

import datetime as dt

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.merge import apply_package
from danvan_desktop.services.records import add_record
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.services.signing import own_fingerprint
from tests.ui.conftest import ADMIN, HOME, PASSWORD, PROVINCE
from tests.ui.helpers import open_window, wait_idle


def test_the_admin_sees_the_office_fingerprint_and_accepts_a_new_key_after_comparing(qtbot, ctx, tmp_path,
                                                                                     monkeypatch):
    # A residential group below the commune keeps its own database (T01, typed in by the commune too).
    village = init_office(tmp_path / "t01.db", UnitSpec("T01", "Thôn Nà Ản", "thon"), [HOME, PROVINCE], "admin",
                          PASSWORD)
    add_record(village, ADMIN, "meeting", {"kind": "giao_ban", "title": "Họp thôn", "date": dt.date(2025, 2, 1),
                                           "participants": 30})
    first = tmp_path / "t01-a.xlsx"
    export_package(village, ADMIN, parse_period("2025-Q1"), first)
    assert apply_package(ctx.db, ADMIN, first).ok  # first contact pins its key
    village.close()
    # The village reinstalls: a new database, a new key.
    again = init_office(tmp_path / "t01-moi.db", UnitSpec("T01", "Thôn Nà Ản", "thon"), [HOME, PROVINCE], "admin",
                        PASSWORD)
    second = tmp_path / "t01-b.xlsx"
    export_package(again, ADMIN, parse_period("2025-Q1"), second)
    new_fp = own_fingerprint(again)
    again.close()
    refused = apply_package(ctx.db, ADMIN, second)
    assert (refused.ok, refused.reason) == (False, "key_changed")

    w = open_window(qtbot, ctx)
    admin = w.show_page("admin")
    wait_idle(qtbot, ctx)
    tab = admin.keys_tab
    assert own_fingerprint(ctx.db) in tab.own.text()
    assert tab.table.rowCount() == 1 and tab.table.item(0, 0).text() == "Thôn Nà Ản"
    asked: list[str] = []
    monkeypatch.setattr("danvan_desktop.ui.keys_tab.ask", lambda _p, text, **k: asked.append(text) or True)
    tab.check_package(second)
    wait_idle(qtbot, ctx)
    assert asked and new_fp in asked[0] and "Thôn Nà Ản" in asked[0]
    wait_idle(qtbot, ctx)
    assert tab.table.item(0, 2).text() == new_fp
    assert apply_package(ctx.db, ADMIN, second).ok
