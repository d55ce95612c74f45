"""Errors about the database file itself, each with a plain Vietnamese message for the user."""

from __future__ import annotations


class StoreError(Exception):
    """A problem with the database file; `str(err)` is the Vietnamese message to show."""


class DatabaseDamaged(StoreError):
    """The file is not a readable SQLite database of this program."""


class DatabaseTooNew(StoreError):
    """The file was written by a newer version of the program."""


class DatabaseUnavailable(StoreError):
    """The file cannot be opened for writing: locked, read-only, missing folder or full disk."""
