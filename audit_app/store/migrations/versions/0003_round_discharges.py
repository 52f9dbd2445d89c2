"""round discharges

- audit_round.discharges: the number of discharges in the round's period, the denominator of the
  programme's 'per 100 discharges' measures (entered or imported with the round).

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discharges', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_round', schema=None) as batch_op:
        batch_op.drop_column('discharges')
