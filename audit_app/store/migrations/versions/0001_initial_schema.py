"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 22:21:11.417559
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trust',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=True),
    sa.Column('keep_identifiers', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('name')
    )
    op.create_table('audit_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('standards_version', sa.Integer(), nullable=True),
    sa.Column('source_file', sa.String(length=500), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trust_id', 'label', name='uq_round_label')
    )
    with op.batch_alter_table('audit_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_round_trust_id'), ['trust_id'], unique=False)

    op.create_table('column_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('column_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_column_mapping_trust_id'), ['trust_id'], unique=False)

    op.create_table('pdsa_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('cycle_no', sa.Integer(), nullable=True),
    sa.Column('change_idea', sa.Text(), nullable=True),
    sa.Column('date_start', sa.Date(), nullable=True),
    sa.Column('date_end', sa.Date(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pdsa_cycle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pdsa_cycle_trust_id'), ['trust_id'], unique=False)

    op.create_table('standards_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trust_id', 'version', name='uq_standards_version')
    )
    with op.batch_alter_table('standards_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standards_version_trust_id'), ['trust_id'], unique=False)

    op.create_table('user_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_email', sa.String(length=320), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_email', 'trust_id', name='uq_user_trust')
    )
    with op.batch_alter_table('user_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_access_trust_id'), ['trust_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_access_user_email'), ['user_email'], unique=False)

    op.create_table('import_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('sheet', sa.String(length=200), nullable=True),
    sa.Column('row', sa.Integer(), nullable=True),
    sa.Column('column', sa.String(length=200), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['audit_round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_issue_round_id'), ['round_id'], unique=False)

    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('letter_key', sa.String(length=80), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('comparisons', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['audit_round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_letter_key'), ['letter_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_round_id'), ['round_id'], unique=False)

    op.create_table('correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_letter_id'), ['letter_id'], unique=False)

    op.create_table('extraction_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('extractor_version', sa.String(length=50), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('letter_id')
    )
    op.create_table('standard_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.String(length=20), nullable=False),
    sa.Column('item_index', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('exclusion_code', sa.String(length=20), nullable=True),
    sa.Column('standards_version', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('standard_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_result_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_result_standard_id'), ['standard_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('standard_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standard_result_standard_id'))
        batch_op.drop_index(batch_op.f('ix_standard_result_letter_id'))

    op.drop_table('standard_result')
    op.drop_table('extraction_result')
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_letter_id'))

    op.drop_table('correction')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_round_id'))
        batch_op.drop_index(batch_op.f('ix_letter_letter_key'))

    op.drop_table('letter')
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_issue_round_id'))

    op.drop_table('import_issue')
    with op.batch_alter_table('user_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_access_user_email'))
        batch_op.drop_index(batch_op.f('ix_user_access_trust_id'))

    op.drop_table('user_access')
    with op.batch_alter_table('standards_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standards_version_trust_id'))

    op.drop_table('standards_version')
    with op.batch_alter_table('pdsa_cycle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pdsa_cycle_trust_id'))

    op.drop_table('pdsa_cycle')
    with op.batch_alter_table('column_mapping', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_column_mapping_trust_id'))

    op.drop_table('column_mapping')
    with op.batch_alter_table('audit_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_round_trust_id'))

    op.drop_table('audit_round')
    op.drop_table('trust')
