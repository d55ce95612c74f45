"""A server address stays a server address: one made into a path by mistake (a path keeps one slash of
"postgresql://") once opened a new local file in a folder called "postgresql:" in the working folder, and
`--smoke-test --db postgresql://…` checked such a file instead of the office on the server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from danvan_desktop.store.database import open_database
from danvan_desktop.store.target import as_target
from tests.integration.test_package_support import DISTRICT, PASSWORD, PROVINCE, office
from tests.stores import place

pytestmark = pytest.mark.server_only


def test_a_server_address_made_into_a_path_still_opens_the_office_on_the_server(tmp_path, monkeypatch):
    url = str(place(tmp_path, "huyen.db"))
    office(url, DISTRICT, [PROVINCE]).close()
    monkeypatch.chdir(tmp_path)
    db = open_database(Path(url), create=False)
    try:
        assert db.is_server and db.path is None
        assert db.label.endswith(url.rsplit("/", 1)[1])
    finally:
        db.close()
    assert not (tmp_path / "postgresql:").exists()
    assert as_target(Path("hoso/huyen.db")) == Path("hoso/huyen.db")  # a file stays a file


def test_the_smoke_test_opens_the_office_on_the_server(tmp_path):
    url = str(place(tmp_path, "huyen.db"))
    office(url, DISTRICT, [PROVINCE]).close()
    env = dict(os.environ, DANVAN_PASSWORD=PASSWORD, QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8",
               DANVAN_DATA_DIR=str(tmp_path / "du-lieu"))
    r = subprocess.run([sys.executable, "-m", "danvan_desktop", "--db", url, "--user", "admin", "--smoke-test"],
                       capture_output=True, text=True, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "Smoke test OK" in r.stdout
    assert not (tmp_path / "postgresql:").exists()
