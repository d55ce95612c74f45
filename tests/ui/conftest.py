"""Fixtures for the window tests: offscreen Qt, a small office database copied per test, helpers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt  # noqa: E402
import shutil  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from danvan_desktop.services.accounts import add_account  # noqa: E402
from danvan_desktop.services.actor import SYSTEM, Actor  # noqa: E402
from danvan_desktop.services.setup import UnitSpec, init_office  # noqa: E402
from danvan_desktop.services.units import add_unit, list_units  # noqa: E402
from danvan_desktop.store.database import Database, open_database  # noqa: E402
from danvan_desktop.ui.context import AppContext  # noqa: E402
from danvan_desktop.ui.i18n import install_vietnamese  # noqa: E402
from danvan_desktop.ui.tasks import TaskRunner  # noqa: E402

HOME = UnitSpec("00001", "Xã Bản Bo", "xa", "2025")
PROVINCE = UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")
ADMIN = Actor("admin", "admin", "Nguyễn Văn Quản", True)
CAN_BO = Actor("canbo", "can_bo", "Lò Thị Mai", False)
VAN_THU = Actor("vanthu", "van_thu", "Tòng Văn Hùng", False)
PASSWORD = "matkhau1"


@pytest.fixture(scope="session", autouse=True)
def _vietnamese(qapp: QApplication) -> None:
    install_vietnamese(qapp)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An office with two villages and three accounts, built once (Argon2 and migrations are slow)."""
    path = tmp_path_factory.mktemp("template") / "office.db"
    db = init_office(path, HOME, [PROVINCE], "admin", PASSWORD, "Nguyễn Văn Quản")
    add_unit(db, SYSTEM, code="T01", name="Thôn Nà Ản", level="thon", parent_code=HOME.code)
    add_unit(db, SYSTEM, code="T02", name="Bản Nà Pồng", level="thon", parent_code=HOME.code)
    add_account(db, SYSTEM, "canbo", PASSWORD, "can_bo", full_name="Lò Thị Mai")
    add_account(db, SYSTEM, "vanthu", PASSWORD, "van_thu", full_name="Tòng Văn Hùng")
    db.close()
    return path


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the template office for one test."""
    path = tmp_path / "office.db"
    shutil.copy(template_db, path)
    d = open_database(path)
    yield d
    d.close()


def make_ctx(db: Database, actor: Actor) -> AppContext:
    """A signed-in session without the slow password check."""
    return AppContext(db, actor, TaskRunner(), list_units(db))


@pytest.fixture
def ctx(db: Database, qtbot) -> Iterator[AppContext]:  # noqa: ANN001
    """The admin's session."""
    c = make_ctx(db, ADMIN)
    yield c
    c.runner.shutdown()


TODAY = dt.date.today()


@pytest.fixture(autouse=True, scope="session")
def _collect_garbage_on_the_ui_thread(qapp: QApplication) -> Iterator[None]:
    """As the program does: cycles are collected from a timer on the UI thread only (ui/gc_guard.py)."""
    from danvan_desktop.ui.main import prepare_app

    prepare_app(qapp)
    yield
