"""Safety (issue 11): record seals, the audit head kept outside the log, the religion right per account.

Revision ID: 0005
Revises: 0004
"""
import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("meeting", "petition", "monitoring", "religious_site", "religious_check", "model")


def upgrade() -> None:
    # The record tables' own definitions (with the new column) and the seal function of this version.
    from danvan_desktop.services.seals import row_seal
    from danvan_desktop.store.schema import RECORD_TABLES

    conn = op.get_bind()
    for table in TABLES:
        # ADD COLUMN is native in SQLite: no table copy, so rowids (which the FTS index follows) stay put.
        op.add_column(table, sa.Column("row_hash", sa.String(length=64), nullable=True))
        op.create_index(f"ix_{table}_unsealed", table, ["id"], sqlite_where=sa.text("row_hash IS NULL"),
                        postgresql_where=sa.text("row_hash IS NULL"))
        t = RECORD_TABLES[table]
        # Existing records are sealed as they stand now: edits made after this upgrade are what the check sees.
        params = [{"_rid": r.id, "_seal": row_seal(r._mapping)} for r in conn.execute(sa.select(t))]
        if params:
            conn.execute(t.update().where(t.c.id == sa.bindparam("_rid")).values(row_hash=sa.bindparam("_seal")),
                         params)
    op.add_column("audit_log", sa.Column("seal", sa.String(length=64), nullable=False, server_default=""))
    last = conn.execute(sa.text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
    if last is not None:
        conn.execute(sa.text("DELETE FROM setting WHERE key = 'audit_head'"))
        conn.execute(sa.text("INSERT INTO setting (key, value) VALUES ('audit_head', :v)"),
                     {"v": json.dumps({"id": last.id, "hash": last.hash})})
    # The office's own id: backups are named after it (with the unit code) so offices sharing a folder
    # never rotate each other's files away.
    if conn.execute(sa.text("SELECT 1 FROM setting WHERE key = 'office_id'")).first() is None:
        conn.execute(sa.text("INSERT INTO setting (key, value) VALUES ('office_id', :v)"),
                     {"v": json.dumps(uuid.uuid4().hex)})
    # The religion right used to come with the admin and tong_hop roles; it is now granted per account.
    # Accounts that had it keep it until an admin withholds it.
    granted = "true" if conn.dialect.name == "postgresql" else "1"
    conn.execute(sa.text(f"UPDATE account SET religion_access = {granted} WHERE role IN ('admin', 'tong_hop')"))


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+): no table copy, so the full-text triggers stay in place.
    for table in TABLES:
        op.drop_index(f"ix_{table}_unsealed", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN row_hash")
    op.execute("ALTER TABLE audit_log DROP COLUMN seal")
