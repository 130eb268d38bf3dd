"""SQLModel tables: registries (private state), tasks, the log and the audit trail.

Two kinds of data live here:

- **Private state** (registries with private fields, tasks, users, audit events): ordinary
  rows the service updates.
- **Published data** (``log_entry``, ``blob``, ``checkpoint``): the exact signed bytes, written
  once by :mod:`lottery.service.log` and never updated or deleted. Verifiers hash these bytes;
  nothing is ever rebuilt from other columns.

Office secrets and sealed outcomes are stored only encrypted (:mod:`lottery.service.secrets`);
an outcome enters ``blob`` (public) only when it is revealed.

Dates are ``date`` columns; times are timezone-aware UTC ``datetime`` columns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    LargeBinary,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

TASK_STATES = ("draft", "announced", "drawn", "disclosed", "closed", "cancelled")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone: add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(**kw: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kw))


def _json(*, default_factory: Any = None) -> Any:
    if default_factory is None:
        return Field(sa_column=Column(JSON, nullable=False))
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


def _bytes(**kw: Any) -> Any:
    return Field(sa_column=Column(LargeBinary, **kw))


# --- registries ---------------------------------------------------------------------------


class OrgUnit(SQLModel, table=True):
    """An org unit (组织机构): a city or a county/district under it."""

    __tablename__ = "org_unit"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    level: str = Field(max_length=16)  # "city" | "county"
    parent: str | None = Field(default=None, foreign_key="org_unit.code", max_length=64)
    region: str | None = Field(default=None, max_length=12)  # division code it governs


class Target(SQLModel, table=True):
    """A market entity of the target registry (R2), keyed by its USCC."""

    __tablename__ = "target"

    uscc: str = Field(primary_key=True, max_length=18)
    name: str = Field(max_length=200)
    type: str = Field(max_length=64)
    region: str = Field(index=True, max_length=12)
    risk_class: str = Field(max_length=8)
    complaints: int = 0  # 投诉举报次数 (R4: more checks for many complaints)
    bad_records: int = 0  # 不良记录次数
    serious_violation: bool = False
    status: str = Field(default="active", max_length=16)  # active | closed | ...
    # Private: never published.
    contact_phone: str | None = Field(default=None, max_length=64)
    notes: str | None = None


class Inspector(SQLModel, table=True):
    """A certified inspector (R3); ``id`` is the staff/certificate number used in draws."""

    __tablename__ = "inspector"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    cert_no: str = Field(unique=True, max_length=64)
    cert_valid_from: date
    cert_valid_to: date
    org_unit: str = Field(foreign_key="org_unit.code", max_length=64)
    level: str = Field(max_length=16)
    specialties: list[str] = _json(default_factory=list)
    status: str = Field(default="active", max_length=16)
    phone: str | None = Field(default=None, max_length=64)  # private
    # 所属部门 (部门联合抽查): empty for the office's own inspectors, named on reading.
    department: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})


class Conflict(SQLModel, table=True):
    """A declared conflict of interest (回避); the reason is private."""

    __tablename__ = "conflict"
    __table_args__ = (UniqueConstraint("inspector", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    inspector: str = Field(foreign_key="inspector.id", max_length=64)
    target: str = Field(foreign_key="target.uscc", max_length=18)
    reason: str = ""


class InspectionHistory(SQLModel, table=True):
    """A past inspection: counts toward the annual cap and bars the same inspectors."""

    __tablename__ = "inspection_history"

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(foreign_key="target.uscc", index=True, max_length=18)
    date: date
    task: str | None = Field(default=None, max_length=64)
    inspectors: list[str] = _json(default_factory=list)


class ItemListVersion(SQLModel, table=True):
    """One version of the item list (R1); published as an ``item-list`` record."""

    __tablename__ = "item_list_version"

    version: int = Field(primary_key=True)
    effective: date
    items: list[dict[str, Any]] = _json()
    record_id: str | None = Field(default=None, foreign_key="log_entry.record_id", max_length=64)
    created_at: datetime = _utc(nullable=False)
    # The version's risk rules (lottery.core.risk_rules; None: none), migration 0012.
    risk_rules: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class PlanVersion(SQLModel, table=True):
    """One version of a year's annual plan (年度抽查计划, docs/plans.md); published as a
    ``plan`` record. ``entries`` as the record carries them; migration 0017."""

    __tablename__ = "plan_version"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    entries: list[dict[str, Any]] = _json()
    reason: str = Field(default="", max_length=2000)
    record_id: str = Field(foreign_key="log_entry.record_id", max_length=64)
    created_by: str = Field(max_length=100)
    created_at: datetime = _utc(nullable=False)


# --- results, penalties, reports, the office calendar (docs/results.md) ----------------------


class CalendarYear(SQLModel, table=True):
    """The office's working-day data for one year; overrides the built-in calendar."""

    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    holidays: list[str] = _json(default_factory=list)  # YYYY-MM-DD
    workdays: list[str] = _json(default_factory=list)  # adjusted workdays (调休上班)
    notice: str = ""
    record_id: str = Field(max_length=64)  # the latest ``calendar`` record
    entered_by: str = Field(max_length=100)
    updated_at: datetime = _utc(nullable=False)


