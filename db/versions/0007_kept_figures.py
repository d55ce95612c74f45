"""Kept figures (issue 14): count tables per unit, month and value, kept by triggers; indexes of the stocks.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from danvan_desktop.store.aggregates import (
    postgresql_drop_triggers,
    postgresql_install,
    sqlite_drop_triggers,
    sqlite_install,
)
from danvan_desktop.store.schema import TALLIES

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for t in TALLIES:
        cols = [sa.Column("unit_id", sa.Integer(), nullable=False), sa.Column("month", sa.String(7), nullable=False)]
        cols += [sa.Column(d, sa.String(32), nullable=False) for d in t.dims]
        cols += [sa.Column("n", sa.Integer(), nullable=False)]
        cols += [sa.Column(c, sa.Integer(), nullable=False) for c in t.sums]
        op.create_table(t.table, *cols, sa.PrimaryKeyConstraint("unit_id", "month", *t.dims, name=f"pk_{t.table}"),
                        sqlite_with_rowid=False)
    op.create_index("ix_petition_live_resolved", "petition",
                    ["deleted", "resolved_date", "status", "type", "received_date", "deadline", "unit_id"])
    op.create_index("ix_model_live_award_date", "model", ["deleted", "award_date"])
    op.create_index("ix_religious_site_live_registry", "religious_site",
                    ["deleted", "unit_id", "registration", "followers"])
    # Triggers first, then the fill, in this one transaction: no write can fall between the two.
    conn = op.get_bind()
    install = postgresql_install if conn.dialect.name == "postgresql" else sqlite_install
    for stmt in install(fill=True):
        conn.exec_driver_sql(stmt)


def downgrade() -> None:
    conn = op.get_bind()
    drop = postgresql_drop_triggers if conn.dialect.name == "postgresql" else sqlite_drop_triggers
    for t in TALLIES:
        for stmt in drop(t):
            conn.exec_driver_sql(stmt)
        op.drop_table(t.table)
    op.drop_index("ix_religious_site_live_registry", "religious_site")
    op.drop_index("ix_model_live_award_date", "model")
    op.drop_index("ix_petition_live_resolved", "petition")
