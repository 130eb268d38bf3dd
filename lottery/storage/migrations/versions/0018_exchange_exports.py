"""The exchange with the national platforms: the ``exchange_export`` table.

Revision ID: 0018
Revises: 0013

One row per exported file (docs/exchange.md): format, kind, year, file type, row count, the
file's SHA-256 and size, who made it and when, and the day staff marked it sent (报送).
See :mod:`lottery.service.exchange`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0018"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("format", AutoString(length=16), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("file_type", AutoString(length=8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("made_by", AutoString(length=100), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("sent_by", AutoString(length=100), nullable=True),
        sa.Column("sent_marked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("exchange_export")
