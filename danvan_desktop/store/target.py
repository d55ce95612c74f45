"""Where an office's data lives: an SQLite file (the default) or a PostgreSQL server named by a URL (SPEC §8)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from danvan_desktop.store.errors import DatabaseUnavailable

SERVER_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")


def is_server(target: str | Path) -> bool:
    """True when target names a database server (a postgresql:// URL) rather than a file."""
    return isinstance(target, str) and target.strip().lower().startswith(SERVER_SCHEMES)


def as_target(target: str | Path) -> str | Path:
    """A server URL that was made into a Path by mistake ("postgresql:/user@host/db": a Path keeps one slash)
    named as the server again, never a local file in a folder called "postgresql:"."""
    if not isinstance(target, str):
        text = str(target)
        for scheme in SERVER_SCHEMES:
            once = scheme[:-1]  # "postgresql:/"
            if text.lower().startswith(once) and not text.lower().startswith(scheme):
                return scheme + text[len(once):]
    return target


def server_url(text: str) -> URL:
    """The SQLAlchemy URL (psycopg 3 driver) for a postgresql://user@host[:port]/dbname the person gave.

    The password is never stored by the program: it comes from PGPASSWORD or the libpq files (~/.pgpass,
    %APPDATA%\\postgresql\\pgpass.conf) when the URL has none.
    """
    try:
        url = make_url(text.strip())
    except ArgumentError as e:
        raise DatabaseUnavailable(f"Địa chỉ máy chủ dữ liệu “{text}” không đúng dạng "
                                  "postgresql://tên_đăng_nhập@máy_chủ/tên_cơ_sở_dữ_liệu.") from e
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise DatabaseUnavailable(f"Chỉ hỗ trợ máy chủ PostgreSQL, không hỗ trợ “{url.drivername}”.")
    if not url.database:
        raise DatabaseUnavailable(f"Địa chỉ máy chủ dữ liệu “{shown(url)}” thiếu tên cơ sở dữ liệu (phần sau dấu “/”).")
    return url.set(drivername="postgresql+psycopg")


def shown(url: URL) -> str:
    """The URL as a person may see it: postgresql://user@host:port/db, never with a password."""
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    user = f"{url.username}@" if url.username else ""
    return f"postgresql://{user}{host}{port}/{url.database}"


def server_place(url: URL) -> Path:
    """A local path standing for a server database on this PC: its drafts and default backup folder sit beside
    it, in the user's data folder (the server has no folder of ours)."""
    from danvan_desktop.app import data_dir  # a tiny module without Qt or SQLAlchemy

    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{url.host or 'localhost'}-{url.port or 5432}-{url.database}")
    return data_dir() / "may-chu" / name / f"{name}.may-chu"


def password_hint() -> str:
    """Where the server's password is taken from (for messages)."""
    return ("biến môi trường PGPASSWORD" if os.environ.get("PGPASSWORD")
            else "tệp mật khẩu của PostgreSQL (.pgpass / pgpass.conf) hoặc biến môi trường PGPASSWORD")
