"""At a district, two communes' villages with the same local code ("01") stay two units in the window (SPEC §2)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.records import add_record, get_record, list_records
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.services.units import add_unit
from tests.ui.conftest import ADMIN, PASSWORD, PROVINCE, make_ctx
from tests.ui.helpers import fill, open_window, wait_idle

D = dt.date(2025, 3, 5)


def _district(tmp_path):  # noqa: ANN001, ANN202
    db = init_office(tmp_path / "huyen.db", UnitSpec("105", "Huyện Tam Đường", "huyen", "legacy"), [PROVINCE],
                     "admin", PASSWORD)
    add_unit(db, SYSTEM, code="X1", name="Xã Bình Lư", level="xa", parent_code="105")
    add_unit(db, SYSTEM, code="X2", name="Xã Bản Giang", level="xa", parent_code="105")
    add_unit(db, SYSTEM, code="01", name="Bản Nà Ản", level="thon", parent_code="X1")
    add_unit(db, SYSTEM, code="01", name="Bản Nà Khum", level="thon", parent_code="X2")
    return db


def test_villages_sharing_a_code_are_two_units_in_the_tree_the_form_and_the_filter(qtbot, tmp_path):
    db = _district(tmp_path)
    ctx = make_ctx(db, ADMIN)
    try:
        w = open_window(qtbot, ctx, every_period=True)
        model = w.unit_tree.model()
        hits = {key: model.match(model.index(0, 0), Qt.ItemDataRole.UserRole, key, -1,
                                 Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
                for key in ("X1/01", "X2/01")}
        assert [len(h) for h in hits.values()] == [1, 1]
        assert hits["X1/01"][0].data() == "Bản Nà Ản" and hits["X1/01"][0].parent().data() == "Xã Bình Lư"
        assert hits["X2/01"][0].data() == "Bản Nà Khum" and hits["X2/01"][0].parent().data() == "Xã Bản Giang"

        # A meeting entered for Bản Nà Khum is stored under X2's village, not X1's.
        w.show_page("meeting")
        form = w.list_page().new_record()
        fill(qtbot, form, {"kind": "Đối thoại với Nhân dân", "title": "Đối thoại ở Nà Khum", "date": D,
                           "unit": "Bản Nà Khum"})
        assert form.save()
        wait_idle(qtbot, ctx)
        saved = list_records(db, ADMIN, "meeting").rows[0]
        assert (saved.unit_name, saved.unit_code) == ("Bản Nà Khum", "01")

        # Opened again and saved with a changed title, it stays in its own village.
        add_record(db, SYSTEM, "meeting", {"kind": "khac", "title": "Họp ở Nà Ản", "date": D}, unit="X1/01")
        lp = w.list_page()
        qtbot.waitUntil(lambda: lp.model.row_of(saved.id) >= 0, timeout=10_000)
        lp.view.selectRow(lp.model.row_of(saved.id))
        form = lp.open_selected()
        assert form.editors["unit"].currentText().strip() == "Bản Nà Khum"
        fill(qtbot, form, {"title": "Đối thoại ở Nà Khum (sửa)"})
        assert form.save()
        wait_idle(qtbot, ctx)
        assert get_record(db, ADMIN, "meeting", saved.id).unit_name == "Bản Nà Khum"

        # The tree's filter on X1's village shows only its record (X2's village shares the code).
        w.select_unit("X1/01")
        wait_idle(qtbot, ctx)
        assert lp.query().unit_code == "X1/01"
        assert [r.title for r in list_records(db, ADMIN, "meeting", lp.query()).rows] == ["Họp ở Nà Ản"]
        qtbot.waitUntil(lambda: lp.model.rowCount() == 1, timeout=10_000)
    finally:
        ctx.runner.shutdown()
        db.close()
