"""letter measures

- letter_measure: one letter's facts for the programme measures (OME, items, starts, MR starts,
  pre-admission dose, escalation, referral prompt, safety flag codes), a derived cache that lets a
  network aggregate them with GROUP BY; letter_version and basis say what it was computed from.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter_measure',
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('letter_version', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=40), nullable=False),
    sa.Column('has_opioid', sa.Boolean(), nullable=True),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.Column('ome', sa.Float(), nullable=True),
    sa.Column('ome_complete', sa.Boolean(), nullable=False),
    sa.Column('n_items', sa.Integer(), nullable=True),
    sa.Column('new_items', sa.Integer(), nullable=True),
    sa.Column('new_starts', sa.Integer(), nullable=True),
    sa.Column('new_mr_items', sa.Integer(), nullable=True),
    sa.Column('pre_admission', sa.Boolean(), nullable=False),
    sa.Column('pre_admission_ome', sa.Float(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('dose_reduced', sa.Boolean(), nullable=False),
    sa.Column('referral_prompt', sa.Boolean(), nullable=False),
    sa.Column('safety_flags', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('letter_id')
    )
    with op.batch_alter_table('letter_measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_measure_round_id'), ['round_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('letter_measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_measure_round_id'))
    op.drop_table('letter_measure')
