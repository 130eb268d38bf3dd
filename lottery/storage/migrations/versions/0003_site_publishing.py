"""The public site publishes itself: ``site_lease`` (one row) and ``site_publication``.

Revision ID: 0003
Revises: 0002

Only adds tables: nothing published is touched. The lease row is inserted here, so that two
instances never race to create it (they only ever update it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    lease = op.create_table(
        "site_lease",
        sa.Column("name", AutoString(length=32), nullable=False),
        sa.Column("holder", AutoString(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(lease, [{"name": "site"}])
    op.create_table(
        "site_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder", AutoString(length=64), nullable=False),
        sa.Column("actor", AutoString(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("build", AutoString(length=64), nullable=True),
        sa.Column("error", AutoString(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_site_publication_started_at"), "site_publication", ["started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_site_publication_started_at"), table_name="site_publication")
    op.drop_table("site_publication")
    op.drop_table("site_lease")
