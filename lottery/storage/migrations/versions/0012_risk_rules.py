"""Risk rules that act: ``item_list_version.risk_rules``.

Revision ID: 0012
Revises: 0009

An item-list version may say how complaints, bad records and serious violations raise a
target's risk class and which classes the annual cap does not apply to
(:mod:`lottery.core.risk_rules`). Versions stored before have none (NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("item_list_version", sa.Column("risk_rules", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("item_list_version", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("risk_rules")
