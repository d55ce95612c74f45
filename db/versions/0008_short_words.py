"""Short-word search without a scan and a fitting index for overdue petitions (issue 14).

An FTS5 index of each record table's one- and two-character pieces of its search text (store/sqlite.py
short_index_install), kept by triggers and filled here (on PostgreSQL a GIN index over an IMMUTABLE function
giving the same pieces, store/postgres.py: the server keeps it); an index whose columns answer the overdue condition
(services/overdue.py) and its order without reading the petitions.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

from danvan_desktop.store import postgres, sqlite

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("meeting", "petition", "monitoring", "religious_site", "religious_check", "model")


def upgrade() -> None:
    conn = op.get_bind()
    server = conn.dialect.name == "postgresql"
    # Triggers and fill in this one transaction: no write can fall between the two.
    for table in TABLES:
        for stmt in postgres.short_index_install(table) if server else sqlite.short_index_install(table, fill=True):
            conn.exec_driver_sql(stmt)
    op.create_index("ix_petition_live_overdue", "petition",
                    ["deleted", "type", "deadline", "status", "resolved_date", "unit_id"])


def downgrade() -> None:
    conn = op.get_bind()
    op.drop_index("ix_petition_live_overdue", "petition")
    drop = postgres.short_index_drop if conn.dialect.name == "postgresql" else sqlite.short_index_drop
    for table in TABLES:
        for stmt in drop(table):
            conn.exec_driver_sql(stmt)
