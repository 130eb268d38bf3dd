"""The pusher's view of each witness: the ``witness_state`` table.

Revision ID: 0023
Revises: 0022

Per configured witness: the size it cosigned last, the last success, the last error and the
backoff (docs/witness.md, "The pusher").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witness_state",
        sa.Column("name", AutoString(length=64), nullable=False),
        sa.Column("vkey", AutoString(length=300), nullable=False),
        sa.Column("url", AutoString(length=500), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("last_success", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", AutoString(length=1000), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("witness_state")
