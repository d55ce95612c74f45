"""Global unit identity (SPEC §2), per-office key trust, undo that leaves tombstones.

Units get `uid` ("scheme:code" for official units, a UUID derived from parent and code for the others, as
domain/unit_identity.py computes it for new units and for older packages); a code is then unique only among
siblings (batch mode rebuilds the unit table: store/database.py runs migrations with foreign keys off and
checks them after). The ledger keeps the sender's identity; pinned keys are re-keyed from unit code to identity; two
tables remember what each import delivered and the tombstones undo left; record tables get `stored_at`.

Revision ID: 0004
Revises: 0003
"""
import json

import sqlalchemy as sa
from alembic import op

from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.domain.unit_identity import unit_identity

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _identities(conn: sa.Connection) -> dict[int, str]:
    rows = conn.execute(sa.text("SELECT id, code, scheme, parent_id FROM unit")).all()
    by_id = {r[0]: r for r in rows}
    out: dict[int, str] = {}

    def ident(i: int) -> str:
        if i not in out:
            _, code, scheme, parent = by_id[i]
            out[i] = unit_identity(scheme, code, ident(parent) if parent in by_id else None)
        return out[i]

    for i in by_id:
        ident(i)
    return out


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("unit") as b:
        b.add_column(sa.Column("uid", sa.String(length=64), nullable=False, server_default=""))
    for i, uid in _identities(conn).items():
        conn.execute(sa.text("UPDATE unit SET uid = :u WHERE id = :i"), {"u": uid, "i": i})
    with op.batch_alter_table("unit") as b:
        b.alter_column("uid", server_default=None)
        b.drop_constraint("uq_unit_code", type_="unique")
        b.create_index("ix_unit_code", ["code"], unique=False)
        b.create_unique_constraint("uq_unit_uid", ["uid"])
        b.create_unique_constraint("uq_unit_parent_code", ["parent_id", "code"])
    with op.batch_alter_table("import_log") as b:
        b.add_column(sa.Column("unit_uid", sa.String(length=64), nullable=False, server_default=""))
        b.create_index("ix_import_log_unit_uid", ["unit_uid"], unique=False)
    # Before identities, codes were unique: the ledger's code names one unit.
    conn.execute(sa.text("UPDATE import_log SET unit_uid = COALESCE((SELECT uid FROM unit WHERE unit.code = "
                         "import_log.unit_code), '')"))
    home = conn.execute(sa.text("SELECT value FROM setting WHERE key = 'home_unit'")).scalar()
    if home is not None:
        uid = conn.execute(sa.text("SELECT uid FROM unit WHERE code = :c"), {"c": json.loads(home)}).scalar()
        if uid:
            conn.execute(sa.text("INSERT INTO setting (key, value) VALUES ('home_unit_uid', :v)"),
                         {"v": json.dumps(uid)})
    keys = conn.execute(sa.text("SELECT value FROM setting WHERE key = 'trusted_keys'")).scalar()
    if keys:
        old = json.loads(keys) or {}
        new = {}
        for code, entry in old.items():
            uid = conn.execute(sa.text("SELECT uid FROM unit WHERE code = :c"), {"c": code}).scalar()
            new[uid or code] = {**entry, "code": code}
        conn.execute(sa.text("UPDATE setting SET value = :v WHERE key = 'trusted_keys'"),
                     {"v": json.dumps(new, ensure_ascii=False)})
    op.create_table("import_delivered",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("import_id", sa.Integer(), nullable=False),
                    sa.Column("kind", sa.String(length=32), nullable=False),
                    sa.Column("records", sa.Text(), nullable=False),
                    sa.ForeignKeyConstraint(["import_id"], ["import_log.id"],
                                            name=op.f("fk_import_delivered_import_id_import_log")),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_import_delivered")))
    for k in KINDS:
        op.add_column(k.key, sa.Column("stored_at", sa.DateTime(), nullable=True))
    op.create_index(op.f("ix_import_delivered_import_id"), "import_delivered", ["import_id"], unique=False)
    op.create_table("withdrawn",
                    sa.Column("record_id", sa.String(length=36), nullable=False),
                    sa.Column("kind", sa.String(length=32), nullable=False),
                    sa.Column("revision", sa.Integer(), nullable=False),
                    sa.Column("at", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("record_id", name=op.f("pk_withdrawn")))


def downgrade() -> None:
    conn = op.get_bind()
    keys = conn.execute(sa.text("SELECT value FROM setting WHERE key = 'trusted_keys'")).scalar()
    if keys:
        by_code = {e.get("code") or uid: {k: v for k, v in e.items() if k not in ("code", "name")}
                   for uid, e in (json.loads(keys) or {}).items()}
        conn.execute(sa.text("UPDATE setting SET value = :v WHERE key = 'trusted_keys'"),
                     {"v": json.dumps(by_code, ensure_ascii=False)})
    conn.execute(sa.text("DELETE FROM setting WHERE key = 'home_unit_uid'"))
    for k in KINDS:
        with op.batch_alter_table(k.key) as b:
            b.drop_column("stored_at")
    op.drop_table("withdrawn")
    op.drop_index(op.f("ix_import_delivered_import_id"), table_name="import_delivered")
    op.drop_table("import_delivered")
    with op.batch_alter_table("import_log") as b:
        b.drop_index("ix_import_log_unit_uid")
        b.drop_column("unit_uid")
    with op.batch_alter_table("unit") as b:
        b.drop_constraint("uq_unit_parent_code", type_="unique")
        b.drop_constraint("uq_unit_uid", type_="unique")
        b.drop_index("ix_unit_code")
        b.create_unique_constraint("uq_unit_code", ["code"])
        b.drop_column("uid")
