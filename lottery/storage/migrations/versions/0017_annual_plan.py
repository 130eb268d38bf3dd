"""The annual plan (年度抽查计划): ``plan_version``, one row per published version of a year's plan.

Revision ID: 0017
Revises: 0013

Each row is published as a ``plan`` record (docs/plans.md); tasks name a plan entry in their
parameters (``task.params["plan"]``), which needs no column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_version",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("reason", AutoString(length=2000), nullable=False),
        sa.Column("record_id", AutoString(length=64), nullable=False),
        sa.Column("created_by", AutoString(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["log_entry.record_id"]),
        sa.PrimaryKeyConstraint("year", "version"),
    )


def downgrade() -> None:
    op.drop_table("plan_version")
