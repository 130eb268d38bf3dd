"""Joint tasks (部门联合抽查): each inspector's department.

Revision ID: 0020
Revises: 0013

``inspector.department`` is the 所属部门 column of the inspectors registry: empty for the
office's own inspectors (named with the office's name wherever it is read), otherwise the
other department (住建, 消防 ...) whose inspector joins the office's joint tasks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspector", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("department", sa.String(length=100), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("inspector", schema=None) as batch_op:
        batch_op.drop_column("department")
