"""round notes, correction versions, deleted-round log

- audit_round.note: a free-text note about the round ('after FY1 teaching').
- correction.version: the letter version a correction produced, so the audit trail shows which
  of two competing edits won.
- deleted_round: who deleted which round label, when and why. No letter text, no identifiers.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))
    op.create_table('deleted_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('round_label', sa.String(length=200), nullable=False),
    sa.Column('n_letters', sa.Integer(), nullable=False),
    sa.Column('deleted_by', sa.String(length=320), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deleted_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deleted_round_trust_id'), ['trust_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deleted_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deleted_round_trust_id'))
    op.drop_table('deleted_round')
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('audit_round', schema=None) as batch_op:
        batch_op.drop_column('note')
