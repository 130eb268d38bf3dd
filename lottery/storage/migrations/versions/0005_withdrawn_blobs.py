"""Withdrawal that removes: ``withdrawn_blob``, and a blob may be deleted once withdrawn.

Revision ID: 0005
Revises: 0004

A sealed blob (docs/spec.md §2.1) leaves the ``blob`` table when a ``penalty-withdrawal``
record withdraws it. The database keeps refusing every UPDATE of ``blob`` and every DELETE of
a blob that is not listed in ``withdrawn_blob`` (written in the same transaction as the
withdrawal record); ``withdrawn_blob`` itself is write-once. Log entries, checkpoints and
cosignatures are untouched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_REFUSE = "published data is write-once"


def upgrade() -> None:
    op.create_table(
        "withdrawn_blob",
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("record_id", AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER blob_write_once ON blob")
        op.execute(
            "CREATE TRIGGER blob_write_once BEFORE UPDATE ON blob "
            "FOR EACH ROW EXECUTE FUNCTION lottery_write_once()"
        )
        op.execute(
            "CREATE FUNCTION lottery_blob_delete() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF EXISTS (SELECT 1 FROM withdrawn_blob WHERE sha256 = OLD.sha256) "
            "THEN RETURN OLD; END IF; RAISE EXCEPTION 'published data is write-once: DELETE "
            "on blob refused (not withdrawn)'; END $$"
        )
        op.execute(
            "CREATE TRIGGER blob_delete_withdrawn BEFORE DELETE ON blob "
            "FOR EACH ROW EXECUTE FUNCTION lottery_blob_delete()"
        )
        op.execute(
            "CREATE TRIGGER withdrawn_blob_write_once BEFORE UPDATE OR DELETE ON withdrawn_blob "
            "FOR EACH ROW EXECUTE FUNCTION lottery_write_once()"
        )
        return
    op.execute("DROP TRIGGER blob_no_delete")
    op.execute(
        "CREATE TRIGGER blob_no_delete BEFORE DELETE ON blob "
        "WHEN NOT EXISTS (SELECT 1 FROM withdrawn_blob WHERE sha256 = OLD.sha256) "
        "BEGIN SELECT RAISE(ABORT, 'published data is write-once: DELETE on blob refused "
        "(not withdrawn)'); END"
    )
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER withdrawn_blob_no_{action.lower()} BEFORE {action} "
            f"ON withdrawn_blob BEGIN SELECT RAISE(ABORT, '{_REFUSE}: {action} on "
            "withdrawn_blob refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER withdrawn_blob_write_once ON withdrawn_blob")
        op.execute("DROP TRIGGER blob_delete_withdrawn ON blob")
        op.execute("DROP FUNCTION lottery_blob_delete()")
        op.execute("DROP TRIGGER blob_write_once ON blob")
        op.execute(
            "CREATE TRIGGER blob_write_once BEFORE UPDATE OR DELETE ON blob "
            "FOR EACH ROW EXECUTE FUNCTION lottery_write_once()"
        )
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER withdrawn_blob_no_{action}")
        op.execute("DROP TRIGGER blob_no_delete")
        op.execute(
            "CREATE TRIGGER blob_no_delete BEFORE DELETE ON blob "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}: DELETE on blob refused'); END"
        )
    op.drop_table("withdrawn_blob")
