"""Merging packages: the package ledger, what undo needs (added ids, replaced versions), conflicts.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_added',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('records', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_log.id'], name=op.f('fk_import_added_import_id_import_log')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_added'))
    )
    op.create_index(op.f('ix_import_added_import_id'), 'import_added', ['import_id'], unique=False)
    op.create_table('import_replaced',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('revision_after', sa.Integer(), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_log.id'], name=op.f('fk_import_replaced_import_id_import_log')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_replaced'))
    )
    op.create_index(op.f('ix_import_replaced_import_id'), 'import_replaced', ['import_id'], unique=False)
    op.create_index(op.f('ix_import_replaced_record_id'), 'import_replaced', ['record_id'], unique=False)
    op.create_table('merge_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('local_revision', sa.Integer(), nullable=False),
    sa.Column('incoming_revision', sa.Integer(), nullable=False),
    sa.Column('incoming_hash', sa.String(length=64), nullable=False),
    sa.Column('incoming', sa.Text(), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_log.id'], name=op.f('fk_merge_conflict_import_id_import_log')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_conflict'))
    )
    op.create_index(op.f('ix_merge_conflict_import_id'), 'merge_conflict', ['import_id'], unique=False)
    op.create_index(op.f('ix_merge_conflict_record_id'), 'merge_conflict', ['record_id'], unique=False)
    op.create_index(op.f('ix_merge_conflict_status'), 'merge_conflict', ['status'], unique=False)
    op.create_table('package_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('exported_at', sa.DateTime(), nullable=True),
    sa.Column('exported_by', sa.String(length=64), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.Column('undone_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['import_log.id'], name=op.f('fk_package_import_id_import_log')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_import'))
    )
    op.create_index(op.f('ix_package_import_status'), 'package_import', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_package_import_status'), table_name='package_import')
    op.drop_table('package_import')
    op.drop_index(op.f('ix_merge_conflict_status'), table_name='merge_conflict')
    op.drop_index(op.f('ix_merge_conflict_record_id'), table_name='merge_conflict')
    op.drop_index(op.f('ix_merge_conflict_import_id'), table_name='merge_conflict')
    op.drop_table('merge_conflict')
    op.drop_index(op.f('ix_import_replaced_record_id'), table_name='import_replaced')
    op.drop_index(op.f('ix_import_replaced_import_id'), table_name='import_replaced')
    op.drop_table('import_replaced')
    op.drop_index(op.f('ix_import_added_import_id'), table_name='import_added')
    op.drop_table('import_added')
