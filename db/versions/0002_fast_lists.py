"""Fast lists at province scale: Vietnamese sort key column, trigram full-text search, scope indexes.

SQLite: FTS5 trigram tables kept by triggers. PostgreSQL: pg_trgm GIN indexes, the `vi` ICU collation.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KINDS = {  # table -> (title field, event date field or None)
    "meeting": ("title", "date"),
    "petition": ("content", "received_date"),
    "monitoring": ("topic", "start_date"),
    "religious_site": ("name", None),
    "religious_check": ("content", "date"),
    "model": ("name", "registered_date"),
}


def _sort_string(text: str | None) -> str:
    # Same as danvan_desktop.domain.text.sort_string at the time of this migration.
    from danvan_desktop.domain.text import sort_string

    return sort_string(text or "")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _upgrade_postgresql(conn)
        return
    for table, (title, event) in KINDS.items():
        # ADD COLUMN is native in SQLite: no table copy, so rowids (which the FTS index follows) stay put.
        op.add_column(table, sa.Column("sort_key", sa.Text(), nullable=False, server_default=""))
        rows = conn.execute(sa.text(f"SELECT rowid, {title} FROM {table}")).fetchall()
        conn.execute(sa.text(f"UPDATE {table} SET sort_key = :k WHERE rowid = :r"),
                     [{"k": _sort_string(t), "r": r} for r, t in rows]) if rows else None
        op.create_index(f"ix_{table}_live_sort_key", table, ["deleted", "sort_key"])
        if event:
            op.create_index(f"ix_{table}_unit_{event}", table, ["unit_id", "deleted", event])
        # Trigram index on the folded search text: substring search in milliseconds on 500,000 rows.
        conn.execute(sa.text(f"CREATE VIRTUAL TABLE {table}_fts USING fts5(search_text, content='{table}', "
                             f"content_rowid='rowid', tokenize='trigram')"))
        conn.execute(sa.text(f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN "
                             f"INSERT INTO {table}_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END"))
        conn.execute(sa.text(f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN "
                             f"INSERT INTO {table}_fts({table}_fts, rowid, search_text) "
                             f"VALUES ('delete', old.rowid, old.search_text); END"))
        conn.execute(sa.text(f"CREATE TRIGGER {table}_fts_au AFTER UPDATE OF search_text ON {table} BEGIN "
                             f"INSERT INTO {table}_fts({table}_fts, rowid, search_text) "
                             f"VALUES ('delete', old.rowid, old.search_text); "
                             f"INSERT INTO {table}_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END"))
        conn.execute(sa.text(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')"))
    op.create_index("ix_petition_live_deadline_status", "petition", ["deleted", "deadline", "status"])


def _upgrade_postgresql(conn: sa.Connection) -> None:
    """The same on a server: sort keys in binary order (escaped, store/postgres.py), pg_trgm instead of FTS5,
    the `vi` collation the lists sort text columns by."""
    from danvan_desktop.store.postgres import VI_COLLATION, sort_key_out, trigram_index_install

    conn.execute(sa.text(VI_COLLATION))
    for table, (title, event) in KINDS.items():
        op.add_column(table, sa.Column("sort_key", sa.Text(collation="C"), nullable=False, server_default=""))
        rows = conn.execute(sa.text(f"SELECT id, {title} FROM {table}")).fetchall()
        if rows:
            conn.execute(sa.text(f"UPDATE {table} SET sort_key = :k WHERE id = :r"),
                         [{"k": sort_key_out(_sort_string(t)), "r": r} for r, t in rows])
        op.create_index(f"ix_{table}_live_sort_key", table, ["deleted", "sort_key"])
        if event:
            op.create_index(f"ix_{table}_unit_{event}", table, ["unit_id", "deleted", event])
        for stmt in trigram_index_install(table):
            conn.exec_driver_sql(stmt)
    op.create_index("ix_petition_live_deadline_status", "petition", ["deleted", "deadline", "status"])


def downgrade() -> None:
    conn = op.get_bind()
    op.drop_index("ix_petition_live_deadline_status", "petition")
    server = conn.dialect.name == "postgresql"
    for table, (_title, event) in KINDS.items():
        if server:
            from danvan_desktop.store.postgres import trigram_index_drop

            for stmt in trigram_index_drop(table):
                conn.exec_driver_sql(stmt)
        else:
            for suffix in ("ai", "ad", "au"):
                conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}"))
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}_fts"))
        if event:
            op.drop_index(f"ix_{table}_unit_{event}", table)
        op.drop_index(f"ix_{table}_live_sort_key", table)
        with op.batch_alter_table(table) as b:
            b.drop_column("sort_key")
