"""An index on ``log_entry.type``.

Revision ID: 0024
Revises: 0023

Every append and checkpoint looks up the log's last ``key-change`` record (a process still
holding a rotated office key must not sign: docs/operations.md "Key ceremony"); without the
index that lookup scans the whole log when there is none.
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_log_entry_type", "log_entry", ["type"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_log_entry_type", table_name="log_entry")
