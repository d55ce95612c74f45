"""Which store a test's office databases live on: an SQLite file in tmp_path, or a database on the test server.

Integration tests name their databases with `place(tmp_path, "huyen.db")`; the `store` fixture
(tests/integration/conftest.py) runs each test once per store.
"""

from __future__ import annotations

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
