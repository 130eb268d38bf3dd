"""Login throttling and forced password changes: ``login_throttle``, ``must_change_password``.

Revision ID: 0002
Revises: 0001

Only adds a table and a column: the published tables and their write-once triggers (0001) are
untouched. The column is added in place (SQLite's ALTER TABLE ADD COLUMN), not by rebuilding
``user_account``, which ``api_token`` references.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", AutoString(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_login_throttle_last_failure"), "login_throttle", ["last_failure"], unique=False
    )
    # Existing accounts keep working as before: nobody is forced to change at upgrade.
    op.add_column(
        "user_account",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("must_change_password")
    op.drop_index(op.f("ix_login_throttle_last_failure"), table_name="login_throttle")
    op.drop_table("login_throttle")
