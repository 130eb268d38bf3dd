"""The law's documents of an inspection: the ``document`` table (issue #16).

Revision ID: 0009
Revises: 0006

行政检查通知书, 现场检查笔录 and 检查结果告知书 as issued PDFs with their office numbers
(:mod:`lottery.service.documents`). Private state: only a document's number and SHA-256 are
published, inside the inspection-result record.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("office", AutoString(length=200), nullable=False),
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("target", AutoString(length=18), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", AutoString(length=100), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("result", sa.Integer(), nullable=True),
        sa.Column("data_sha256", AutoString(length=64), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", AutoString(length=100), nullable=False),
        sa.ForeignKeyConstraint(["task"], ["task.id"]),
        sa.ForeignKeyConstraint(["result"], ["inspection_result.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "year", "seq", name="uq_document_kind_year_seq"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_task"), ["task"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_task"))
    op.drop_table("document")
