"""Accounts linked to inspectors, and results sent back: two nullable columns.

Revision ID: 0004
Revises: 0003

``user_account.inspector_id``: the inspector (``inspector.id``) an account is; only such an
account enters results in the console, for its own assigned targets. No foreign key: an
inspector leaving the registry must not block the account's history.
``inspection_result.review_note``: the reason a reviewer sent a result back (status
``returned``). Nothing published is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("inspector_id", AutoString(length=64), nullable=True))
    op.add_column(
        "inspection_result", sa.Column("review_note", AutoString(length=2000), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("inspection_result", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("review_note")
    with op.batch_alter_table("user_account", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("inspector_id")