class EvidenceFile(SQLModel, table=True):
    """An evidence file of an inspection (private; only its SHA-256 is published)."""

    __tablename__ = "evidence_file"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    data: bytes = _bytes(nullable=False)
    created_at: datetime = _utc(nullable=False)


class InspectionResult(SQLModel, table=True):
    """An inspection result: entered, then approved and published (``inspection-result``).

    ``status``: entered -> published -> superseded (by a published correction), or entered ->
    returned (sent back by a reviewer, with ``review_note``; the inspector enters it anew).
    Of a task still sealed (drawn): entered -> held (approved, not published) -> published by
    the disclosure, or held -> returned (docs/results.md "Need to know").
    ``fields`` holds the record fields except the approval, exactly as they will be published.
    """

    __tablename__ = "inspection_result"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(foreign_key="task.id", index=True, max_length=64)
    target: str = Field(foreign_key="target.uscc", index=True, max_length=18)  # 0013
    status: str = Field(default="entered", max_length=16)
    fields: dict[str, Any] = _json()
    supersedes: int | None = Field(default=None, foreign_key="inspection_result.id")
    entered_by: str = Field(max_length=100)
    approved_by: str | None = Field(default=None, max_length=100)
    record_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _utc(nullable=False)
    published_at: datetime | None = _utc(nullable=True)
    review_note: str | None = Field(default=None, max_length=2000)  # why it was sent back


class TaskReport(SQLModel, table=True):
    """The task report (抽查报告) of a task: a generated draft, completed, then published."""

    __tablename__ = "task_report"

    task: str = Field(primary_key=True, foreign_key="task.id", max_length=64)
    status: str = Field(default="draft", max_length=16)  # draft | published
    completed: date
    summary: dict[str, Any] = _json()
    results: list[str] = _json(default_factory=list)  # result record ids it covers
    text: str
    drafted_by: str = Field(max_length=100)
    approved_by: str | None = Field(default=None, max_length=100)
    record_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _utc(nullable=False)
    published_at: datetime | None = _utc(nullable=True)


class Penalty(SQLModel, table=True):
    """A penalty decision (行政处罚): entered, published (``penalty``), later withdrawn.

    ``status``: entered -> published -> withdrawn.
    """

    __tablename__ = "penalty"

    id: int | None = Field(default=None, primary_key=True)
    decision: str = Field(unique=True, max_length=100)
    target: str = Field(foreign_key="target.uscc", index=True, max_length=18)
    decided: date
    publish_until: date
    status: str = Field(default="entered", max_length=16)
    fields: dict[str, Any] = _json()
    entered_by: str = Field(max_length=100)
    approved_by: str | None = Field(default=None, max_length=100)
    record_id: str | None = Field(default=None, max_length=64)
    withdrawal_record: str | None = Field(default=None, max_length=64)
    created_at: datetime = _utc(nullable=False)
    published_at: datetime | None = _utc(nullable=True)


# --- tasks ---------------------------------------------------------------------------------


class Task(SQLModel, table=True):
    """A task (one draw). ``state`` only moves forward, by conditional updates."""

    __tablename__ = "task"

    id: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=200)
    state: str = Field(default="draft", index=True, max_length=16)
    params: dict[str, Any] = _json()
    announcement_record: str | None = Field(default=None, max_length=64)
    draw_record: str | None = Field(default=None, max_length=64)
    closing_record: str | None = Field(default=None, max_length=64)  # reveal or cancellation
    cancel_reason: str | None = None
    created_by: str = Field(max_length=100)
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)


