"""Org-scoped accounts: ``user_account.org_unit``, the unit an account acts within.

Revision ID: 0010
Revises: 0011

An account acts within its org unit and the units below it (:mod:`lottery.service.org_scope`).
Existing accounts keep every right they had: when the registry holds exactly one top-level
unit (the city), they are put in it; otherwise (no registry imported yet, or several roots)
the column stays empty, which means the whole office. No foreign key: an org unit leaving the
registry must not block the account or its history. Nothing published is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0010"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("org_unit", AutoString(length=64), nullable=True))
    conn = op.get_bind()
    roots = list(conn.execute(sa.text("SELECT code FROM org_unit WHERE parent IS NULL")).scalars())
    if len(roots) == 1:
        conn.execute(
            sa.text("UPDATE user_account SET org_unit = :root WHERE org_unit IS NULL"),
            {"root": roots[0]},
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("org_unit")
