"""Objections (异议) to published results: the ``objection`` table.

Revision ID: 0016
Revises: 0013

One row per objection: recorded by staff (its text confidential, never published), then
decided by another person and published as an ``objection-outcome`` record
(``outcome_record``). See :mod:`lottery.service.objections`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("target", AutoString(length=18), nullable=False),
        sa.Column("result_record", AutoString(length=64), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("text", AutoString(length=10000), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_workdays", sa.Integer(), nullable=False),
        sa.Column("period_due", sa.Date(), nullable=False),
        sa.Column("recorded_by", AutoString(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("outcome", AutoString(length=16), nullable=True),
        sa.Column("correction_record", AutoString(length=64), nullable=True),
        sa.Column("reason", AutoString(length=2000), nullable=True),
        sa.Column("decided_by", AutoString(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_record", AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["task"], ["task.id"]),
        sa.ForeignKeyConstraint(["target"], ["target.uscc"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_task"), ["task"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_task"))
    op.drop_table("objection")