class TaskSecret(SQLModel, table=True):
    """The office secret of a task, encrypted (one per task, written before the commitment)."""

    __tablename__ = "task_secret"

    task: str = Field(primary_key=True, foreign_key="task.id", max_length=64)
    ciphertext: bytes = _bytes(nullable=False)
    created_at: datetime = _utc(nullable=False)


class SecretsKeyCheck(SQLModel, table=True):
    """Which secrets key the sealed rows belong to, without the key (docs/secrets.md, "Key
    check value"): one row (``id`` 1) holding HMAC-SHA256(key, "lottery secrets key check v1")
    in hex, written when the key is first made, rotated or replaced after a loss."""

    __tablename__ = "secrets_key_check"

    id: int = Field(default=1, primary_key=True)
    check_value: str = Field(max_length=64)
    updated_at: datetime = _utc(nullable=False)


class SealedOutcome(SQLModel, table=True):
    """The outcome blob of a drawn task, encrypted until it is revealed (R6)."""

    __tablename__ = "sealed_outcome"

    task: str = Field(primary_key=True, foreign_key="task.id", max_length=64)
    sha256: str = Field(max_length=64)
    ciphertext: bytes = _bytes(nullable=False)
    created_at: datetime = _utc(nullable=False)


class BeaconEntry(SQLModel, table=True):
    """Public numbers typed in by one staff member, waiting for a second one to confirm.

    ``status``: pending -> confirmed (the numbers were drawn with) or rejected (a mismatching
    confirmation voided them). At most one pending entry per task (checked under the task
    row lock by :mod:`lottery.service.beacons`).
    """

    __tablename__ = "beacon_entry"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(foreign_key="task.id", index=True, max_length=64)
    numbers: list[list[int]] = _json()
    fallback: bool = False
    status: str = Field(default="pending", max_length=16)
    entered_by: str = Field(max_length=100)
    entered_at: datetime = _utc(nullable=False)
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = _utc(nullable=True)


class CancelRequest(SQLModel, table=True):
    """A cancellation asked for by one staff member, waiting for a second one to confirm it.

    ``status``: pending -> confirmed (the task was cancelled with ``reason``), rejected (its
    author withdrew it or another staff member refused it, ``decision_reason`` says why) or
    void (the task left ``task_state``, the state it was asked in, before anyone decided).
    At most one pending request per task (checked under the task row lock by
    :mod:`lottery.service.cancellations`). Private state: nothing here is published.
    """

    __tablename__ = "cancel_request"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(foreign_key="task.id", index=True, max_length=64)
    reason: str = Field(max_length=2000)
    task_state: str = Field(max_length=16)
    status: str = Field(default="pending", max_length=16)
    requested_by: str = Field(max_length=100)
    requested_at: datetime = _utc(nullable=False)
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = _utc(nullable=True)
    decision_reason: str | None = Field(default=None, max_length=2000)


class SchedulerJob(SQLModel, table=True):
    """APScheduler's job store (:mod:`lottery.service.scheduler`), same columns as its own.

    Created by the migration so that several instances starting together never race to
    create it; APScheduler only finds it there.
    """

    __tablename__ = "scheduler_job"

    id: str = Field(primary_key=True, max_length=191)
    next_run_time: float | None = Field(default=None, sa_column=Column(Float(25), index=True))
    job_state: bytes = _bytes(nullable=False)


# --- the public log (write-once) -------------------------------------------------------------


class LogHead(SQLModel, table=True):
    """One row (id 1): the log size. Appenders lock it (``FOR UPDATE``) to take the next index."""

    __tablename__ = "log_head"

    id: int = Field(default=1, primary_key=True)
    size: int = 0


