"""Shared fixtures: a real office database in tmp_path, signed-in actors of each role."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from danvan_desktop.services.actor import Actor  # noqa: E402
from danvan_desktop.services.setup import UnitSpec, init_office  # noqa: E402
from danvan_desktop.services.units import add_unit  # noqa: E402
from danvan_desktop.store.database import Database  # noqa: E402
from tests.stores import place  # noqa: E402

ADMIN = Actor("admin", "admin", "Quản trị", religion_access=True)
PASSWORD = "matkhau123"


@pytest.fixture
def commune(tmp_path) -> Database:
    """Xã Bản Bo's office (under Lai Châu province) with two villages."""
    db = init_office(place(tmp_path, "banbo.db"), UnitSpec("03424", "Xã Bản Bo", "xa", "2025"),
                     [UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")], "admin", PASSWORD)
    add_unit(db, ADMIN, code="03424-01", name="Bản Nà Khum", level="thon", parent_code="03424")
    add_unit(db, ADMIN, code="03424-02", name="Bản Đông Pao", level="thon", parent_code="03424")
    yield db
    db.close()


@pytest.fixture
def district(tmp_path) -> Database:
    """A pre-reform district office with two communes below it (one with a village)."""
    db = init_office(place(tmp_path, "tamduong.db"), UnitSpec("105", "Huyện Tam Đường", "huyen", "legacy"),
                     [UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")], "admin", PASSWORD)
    add_unit(db, ADMIN, code="X1", name="Xã Bình Lư", level="xa", parent_code="105")
    add_unit(db, ADMIN, code="X2", name="Xã Bản Giang", level="xa", parent_code="105")
    add_unit(db, ADMIN, code="X1-01", name="Bản Lao Chải", level="thon", parent_code="X1")
    yield db
    db.close()


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server for the session (tests/pg_server.py), with the head-schema template.

    Where PostgreSQL cannot be installed the server tests are skipped with the reason shown; under CI (CI set)
    that is a failure instead, since the README's test command installs it.
    """
    from tests.pg_server import PgServer, unavailable_reason

    reason = unavailable_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL server needed in CI: {reason}")
        pytest.skip(reason)
    server = PgServer()
    server.start()
    try:
        server.make_template()
        yield server
    finally:
        server.stop()
