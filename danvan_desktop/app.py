"""Wiring: where the office database lives, opening it, and the demo database. No Qt here."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the window's sign-in reads the paths here before the data layer is imported
    from danvan_desktop.store.database import Database

APP_NAME = "DanVan"
DEMO_ADMIN = "admin"
DEMO_PASSWORD = "demo123"


def data_dir() -> Path:
    """The user's data folder for the program (overridable with DANVAN_DATA_DIR, for tests)."""
    override = os.environ.get("DANVAN_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir  # only when asked: not on the way to a sign-in given --db

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The office database in the user's data folder."""
    return data_dir() / "danvan.db"


def demo_db_path() -> Path:
    """The demo database, kept apart from the office's real one."""
    return data_dir() / "demo" / "danvan-demo.db"


def open_demo(rebuild: bool = False) -> Database:
    """Open the demo database, generating it the first time (or when asked)."""
    from danvan_desktop.services.demo import build_demo
    from danvan_desktop.store.database import open_database

    path = demo_db_path()
    if rebuild and path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    if not path.exists():
        return build_demo(path)
    return open_database(path)
