"""The secrets key's check value: the ``secrets_key_check`` table.

Revision ID: 0025
Revises: 0024

One row holding HMAC-SHA256(key, "lottery secrets key check v1") of the secrets key the sealed
rows belong to (never the key): a start with another key file is refused, and the key file is
made automatically only for a database without sealed rows (docs/secrets.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "secrets_key_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_value", AutoString(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("secrets_key_check")
