"""Visits and the annual cap: an index on ``inspection_result.target``.

Revision ID: 0013
Revises: 0010

Entering a result counts the target's results in other tasks, and publishing one looks for the
other tasks' published results of the same day (``joint_with``), both by target
(:mod:`lottery.service.visit_cap`); without the index each is a scan of every result.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspection_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_result_target"), ["target"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_result_target"))