class LogEntry(SQLModel, table=True):
    """A published record: the exact signed note bytes at its log index.

    ``step`` names the lifecycle step of a task record (announce, draw, reveal, cancel); the
    unique (task, step) pair makes a second draw of a task impossible in the database itself.
    """

    __tablename__ = "log_entry"
    __table_args__ = (UniqueConstraint("task", "step", name="uq_log_entry_task_step"),)

    idx: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    record_id: str = Field(unique=True, max_length=64)
    type: str = Field(index=True, max_length=64)
    task: str | None = Field(default=None, index=True, max_length=64)
    step: str | None = Field(default=None, max_length=16)
    note: bytes = _bytes(nullable=False)
    leaf_hash: bytes = _bytes(nullable=False)
    time: datetime = _utc(nullable=False)


class Blob(SQLModel, table=True):
    """A public content-addressed blob (only public blobs are ever stored here)."""

    __tablename__ = "blob"

    sha256: str = Field(primary_key=True, max_length=64)
    data: bytes = _bytes(nullable=False)


class WithdrawnBlob(SQLModel, table=True):
    """A sealed blob that a withdrawal record removed (write-once; migration 0005).

    The database deletes a ``blob`` row only when its digest is listed here, and
    :meth:`lottery.service.log.PublicLog.put_blob` refuses to store it again.
    """

    __tablename__ = "withdrawn_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    record_id: str = Field(max_length=64)


class CheckpointRow(SQLModel, table=True):
    """A signed checkpoint, by tree size (write-once)."""

    __tablename__ = "checkpoint"

    size: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    note: bytes = _bytes(nullable=False)
    created_at: datetime = _utc(nullable=False)


class CosignatureRow(SQLModel, table=True):
    """A witness's cosignature line on a signed checkpoint (write-once, docs/witness.md).

    ``line`` is the exact signature line received (``— <name> <base64>``, with its newline);
    one per witness key and checkpoint: a later re-cosignature of the same tree is not kept,
    the earliest timestamp is the stronger statement.
    """

    __tablename__ = "cosignature"
    __table_args__ = (UniqueConstraint("size", "name", "key_id"),)

    id: int | None = Field(default=None, primary_key=True)
    size: int = Field(foreign_key="checkpoint.size")
    name: str = Field(max_length=200)
    key_id: str = Field(max_length=8)
    line: bytes = _bytes(nullable=False)
    created_at: datetime = _utc(nullable=False)


class WitnessStateRow(SQLModel, table=True):
    """What the pusher knows of one configured witness (docs/witness.md, "The pusher").

    ``size``: the size the witness cosigned last for us (0: none yet); ``failing_since``: the
    first failed attempt since the last success (staff are warned when it is older than the
    configured time); ``next_attempt``: the backoff after ``failures`` failures in a row.
    """

    __tablename__ = "witness_state"

    name: str = Field(primary_key=True, max_length=64)
    vkey: str = Field(max_length=300)
    url: str = Field(max_length=500)
    size: int = 0
    last_success: datetime | None = _utc(nullable=True)
    last_attempt: datetime | None = _utc(nullable=True)
    last_error: str | None = Field(default=None, max_length=1000)
    failures: int = 0
    failing_since: datetime | None = _utc(nullable=True)
    next_attempt: datetime | None = _utc(nullable=True)


# --- people and accountability -----------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    """Who did what, to what, when, from where (R9); R6 reads of sealed outcomes too."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    time: datetime = _utc(nullable=False, index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=64)
    object: str = Field(default="", max_length=200)
    detail: dict[str, Any] = _json(default_factory=dict)
    remote_addr: str | None = Field(default=None, max_length=64)


class User(SQLModel, table=True):
    """A staff account: argon2 password hash and roles."""

    __tablename__ = "user_account"

    name: str = Field(primary_key=True, max_length=100)
    password_hash: str = Field(max_length=200)
    roles: list[str] = _json(default_factory=list)
    active: bool = True
    created_at: datetime = _utc(nullable=False)
    # Set by an admin's reset or an account created for someone else: until the user picks
    # their own password, every route but "change password", "who am I" and "log out" is 403.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # The inspector (``Inspector.id``) this account is: only such an account enters results
    # in the console, for its own assigned targets (migration 0004).
    inspector_id: str | None = Field(default=None, max_length=64)
    # The org unit (``OrgUnit.code``) the account acts within, with the units below it; empty:
    # the whole office (lottery.service.org_scope, migration 0010).
    org_unit: str | None = Field(default=None, max_length=64)


