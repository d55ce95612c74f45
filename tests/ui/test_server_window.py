"""The window on a database server (issue 15): the wizard's "Máy chủ dữ liệu…", remembered for the next start
without a password, a retry when the server does not answer, the server in the title bar, and a window on the
server refreshing after another PC imports."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from danvan_desktop.app import local_settings_path, remember_server, remembered_server
from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.setup import init_office
from danvan_desktop.services.units import add_unit, list_units
from danvan_desktop.ui.context import AppContext
from danvan_desktop.ui.dialogs import SetupWizard
from danvan_desktop.ui.server_start import ServerDialog, check_fields, open_server_office
from danvan_desktop.ui.tasks import TaskRunner
from tests.ui.conftest import ADMIN, HOME, PASSWORD, PROVINCE
from tests.ui.helpers import type_text, wait_idle


@pytest.fixture
def data_dir(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """This PC's data folder, empty: the local settings go there."""
    monkeypatch.setenv("DANVAN_DATA_DIR", str(tmp_path / "du-lieu"))
    return tmp_path / "du-lieu"


@pytest.fixture
def runner(qtbot):  # noqa: ANN001, ANN201
    r = TaskRunner()
    yield r
    r.shutdown()


@pytest.fixture
def empty_server_db(pg_server):  # noqa: ANN001, ANN201
    """An empty database the server's administrator created (the schema is there, no office yet)."""
    name = pg_server.new_database()
    yield pg_server, name
    pg_server.drop(name)


def connect(qtbot, parent_dialog, server, name: str) -> ServerDialog:  # noqa: ANN001
    """Press "Máy chủ dữ liệu…" and type the server's address, database and user name as a person does."""
    qtbot.mouseClick(parent_dialog.server_button, Qt.MouseButton.LeftButton)
    dlg = parent_dialog.server_dialog
    dlg.host.setFocus()
    qtbot.keyClicks(dlg.host, "127.0.0.1")
    dlg.port.selectAll()
    qtbot.keyClicks(dlg.port, str(server.port))
    dlg.database.selectAll()
    qtbot.keyClicks(dlg.database, name)
    qtbot.keyClicks(dlg.user, server.user)
    qtbot.mouseClick(dlg.connect_button, Qt.MouseButton.LeftButton)
    return dlg


def test_the_wizard_creates_the_office_on_the_server_and_the_next_start_opens_it(qtbot, tmp_path, data_dir, runner,
                                                                                empty_server_db):  # noqa: ANN001
    server, name = empty_server_db
    wiz = SetupWizard(tmp_path / "danvan.db", runner)
    qtbot.addWidget(wiz)
    wiz.show()
    dlg = connect(qtbot, wiz, server, name)
    assert "PGPASSWORD" in dlg.note.text() and "pgpass" in dlg.note.text()  # no password box: where it comes from
    assert not [e for e in (dlg.host, dlg.port, dlg.database, dlg.user) if e.echoMode() != e.EchoMode.Normal]
    qtbot.waitUntil(lambda: wiz.server != "", timeout=20_000)
    url = f"postgresql://postgres@127.0.0.1:{server.port}/{name}"
    assert wiz.server == url and url in wiz.where.text()
    qtbot.keyClicks(wiz.search, "ban bo lai chau")
    qtbot.waitUntil(lambda: wiz.results.count() > 0 and "Bản Bo" in wiz.results.item(0).text(), timeout=10_000)
    qtbot.mouseClick(wiz.next, Qt.MouseButton.LeftButton)
    type_text(wiz.full_name, "Hoàng Thị Vân")
    wiz.password.setText("matkhau1")
    wiz.password2.setText("matkhau1")
    qtbot.mouseClick(wiz.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wiz.result() == QDialog.DialogCode.Accepted, timeout=30_000)
    from danvan_desktop.ui.server_start import after_wizard

    signed = after_wizard(wiz, runner)
    assert signed is not None
    db, actor = signed
    try:
        assert db.is_server and actor.username == "admin"
        assert list_units(db)[0].name == "Xã Bản Bo"
        assert not (tmp_path / "danvan.db").exists()  # nothing was written to a local file
    finally:
        db.close()
    assert remembered_server() == url  # the next start opens the server again
    stored = local_settings_path().read_text(encoding="utf-8")
    assert json.loads(stored) == {"server": url}


def test_another_pc_joins_an_office_already_on_the_server(qtbot, tmp_path, data_dir, runner,
                                                          empty_server_db):  # noqa: ANN001
    server, name = empty_server_db
    init_office(server.url(name), HOME, [PROVINCE], "admin", PASSWORD).close()
    wiz = SetupWizard(tmp_path / "danvan.db", runner)
    qtbot.addWidget(wiz)
    wiz.show()
    connect(qtbot, wiz, server, name)
    qtbot.waitUntil(lambda: wiz.result() == QDialog.DialogCode.Accepted, timeout=20_000)
    assert wiz.db is not None and wiz.db.is_server and wiz.actor is None  # the sign-in comes next
    wiz.db.close()


