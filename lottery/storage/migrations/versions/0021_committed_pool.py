"""Committed pools: the ``withheld_target_type`` and ``target_commitment`` tables.

Revision ID: 0021
Revises: 0020

Target types whose identity the office withholds, and each withheld target's stable
commitment (its id, the name committed to, and the salt that opens it): docs/spec.md §4
"Committed pools", docs/service.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withheld_target_type",
        sa.Column("type", AutoString(length=64), nullable=False),
        sa.Column("set_by", AutoString(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("type"),
    )
    op.create_table(
        "target_commitment",
        sa.Column("uscc", AutoString(length=18), nullable=False),
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("uscc"),
        sa.UniqueConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("target_commitment")
    op.drop_table("withheld_target_type")
