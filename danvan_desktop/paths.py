"""Locate files shipped with the program (resources, migrations), from source or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["project_root", "resource_path", "migrations_path"]


def project_root() -> Path:
    """Return the folder holding `resources/` and `db/`: the bundle dir when frozen, else the source root."""
    # PyInstaller unpacks data files under sys._MEIPASS; the working directory is
    # wherever the user double-clicked from, so it is never used.
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    # This file is danvan_desktop/paths.py: parents[0] is the package, parents[1] the project root.
    return Path(__file__).resolve().parents[1]


def resource_path(*parts: str) -> Path:
    """Return the path of a file or folder under `resources/`, e.g. resource_path("fonts", "X.ttf")."""
    return project_root().joinpath("resources", *parts)


def migrations_path() -> Path:
    """Return the Alembic folder `db/` (alembic.ini, env.py, versions/)."""
    return project_root() / "db"
