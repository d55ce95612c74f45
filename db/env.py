"""Alembic environment: migrates the SQLite file given by the caller, in batch mode (SQLite ALTER limits)."""

from __future__ import annotations

from alembic import context

from danvan_desktop.store.schema import metadata
from danvan_desktop.store.sqlite import include_name

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("danvan migrations run through danvan_desktop.store.database.open_database")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
