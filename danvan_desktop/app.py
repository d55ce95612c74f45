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


def local_settings_path() -> Path:
    """This PC's own settings (which database the window opens), beside the office database."""
    return data_dir() / "cai-dat-may-nay.json"


def _without_password(url: str) -> str:
    """The URL with any password taken out: the program never stores the server's password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url.strip())
    if parts.password is None:
        return url.strip()
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def remembered_server() -> str | None:
    """The server database this PC's window opens (postgresql://user@host:port/db), or None for the local file."""
    import json

    try:
        data = json.loads(local_settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    server = data.get("server") if isinstance(data, dict) else None
    return server if isinstance(server, str) and server.strip() else None


def remember_server(url: str | None) -> None:
    """Open this server database at the next start (None: the local file again). Never with a password."""
    import json

    path = local_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"server": _without_password(url)} if url else {}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
