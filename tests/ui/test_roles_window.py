"""The window of each role shows and enables only what the services allow (the matrix of test_roles_matrix).

Pages present or absent, New/Edit/Delete enabled or not, forms opened read-only, backup/restore and package
buttons: each answer derived from PERMISSIONS, the same source the services use, and checked against the
services themselves where the window offers an action on one record.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import SYSTEM, Actor
from danvan_desktop.services.errors import PermissionDenied
from danvan_desktop.services.records import Record, add_record, get_record, update_record
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.services.units import add_unit
from danvan_desktop.store.database import Database, open_database
from danvan_desktop.ui.main_window import MainWindow
from danvan_desktop.ui.pages import RecordListPage
from tests.integration.test_roles_matrix import ACTORS, may, may_edit
from tests.ui.conftest import PASSWORD, PROVINCE, make_ctx
from tests.ui.helpers import wait_idle

ALWAYS = {"overview", "meeting", "petition", "monitoring", "model"}


def expected_pages(a: Actor) -> set[str]:
    pages = set(ALWAYS)
    for key, ok in (("religion", may(a, Action.RELIGION)), ("merge", may(a, Action.MERGE)),
                    ("reports", may(a, Action.REPORT)), ("audit", may(a, Action.AUDIT)),
                    ("backup", may(a, Action.BACKUP) or may(a, Action.RESTORE)), ("admin", may(a, Action.ADMIN))):
        if ok:
            pages.add(key)
    return pages


def _meeting(title: str) -> dict:
    return {"kind": "khac", "title": title, "date": dt.date.today(), "participants": 20}


@pytest.fixture
def open_window(qtbot, monkeypatch):
    """A factory: the main window of an account on a database; closed and its tasks stopped at the end."""
    asked: list[str] = []
    monkeypatch.setattr("danvan_desktop.ui.forms.ask", lambda _p, text, **_k: asked.append(text) or True)
    monkeypatch.setattr("danvan_desktop.ui.pages.inform", lambda _p, text, **_k: asked.append(text))
    made = []

    def make(db: Database, actor: Actor) -> MainWindow:
        ctx = make_ctx(db, actor)
        w = MainWindow(ctx)
        qtbot.addWidget(w)
        w.show()
        w.period_picker.set_period(None)
        wait_idle(qtbot, ctx)
        made.append(w)
        w.asked = asked
        return w

    yield make
    for w in made:
        wait_idle(qtbot, w.ctx)
        w.ctx.runner.shutdown()


def select(qtbot, w: MainWindow, page_key: str, rec: Record) -> RecordListPage:
    w.show_page(page_key)
    lp = w.list_page()
    assert lp is not None
    wait_idle(qtbot, w.ctx)
    row = lp.model.row_of(rec.id)
    assert row >= 0, rec.title
    lp.view.selectRow(row)
    return lp


def open_form(qtbot, w: MainWindow, lp: RecordListPage):
    w.edit_action.trigger()
    dlg = lp.last_dialog
    assert dlg is not None and dlg.record is not None
    read_only = dlg.read_only
    assert dlg.save_button.isVisibleTo(dlg) is not read_only
    assert all(not ed.isEnabled() for ed in dlg.editors.values()) is read_only
    dlg.close()
    return read_only


@pytest.mark.parametrize("role", ACTORS)
def test_pages_and_actions_of_each_role(qtbot, db, open_window, role):
    actor = ACTORS[role]
    mine = add_record(db, SYSTEM, "meeting", _meeting("Hội nghị của xã"))
    village = add_record(db, SYSTEM, "meeting", _meeting("Họp bản Nà Ản"), unit="T01")
    site = add_record(db, SYSTEM, "religious_site", {"name": "Điểm nhóm bản Nà Pồng", "religion": "tin_lanh",
                                                      "registration": "da_dang_ky"})
    w = open_window(db, actor)

    assert set(w.pages) == expected_pages(actor)
    nav = {w.nav.item(i).data(Qt.ItemDataRole.UserRole) for i in range(w.nav.count())}
    assert nav == expected_pages(actor)
    for key in {"religion", "merge", "audit", "backup", "admin"} - expected_pages(actor):
        with pytest.raises(KeyError):
            w.show_page(key)

    editable = may_edit(actor)
    for key in ("meeting", "petition", "monitoring", "model"):
        w.show_page(key)
        assert w.new_action.isEnabled() is editable, key
        assert w.delete_action.isEnabled() is editable, key
        assert w.edit_action.isEnabled() and w.edit_action.text() == ("Sửa" if editable else "Xem")
    w.show_page("overview")
    assert not w.new_action.isEnabled() and not w.delete_action.isEnabled()

    lp = select(qtbot, w, "meeting", mine)
    assert (lp.new_record() is not None) is editable
    if lp.last_dialog is not None:
        lp.last_dialog.close()
    for rec in (mine, village):
        lp = select(qtbot, w, "meeting", rec)
        assert open_form(qtbot, w, lp) is (not editable)
        w.delete_action.trigger()  # a disabled action does nothing
        wait_idle(qtbot, w.ctx)
        assert get_record(db, SYSTEM, "meeting", rec.id).deleted is editable

    if may(actor, Action.RELIGION):
        lp = select(qtbot, w, "religion", site)
        assert w.new_action.isEnabled() is editable
        assert open_form(qtbot, w, lp) is (not editable)

    if w.backup_page is not None:
        bp = w.backup_page
        assert bp.backup_button.isVisibleTo(bp) is may(actor, Action.BACKUP)
        assert bp.backup_file_button.isVisibleTo(bp) is may(actor, Action.BACKUP)
        assert bp.restore_button.isVisibleTo(bp) is may(actor, Action.RESTORE)
        assert bp.restore_file_button.isVisibleTo(bp) is may(actor, Action.RESTORE)
    if w.report_view is not None:
        assert w.report_view.package_button.isEnabled() is may(actor, Action.EXPORT_PACKAGE)
        assert w.print_action.isEnabled()
    assert (w.admin is not None) is may(actor, Action.ADMIN)
    assert (w.audit_page is not None) is may(actor, Action.AUDIT)


@pytest.mark.parametrize("role", ["van_thu", "can_bo"])
def test_spec_literally_van_thu_and_can_bo_see_no_merge_or_admin(qtbot, db, open_window, role):
    w = open_window(db, ACTORS[role])
    assert not {"merge", "admin", "audit"} & set(w.pages)
    assert "religion" not in w.pages  # no grant
    w.show_page("meeting")
    assert w.new_action.isEnabled() is (role == "can_bo")


# ---- a district office: records sent up by a commune -----------------------------------------------------------

@pytest.fixture(scope="module")
def district_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("huyen") / "huyen.db"
    d = init_office(path, UnitSpec("105", "Huyện Tam Đường", "huyen", "legacy"), [PROVINCE], "admin", PASSWORD)
    add_unit(d, SYSTEM, code="X1", name="Xã Bình Lư", level="xa", parent_code="105")
    d.close()
    return path


@pytest.fixture
def district(district_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "huyen.db"
    shutil.copy(district_template, path)
    d = open_database(path)
    yield d
    d.close()


@pytest.mark.parametrize("role", ACTORS)
def test_at_a_district_a_communes_record_is_changeable_only_where_the_service_allows(qtbot, district,
                                                                                   open_window, role):
    actor = ACTORS[role]
    own = add_record(district, SYSTEM, "meeting", _meeting("Hội nghị của huyện"))
    below = add_record(district, SYSTEM, "meeting", _meeting("Hội nghị xã Bình Lư gửi lên"), unit="X1")
    w = open_window(district, actor)

    def service_allows(rec: Record) -> bool:
        try:
            update_record(district, actor, "meeting", rec.id, {"participants": 21})
        except PermissionDenied:
            return False
        update_record(district, SYSTEM, "meeting", rec.id, {"participants": 20})
        return True

    assert service_allows(own) is may_edit(actor)
    assert service_allows(below) is may(actor, Action.EDIT_SUBTREE)
    for rec in (own, below):
        allowed = service_allows(rec)
        lp = select(qtbot, w, "meeting", rec)
        assert open_form(qtbot, w, lp) is (not allowed), rec.title
        before = len(w.asked)
        lp.delete_selected()
        wait_idle(qtbot, w.ctx)
        assert get_record(district, SYSTEM, "meeting", rec.id).deleted is allowed, rec.title
        if not allowed and may_edit(actor):
            # Refused before asking "Xóa …?", with the reason.
            assert len(w.asked) == before + 1 and "do đơn vị đó gửi lên" in w.asked[-1]