def test_the_server_fields_are_checked_before_connecting(qtbot, runner):  # noqa: ANN001
    assert "địa chỉ máy chủ" in check_fields("", "5432", "danvan", "canbo")
    assert "Cổng “54x”" in check_fields("may-chu", "54x", "danvan", "canbo")
    assert "Cổng “70000”" in check_fields("may-chu", "70000", "danvan", "canbo")
    assert "tên cơ sở dữ liệu" in check_fields("may-chu", "5432", "", "canbo")
    assert "tên đăng nhập máy chủ" in check_fields("may-chu", "5432", "danvan", "")
    assert "không có dấu" in check_fields("postgresql://may-chu", "5432", "danvan", "canbo")
    assert check_fields("192.168.1.10", "5432", "danvan", "canbo") == ""
    dlg = ServerDialog(runner)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.user, "canbo")
    qtbot.mouseClick(dlg.connect_button, Qt.MouseButton.LeftButton)
    assert "Hãy nhập địa chỉ máy chủ" in dlg.error.text() and dlg.connect_button.isEnabled()


def test_a_server_that_does_not_answer_is_said_plainly_and_tried_again(qtbot, runner, pg_server,
                                                                       tmp_path):  # noqa: ANN001
    name = pg_server.new_database()
    try:
        down = f"postgresql://postgres@127.0.0.1:1/{name}"  # nothing listens on port 1
        asked: list[str] = []
        answers = iter(["retry", "quit"])

        def ask(problem: str) -> str:
            asked.append(problem)
            return next(answers)

        assert open_server_office(runner, down, ask) == "quit"
        assert len(asked) == 2
        assert "Không kết nối được máy chủ dữ liệu “postgresql://postgres@127.0.0.1:1/" in asked[0]
        assert "Hãy kiểm tra mạng rồi thử lại" in asked[0]
        # It answers: the office's database opens (no lock file is made for a server).
        init_office(pg_server.url(name), HOME, [PROVINCE], "admin", PASSWORD).close()
        opened = open_server_office(runner, pg_server.url(name), ask)
        assert isinstance(opened, tuple) and opened[1] == HOME.name
        opened[0].close()
    finally:
        pg_server.drop(name)


def test_the_password_of_the_server_is_never_stored(data_dir):  # noqa: ANN001
    remember_server("postgresql://canbo:bi-mat@192.168.1.10:5432/danvan")
    text = local_settings_path().read_text(encoding="utf-8")
    assert "bi-mat" not in text
    assert remembered_server() == "postgresql://canbo@192.168.1.10:5432/danvan"
    remember_server(None)
    assert remembered_server() is None


def test_a_window_on_the_server_names_it_and_refreshes_after_another_pc_imports(qtbot, pg_server,
                                                                                tmp_path):  # noqa: ANN001
    from danvan_desktop.ui.main import Session
    from tests.ui.test_other_pc import danvan, filled_template, titles

    name = pg_server.new_database()
    url = pg_server.url(name)
    db = init_office(url, HOME, [PROVINCE], "admin", PASSWORD)
    add_unit(db, SYSTEM, code="T01", name="Thôn Nà Ản", level="thon", parent_code=HOME.code)
    runner = TaskRunner()
    session = Session(db, ADMIN, runner, automatic_backups=False)
    try:
        w = session.window
        qtbot.addWidget(w)
        session.show(daily_backup=False)
        assert w.windowTitle() == f"Dân vận – {HOME.name} – máy chủ {url}"
        assert isinstance(w.ctx, AppContext)
        w.period_picker.set_period(None)
        w.show_page("meeting")
        page = w.list_page()
        wait_idle(qtbot, w.ctx)
        qtbot.waitUntil(lambda: session.watcher.mark is not None, timeout=10_000)
        template = filled_template(tmp_path, ["Tiếp xúc cử tri tại máy chủ"])
        r = danvan("--db", url, "--user", "admin", "import", str(template))
        assert r.returncode == 0, r.stderr
        qtbot.waitUntil(lambda: titles(page.model) == ["Tiếp xúc cử tri tại máy chủ"], timeout=20_000)
    finally:
        w.close()
        session.close()
        pg_server.drop(name)


def test_the_program_started_again_opens_the_remembered_server_and_signs_in(pg_server, tmp_path):  # noqa: ANN001
    """A fresh process, as when the person starts the program: no --db, the server remembered from last time."""
    import os
    import subprocess
    import sys

    from tests.ui.test_startup import PERSON, ROOT

    name = pg_server.new_database()
    url = pg_server.url(name)
    try:
        init_office(url, HOME, [PROVINCE], "admin", PASSWORD).close()
        data = tmp_path / "data"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "DANVAN_DATA_DIR": str(data)}
        data.mkdir()
        (data / local_settings_path().name).write_text(json.dumps({"server": url}), encoding="utf-8")
        script = PERSON.replace('run_gui(__import__("pathlib").Path(sys.argv[1]), demo=False)',
                                "run_gui(None, demo=False)")
        r = subprocess.run([sys.executable, "-c", script, "", PASSWORD], capture_output=True, text=True, env=env,
                           timeout=180, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        seen = json.loads(r.stdout.strip().splitlines()[-1])
        assert seen["code"] == 0
        assert seen["window_title"] == f"Dân vận – {HOME.name} – máy chủ {url}"
        assert not list(data.rglob("*.lock")) and not (data / "danvan.db").exists()  # no file, no file lock
    finally:
        pg_server.drop(name)
