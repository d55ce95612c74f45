"""A fresh database on a PostgreSQL server for tests of the server store (until the session-wide harness,
tests/pg_server.py, names one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine

# The server the tests create their databases on (COMMON.md: the development server, trust auth).
SERVER = os.environ.get("DANVAN_TEST_PG", "postgresql://postgres@127.0.0.1:55432/postgres")


def fresh_database() -> Iterator[str]:
    """Create an empty database, yield its URL as a person types it, drop it afterwards."""
    name = f"pgcore_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(SERVER.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as e:  # noqa: BLE001 - no server here: say so
        admin.dispose()
        pytest.skip(f"no PostgreSQL server at {SERVER}: {e}")
    try:
        yield SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
