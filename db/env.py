"""Alembic environment: migrates the database given by the caller (an SQLite file in batch mode, for SQLite's
ALTER limits, or a PostgreSQL database, where batch operations run as plain ALTERs)."""

from __future__ import annotations

from alembic import context

from danvan_desktop.store import postgres, sqlite
from danvan_desktop.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("danvan migrations run through danvan_desktop.store.database.open_database")

include_name = postgres.include_name if connection.dialect.name == "postgresql" else sqlite.include_name
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
