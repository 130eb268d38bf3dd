"""Rectification orders and their re-checks (整改/复查): the ``rectification`` table; and
staff's edited per-target 抽查报告: the ``target_report`` table.

Revision ID: 0011
Revises: 0012

One row per order: published when made (``order_record``); its re-check is entered, then
approved by another person and published (``check_record``). See
:mod:`lottery.service.rectifications`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0011"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("target", AutoString(length=18), nullable=False),
        sa.Column("result_record", AutoString(length=64), nullable=False),
        sa.Column("requirements", AutoString(length=10000), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("ordered_by", AutoString(length=100), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_record", AutoString(length=64), nullable=False),
        sa.Column("check_status", AutoString(length=16), nullable=False),
        sa.Column("check_fields", sa.JSON(), nullable=True),
        sa.Column("check_entered_by", AutoString(length=100), nullable=True),
        sa.Column("check_approved_by", AutoString(length=100), nullable=True),
        sa.Column("check_record", AutoString(length=64), nullable=True),
        sa.Column("check_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["task"], ["task.id"]),
        sa.ForeignKeyConstraint(["target"], ["target.uscc"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectification_task"), ["task"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rectification_order_record"), ["order_record"], unique=False
        )

    op.create_table(
        "target_report",
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("target", AutoString(length=18), nullable=False),
        sa.Column("result_record", AutoString(length=64), nullable=False),
        sa.Column("text", AutoString(length=20000), nullable=False),
        sa.Column("edited_by", AutoString(length=100), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task"], ["task.id"]),
        sa.ForeignKeyConstraint(["target"], ["target.uscc"]),
        sa.PrimaryKeyConstraint("task", "target"),
    )


def downgrade() -> None:
    op.drop_table("target_report")
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_order_record"))
        batch_op.drop_index(batch_op.f("ix_rectification_task"))
    op.drop_table("rectification")
