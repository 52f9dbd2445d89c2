"""networks: named sets of trusts, their membership and their leads

- network: name, whether member trusts see each other by name (name_trusts).
- network_trust: which trusts are in which network (id order fixes the anonymous letters).
- network_lead: which signed-in users lead which network.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('network',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_trusts', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('network_trust',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network_id', 'trust_id', name='uq_network_trust')
    )
    with op.batch_alter_table('network_trust', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_trust_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_trust_trust_id'), ['trust_id'], unique=False)
    op.create_table('network_lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_email', sa.String(length=320), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_email', 'network_id', name='uq_network_lead')
    )
    with op.batch_alter_table('network_lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_lead_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_lead_user_email'), ['user_email'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('network_lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_lead_user_email'))
        batch_op.drop_index(batch_op.f('ix_network_lead_network_id'))
    op.drop_table('network_lead')
    with op.batch_alter_table('network_trust', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_trust_trust_id'))
        batch_op.drop_index(batch_op.f('ix_network_trust_network_id'))
    op.drop_table('network_trust')
    op.drop_table('network')
