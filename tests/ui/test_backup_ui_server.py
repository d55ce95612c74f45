"""The Sao lưu page of a server office: back up now into the local folder, restore, the window reopens on the
restored server data (issue 15)."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt

from danvan_desktop.services.backup import backup_facts, list_backups
from danvan_desktop.services.records import RecordQuery, add_record, list_records
from danvan_desktop.services.setup import init_office
from danvan_desktop.ui import backup_page as bp
from danvan_desktop.ui import main as ui_main
from danvan_desktop.ui.backup_page import BackupPage
from tests.ui.conftest import ADMIN, HOME, PASSWORD, PROVINCE, TODAY, make_ctx
from tests.ui.helpers import wait_idle


def titles(db) -> list[str]:
    return sorted(r.title for r in list_records(db, ADMIN, "meeting", RecordQuery()).rows)


def test_a_server_office_backs_up_and_restores_from_its_window(qtbot, pg_server, tmp_path, monkeypatch):
    monkeypatch.setenv("DANVAN_DATA_DIR", str(tmp_path / "data"))
    name = pg_server.new_database()
    db = init_office(pg_server.url(name), HOME, [PROVINCE], "admin", PASSWORD)
    ctx = make_ctx(db, ADMIN)
    try:
        session = ui_main.Session(ctx.db, ADMIN, ctx.runner, automatic_backups=False)
        w = session.window
        session.show(daily_backup=False)
        page: BackupPage = w.show_page("backup")
        wait_idle(qtbot, ctx)
        assert page.folder == db.place.parent / "sao-luu"  # beside the local path standing for the server
        add_record(db, ADMIN, "meeting", {"kind": "khac", "title": "Trước sao lưu", "date": TODAY})
        qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not page.running, timeout=60_000)
        wait_idle(qtbot, ctx)
        assert "Đã sao lưu và kiểm tra xong" in page.status.text()
        assert page.model.rowCount() == 1
        made = list_backups(db)[0].path
        assert backup_facts(made).unit_code == HOME.code
        add_record(db, ADMIN, "meeting", {"kind": "khac", "title": "Sau sao lưu", "date": TODAY})

        monkeypatch.setattr(bp, "ask", lambda *_a, **_k: True)
        monkeypatch.setattr(bp, "inform", lambda *_a, **_k: None)
        page.view.selectRow(0)
        page.restore_selected()
        qtbot.waitUntil(lambda: session.window is not w, timeout=60_000)
        new_window = session.window
        qtbot.addWidget(new_window)
        assert not shiboken6.isValid(w) or not w.isVisible()
        new_db = new_window.ctx.db
        assert new_db.is_server and titles(new_db) == ["Trước sao lưu"]
        assert "truoc-khoi-phuc" in [b.reason for b in list_backups(new_db)]
        new_window.close()
        session.close()
        new_db.close()
    finally:
        ctx.runner.shutdown()
        db.close()
        pg_server.drop(name)
