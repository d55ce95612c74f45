"""Fixtures shared by the package tests."""

from __future__ import annotations

import uuid

import pytest

from danvan_desktop.exchange.package import export_package
from tests import stores
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, Q1, commune, office, seed
from tests.stores import place

STORES = ("sqlite", "postgresql")


@pytest.fixture(autouse=True, params=STORES)
def store(request):
    """Every integration test runs on both stores (issue 15): its databases named by stores.place().

    Tests about the SQLite file itself carry the mark `sqlite_only` and run once.
    """
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        stores.use("postgresql", server)
    else:
        stores.use("sqlite", None)
    try:
        yield request.param
    finally:
        stores.cleanup()


def pytest_collection_modifyitems(config, items):
    """Tests marked sqlite_only (about the database file itself) are not run on the server; tests marked
    server_only (about the server store's own SQL) only there."""
    keep, dropped = [], []
    for item in items:
        param = getattr(getattr(item, "callspec", None), "params", {}).get("store")
        off = (param == "postgresql" and item.get_closest_marker("sqlite_only")) or \
            (param == "sqlite" and item.get_closest_marker("server_only"))
        (dropped if off else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def server_db(pg_server):
    """The URL of a new, empty database on the test server (an empty one, not the migrated template)."""
    name = "e_" + uuid.uuid4().hex[:16]
    pg_server.admin(f"CREATE DATABASE {name}")
    yield pg_server.url(name)
    pg_server.drop(name)


@pytest.fixture
def setup(tmp_path):
    """Commune X1 (seeded) with its Q1 package, and district 105's office."""
    x1 = commune(tmp_path, "X1")
    seed(x1, "X1")
    package = tmp_path / "X1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    district = office(place(tmp_path, "huyen.db"), DISTRICT, [PROVINCE])
    yield x1, package, district
    x1.close()
    district.close()
