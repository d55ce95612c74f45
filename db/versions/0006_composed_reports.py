"""Composed reports (SPEC §5.1): drafts per unit and period, their sections, issued copies, texts from below.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_report_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    op.create_index(op.f("ix_report_unit_id"), "report", ["unit_id"], unique=False)
    op.create_index("ux_report_unit_period", "report", ["unit_id", "period"], unique=True)
    op.create_table(
        "report_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("writable", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("generated", sa.Text(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("own", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_report_section_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_section")),
    )
    op.create_index(op.f("ix_report_section_report_id"), "report_section", ["report_id"], unique=False)
    op.create_index("ux_report_section_key", "report_section", ["report_id", "key"], unique=True)
    op.create_table(
        "report_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("issue_no", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("file_name", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_report_issue_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_issue")),
    )
    op.create_index(op.f("ix_report_issue_report_id"), "report_issue", ["report_id"], unique=False)
    op.create_table(
        "report_child_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_report_child_text_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_child_text")),
    )
    op.create_index(op.f("ix_report_child_text_unit_id"), "report_child_text", ["unit_id"], unique=False)
    op.create_index("ux_report_child_text", "report_child_text", ["unit_id", "period", "key"], unique=True)


def downgrade() -> None:
    op.drop_table("report_child_text")
    op.drop_table("report_issue")
    op.drop_table("report_section")
    op.drop_table("report")
