"""The safe-publication review (保密审查) of rectification orders and re-checks.

Revision ID: 0022
Revises: 0021

``rectification.order_status``: ``published`` (every order made before this revision) or
``reviewing`` (made under publication rules for orders, waiting for the 保密审查; then it has
no ``order_record`` yet). ``order_review`` / ``check_review``: the stored decisions of the
review (by, rules, generalised texts, withheld fields); docs/results.md, docs/spec.md §2.3.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "order_status", AutoString(length=16), nullable=False, server_default="published"
            )
        )
        batch_op.add_column(sa.Column("order_review", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("check_review", sa.JSON(), nullable=True))
        batch_op.alter_column("order_record", existing_type=AutoString(length=64), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.alter_column("order_record", existing_type=AutoString(length=64), nullable=False)
        batch_op.drop_column("check_review")
        batch_op.drop_column("order_review")
        batch_op.drop_column("order_status")
