"""Two-person cancellation: the ``cancel_request`` table.

Revision ID: 0006
Revises: 0005

A cancellation is first a pending request (who asked, when, why, in which task state); a
second staff member confirms it (then the task is cancelled) or it is rejected or voided
(:mod:`lottery.service.cancellations`). Private state: nothing published is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cancel_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("reason", AutoString(length=2000), nullable=False),
        sa.Column("task_state", AutoString(length=16), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("requested_by", AutoString(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", AutoString(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["task"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cancel_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cancel_request_task"), ["task"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cancel_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cancel_request_task"))
    op.drop_table("cancel_request")
