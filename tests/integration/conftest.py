"""Fixtures shared by the package tests."""

from __future__ import annotations

import pytest

from danvan_desktop.exchange.package import export_package
from tests.integration.test_package_support import ADMIN, DISTRICT, PROVINCE, Q1, commune, office, seed


@pytest.fixture
def setup(tmp_path):
    """Commune X1 (seeded) with its Q1 package, and district 105's office."""
    x1 = commune(tmp_path, "X1")
    seed(x1, "X1")
    package = tmp_path / "X1.xlsx"
    export_package(x1, ADMIN, Q1, package)
    district = office(tmp_path / "huyen.db", DISTRICT, [PROVINCE])
    yield x1, package, district
    x1.close()
    district.close()
