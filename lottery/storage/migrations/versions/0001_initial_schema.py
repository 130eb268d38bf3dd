"""Initial schema: registries, tasks, secrets, the write-once log, audit trail, users.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

# Published tables are write-once: the database itself refuses UPDATE and DELETE.
WRITE_ONCE = ("log_entry", "blob", "checkpoint", "cosignature")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", AutoString(length=100), nullable=False),
        sa.Column("action", AutoString(length=64), nullable=False),
        sa.Column("object", AutoString(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("remote_addr", AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_time"), ["time"], unique=False)

    op.create_table(
        "blob",
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "checkpoint",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.create_table(
        "cosignature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("key_id", AutoString(length=8), nullable=False),
        sa.Column("line", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["size"], ["checkpoint.size"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("size", "name", "key_id"),
    )
    op.create_table(
        "log_entry",
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_id", AutoString(length=64), nullable=False),
        sa.Column("type", AutoString(length=64), nullable=False),
        sa.Column("task", AutoString(length=64), nullable=True),
        sa.Column("step", AutoString(length=16), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
        sa.UniqueConstraint("record_id"),
        sa.UniqueConstraint("task", "step", name="uq_log_entry_task_step"),
    )
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_entry_task"), ["task"], unique=False)

    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "org_unit",
        sa.Column("code", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("level", AutoString(length=16), nullable=False),
        sa.Column("parent", AutoString(length=64), nullable=True),
        sa.Column("region", AutoString(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent"],
            ["org_unit.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "target",
        sa.Column("uscc", AutoString(length=18), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("type", AutoString(length=64), nullable=False),
        sa.Column("region", AutoString(length=12), nullable=False),
        sa.Column("risk_class", AutoString(length=8), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("bad_records", sa.Integer(), nullable=False),
        sa.Column("serious_violation", sa.Boolean(), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("contact_phone", AutoString(length=64), nullable=True),
        sa.Column("notes", AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("uscc"),
    )
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_region"), ["region"], unique=False)

    op.create_table(
        "task",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("title", AutoString(length=200), nullable=False),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("announcement_record", AutoString(length=64), nullable=True),
        sa.Column("draw_record", AutoString(length=64), nullable=True),
        sa.Column("closing_record", AutoString(length=64), nullable=True),
        sa.Column("cancel_reason", AutoString(), nullable=True),
        sa.Column("created_by", AutoString(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_state"), ["state"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("password_hash", AutoString(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "inspection_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", AutoString(length=18), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("task", AutoString(length=64), nullable=True),
        sa.Column("inspectors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["target"],
            ["target.uscc"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspection_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_history_target"), ["target"], unique=False)

    op.create_table(
        "inspector",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("cert_no", AutoString(length=64), nullable=False),
        sa.Column("cert_valid_from", sa.Date(), nullable=False),
        sa.Column("cert_valid_to", sa.Date(), nullable=False),
        sa.Column("org_unit", AutoString(length=64), nullable=False),
        sa.Column("level", AutoString(length=16), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("phone", AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit"],
            ["org_unit.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cert_no"),
    )
    op.create_table(
        "item_list_version",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("record_id", AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["log_entry.record_id"],
        ),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "sealed_outcome",
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task"],
            ["task.id"],
        ),
        sa.PrimaryKeyConstraint("task"),
    )
    op.create_table(
        "beacon_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("entered_by", AutoString(length=100), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", AutoString(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["task"], ["task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("beacon_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beacon_entry_task"), ["task"], unique=False)

    op.create_table(
        "scheduler_job",
        sa.Column("id", AutoString(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scheduler_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduler_job_next_run_time"), ["next_run_time"], unique=False
        )

    op.create_table(
        "task_secret",
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task"],
            ["task.id"],
        ),
        sa.PrimaryKeyConstraint("task"),
    )
    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector", AutoString(length=64), nullable=False),
        sa.Column("target", AutoString(length=18), nullable=False),
        sa.Column("reason", AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector"],
            ["inspector.id"],
        ),
        sa.ForeignKeyConstraint(
            ["target"],
            ["target.uscc"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspector", "target"),
    )
    op.create_table(
        "api_token",
        sa.Column("token_sha256", AutoString(length=64), nullable=False),
        sa.Column("user", AutoString(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("remote_addr", AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user"], ["user_account.name"]),
        sa.PrimaryKeyConstraint("token_sha256"),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user"), ["user"], unique=False)
    # Results, penalties, reports and the office calendar (lottery/service/results.py...).
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("notice", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(length=64), nullable=False),
        sa.Column("entered_by", AutoString(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "evidence_file",
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "inspection_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("target", AutoString(length=18), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("entered_by", AutoString(length=100), nullable=False),
        sa.Column("approved_by", AutoString(length=100), nullable=True),
        sa.Column("record_id", AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["task"], ["task.id"]),
        sa.ForeignKeyConstraint(["target"], ["target.uscc"]),
        sa.ForeignKeyConstraint(["supersedes"], ["inspection_result.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspection_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_result_task"), ["task"], unique=False)
    op.create_table(
        "task_report",
        sa.Column("task", AutoString(length=64), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("completed", sa.Date(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("text", AutoString(), nullable=False),
        sa.Column("drafted_by", AutoString(length=100), nullable=False),
        sa.Column("approved_by", AutoString(length=100), nullable=True),
        sa.Column("record_id", AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["task"], ["task.id"]),
        sa.PrimaryKeyConstraint("task"),
    )
    op.create_table(
        "penalty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision", AutoString(length=100), nullable=False),
        sa.Column("target", AutoString(length=18), nullable=False),
        sa.Column("decided", sa.Date(), nullable=False),
        sa.Column("publish_until", sa.Date(), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("entered_by", AutoString(length=100), nullable=False),
        sa.Column("approved_by", AutoString(length=100), nullable=True),
        sa.Column("record_id", AutoString(length=64), nullable=True),
        sa.Column("withdrawal_record", AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["target"], ["target.uscc"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision"),
    )
    with op.batch_alter_table("penalty", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_penalty_target"), ["target"], unique=False)
    op.bulk_insert(sa.table("log_head", sa.column("id"), sa.column("size")), [{"id": 1, "size": 0}])
    _write_once_triggers()


def _write_once_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION lottery_write_once() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'published data is write-once: % on % refused', "
            "TG_OP, TG_TABLE_NAME; END $$"
        )
        for table in WRITE_ONCE:
            op.execute(
                f"CREATE TRIGGER {table}_write_once BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION lottery_write_once()"
            )
        return
    for table in WRITE_ONCE:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'published data is write-once: {action} on "
                f"{table} refused'); END"
            )


def _drop_write_once_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WRITE_ONCE:
            op.execute(f"DROP TRIGGER {table}_write_once ON {table}")
        op.execute("DROP FUNCTION lottery_write_once()")
        return
    for table in WRITE_ONCE:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{action}")


def downgrade() -> None:
    _drop_write_once_triggers()
    with op.batch_alter_table("penalty", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_penalty_target"))
    op.drop_table("penalty")
    op.drop_table("task_report")
    with op.batch_alter_table("inspection_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_result_task"))
    op.drop_table("inspection_result")
    op.drop_table("evidence_file")
    op.drop_table("calendar_year")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user"))
    op.drop_table("api_token")
    op.drop_table("conflict")
    op.drop_table("scheduler_job")
    op.drop_table("beacon_entry")
    op.drop_table("task_secret")
    op.drop_table("sealed_outcome")
    op.drop_table("item_list_version")
    op.drop_table("inspector")
    with op.batch_alter_table("inspection_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_history_target"))

    op.drop_table("inspection_history")
    op.drop_table("user_account")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_state"))

    op.drop_table("task")
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_region"))

    op.drop_table("target")
    op.drop_table("org_unit")
    op.drop_table("log_head")
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_entry_task"))

    op.drop_table("log_entry")
    op.drop_table("cosignature")
    op.drop_table("checkpoint")
    op.drop_table("blob")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_time"))

    op.drop_table("audit_event")