class ApiToken(SQLModel, table=True):
    """A staff login (bearer token or session cookie): only the token's SHA-256 is stored."""

    __tablename__ = "api_token"

    token_sha256: str = Field(primary_key=True, max_length=64)
    user: str = Field(foreign_key="user_account.name", index=True, max_length=100)
    created_at: datetime = _utc(nullable=False)
    expires_at: datetime = _utc(nullable=False)
    revoked: bool = False
    remote_addr: str | None = Field(default=None, max_length=64)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per account or per client address, and the lock they caused.

    Kept in the database (not in process memory) so that every instance on one PostgreSQL
    database sees the same counts (:mod:`lottery.service.login_throttle`).
    """

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=200)  # "account:<name>" or "address:<ip>"
    failures: int = 0
    last_failure: datetime = _utc(nullable=False, index=True)
    locked_until: datetime | None = _utc(nullable=True)


# --- the public site (lottery.service.site_publishing) ----------------------------------------


class SiteLease(SQLModel, table=True):
    """One row (``name`` "site", made by migration 0003): who is building the public site.

    A publisher takes it in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
    SQLite's ``BEGIN IMMEDIATE`` serializes) when it is free or its lease has expired, so two
    instances never build at once, and a crashed builder blocks the others only until
    ``expires_at``. ``requested_at`` is a staff "republish now" waiting for the next run.
    """

    __tablename__ = "site_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str | None = Field(default=None, max_length=64)
    expires_at: datetime | None = _utc(nullable=True)
    requested_at: datetime | None = _utc(nullable=True)
    requested_by: str | None = Field(default=None, max_length=64)


class SitePublication(SQLModel, table=True):
    """One publication of the public site: export, build, swap (or the error that stopped it).

    ``finished_at`` is empty while it runs (or when its process died); ``size`` is the log
    checkpoint exported; ``duration_s`` is the elapsed (monotonic) time of the whole run.
    """

    __tablename__ = "site_publication"

    id: int | None = Field(default=None, primary_key=True)
    holder: str = Field(max_length=64)
    actor: str = Field(max_length=64)
    started_at: datetime = _utc(nullable=False, index=True)
    finished_at: datetime | None = _utc(nullable=True)
    size: int | None = None
    pages: int | None = None
    duration_s: float | None = None
    build: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=2000)


# --- the law's documents of an inspection (issue #16; docs/documents.md) -------------------


class Document(SQLModel, table=True):
    """A 行政检查通知书 / 现场检查笔录 / 检查结果告知书 issued for a picked target (private).

    ``number`` (人防检通〔2026〕12号) is unique; ``(kind, year, seq)`` is unique too, so two
    instances allocating the same next number cannot both commit. ``data_sha256`` is the hash
    of what the document says (without number, date and salt): issuing again with the same
    data returns this row; new data issues a new number and marks this one ``superseded``.
    Only the number and ``sha256`` are ever published (in the inspection-result record).
    """

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("kind", "year", "seq", name="uq_document_kind_year_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # notice | record | result
    office: str = Field(max_length=200)  # the issuing office, as named on the document
    task: str = Field(foreign_key="task.id", index=True, max_length=64)
    target: str = Field(max_length=18)
    year: int
    seq: int
    number: str = Field(unique=True, max_length=100)
    status: str = Field(default="current", max_length=16)  # current | superseded
    result: int | None = Field(default=None, foreign_key="inspection_result.id")
    data_sha256: str = Field(max_length=64)
    sha256: str = Field(max_length=64)
    size: int
    pdf: bytes = _bytes(nullable=False)
    issued_at: datetime = _utc(nullable=False)
    issued_by: str = Field(max_length=100)


class Rectification(SQLModel, table=True):
    """A rectification order (整改) on a published result with findings, and its re-check (复查).

    The order is published when it is made (``rectification-order``, ``order_record``), or,
    under publication rules for orders, once the 保密审查 decides what it shows
    (``order_status`` reviewing, then published; the decision in ``order_review``); the
    re-check is entered (``check_status`` entered), then approved by someone else and published
    (``rectification-check``, ``check_record``), after its own review when rules govern
    re-checks (``check_status`` reviewing, ``check_review``). ``check_fields`` holds what was
    entered: the re-check date, the inspectors present, the outcome and the (sealed) note.
    """

    __tablename__ = "rectification"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(foreign_key="task.id", index=True, max_length=64)
    target: str = Field(foreign_key="target.uscc", max_length=18)
    result_record: str = Field(max_length=64)
    requirements: str = Field(max_length=10_000)
    due: date
    ordered_by: str = Field(max_length=100)
    ordered_at: datetime = _utc(nullable=False)
    order_record: str | None = Field(default=None, max_length=64, index=True)
    order_status: str = Field(default="published", max_length=16)  # published | reviewing
    order_review: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # none | entered | reviewing (waiting for the 保密审查) | published
    check_status: str = Field(default="none", max_length=16)
    check_fields: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    check_review: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    check_entered_by: str | None = Field(default=None, max_length=100)
    check_approved_by: str | None = Field(default=None, max_length=100)
    check_record: str | None = Field(default=None, max_length=64)
    check_published_at: datetime | None = _utc(nullable=True)


class Objection(SQLModel, table=True):
    """An objection (异议) of an inspected party to a published result (docs/objections.md).

    Recorded by staff (``received``), then decided by someone else (``decided``): upheld,
    naming the correction of the result, or dismissed with a reason; the decision is published
    as an ``objection-outcome`` record (``outcome_record``). ``text`` (what the party wrote) is
    confidential: it stays here and is never published. ``period_*`` is the objection period
    the office applied (working days from the Beijing day the result was published).
    """

    __tablename__ = "objection"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(foreign_key="task.id", index=True, max_length=64)
    target: str = Field(foreign_key="target.uscc", max_length=18)
    result_record: str = Field(max_length=64)
    received: date
    text: str = Field(max_length=10_000)
    period_start: date
    period_workdays: int
    period_due: date
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = _utc(nullable=False)
    status: str = Field(default="received", max_length=16)  # received | decided
    outcome: str | None = Field(default=None, max_length=16)  # upheld | dismissed
    correction_record: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = _utc(nullable=True)
    outcome_record: str | None = Field(default=None, max_length=64)


class TargetReport(SQLModel, table=True):
    """Staff's edited 抽查报告 of one target (the four parts), for the result ``result_record``.

    Without a row (or when the target's current result is another record, e.g. after a
    correction) the report is drafted from the result (:mod:`lottery.service.target_reports`).
    """

    __tablename__ = "target_report"

    task: str = Field(primary_key=True, foreign_key="task.id", max_length=64)
    target: str = Field(primary_key=True, foreign_key="target.uscc", max_length=18)
    result_record: str = Field(max_length=64)
    text: str = Field(max_length=20_000)
    edited_by: str = Field(max_length=100)
    edited_at: datetime = _utc(nullable=False)


class ExchangeExport(SQLModel, table=True):
    """One file exported for a national platform (docs/exchange.md): when, who, what, its
    rows and the SHA-256 of the file as handed out, and the day staff marked it sent."""

    __tablename__ = "exchange_export"

    id: int | None = Field(default=None, primary_key=True)
    format: str = Field(max_length=16)  # national | credit
    kind: str = Field(max_length=16)  # tasks | picks | results
    year: int
    file_type: str = Field(max_length=8)  # csv | xlsx
    rows: int
    sha256: str = Field(max_length=64)
    size: int
    made_by: str = Field(max_length=100)
    made_at: datetime = _utc(nullable=False)
    sent_on: date | None = None
    sent_by: str | None = Field(default=None, max_length=100)
    sent_marked_at: datetime | None = _utc(nullable=True)


class WithheldTargetType(SQLModel, table=True):
    """A target type whose identity the office withholds (docs/spec.md §4 "Committed pools"):
    its targets are published as salted commitments, opened only when picked."""

    __tablename__ = "withheld_target_type"

    type: str = Field(primary_key=True, max_length=64)  # the registry's type code
    set_by: str = Field(max_length=100)
    set_at: datetime = _utc(nullable=False)


class TargetCommitment(SQLModel, table=True):
    """The stable commitment of a withheld target: its id is SHA-256 of the commitment of
    (uscc, name, salt) (docs/spec.md §4). Confidential like the registry's private columns:
    the salt opens the id (docs/secrets.md)."""

    __tablename__ = "target_commitment"

    uscc: str = Field(primary_key=True, max_length=18)
    id: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)  # the name committed to (the registry's at the time)
    salt: bytes = _bytes(nullable=False)
