"""Which store a test's office databases live on: an SQLite file in tmp_path, or a database on the test server.

Integration tests name their databases with `place(tmp_path, "huyen.db")`; the `store` fixture
(tests/integration/conftest.py) runs each test once per store.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.pg_server import PgServer

_current: dict[str, object] = {"kind": "sqlite", "server": None, "made": {}}


def use(kind: str, server: PgServer | None) -> None:
    """Set the store of the test about to run (called by the store fixture)."""
    _current.update(kind=kind, server=server, made={})


def kind() -> str:
    """'sqlite' or 'postgresql'."""
    return str(_current["kind"])


def on_server() -> bool:
    """True while the running test's databases are on the PostgreSQL server."""
    return kind() == "postgresql"


def place(tmp_path: Path, name: str) -> Path | str:
    """Where an office database goes: tmp_path/name on SQLite; on the server, an empty database's URL (the same
    one each time the test names it)."""
    server = _current["server"]
    if not on_server() or server is None:
        return tmp_path / name
    assert isinstance(server, PgServer)
    made = _current["made"]
    assert isinstance(made, dict)
    key = str(tmp_path / name)
    if key not in made:
        made[key] = server.new_database()
    return server.url(made[key])


def cleanup() -> None:
    """Drop the server databases the finished test made."""
    server, made = _current["server"], _current["made"]
    if isinstance(server, PgServer) and isinstance(made, dict):
        for name in made.values():
            server.drop(name)
    _current.update(kind="sqlite", server=None, made={})


@contextmanager
def sqlite_files() -> Iterator[None]:
    """Inside: place() names SQLite files whatever the test's store (fixtures built once and copied per test)."""
    saved = dict(_current)
    _current.update(kind="sqlite")
    try:
        yield
    finally:
        _current.update(kind=saved["kind"])


def from_file(tmp_path: Path, name: str, file: Path) -> Path | str:
    """place(tmp_path, name) holding the office of the SQLite file `file`: the file itself on SQLite, a copy of
    it on the server (store/copy.py, the copy-to command's own table copy)."""
    target = place(tmp_path, name)
    if not on_server():
        if Path(target) != file:
            shutil.copyfile(file, target)
        return target
    from danvan_desktop.store.copy import copy_tables
    from danvan_desktop.store.database import open_database

    src, dest = open_database(file), open_database(target)
    try:
        with src.engine.connect() as sc, dest.write_engine.begin() as dc:
            copy_tables(sc, dc)
    finally:
        src.close()
        dest.close()
    return target
