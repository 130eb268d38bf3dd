"""Recover a restored database from the published log: ``lottery recover --from SITE_OR_URL``.

After ``lottery restore`` of an old backup the database holds a prefix of the public log. This
re-ingests everything published after it, each piece verified before it is accepted:

1. the published checkpoint must be signed by the office key, for this log's origin;
2. the published entries (entry bundles) must hash to that checkpoint's root, and the
   database's log must be their prefix: the same bytes, so the same root at its size (the
   consistency of the database's last checkpoint with the published one);
3. every new entry must be a record of this log signed by the office key; every blob a new
   record names is fetched from ``blobs/<sha256>`` and must hash to its name.

Then the entries, their blobs and the published checkpoint are written in one transaction,
the tasks' states follow their lifecycle records, the office's rows of published results,
penalties, task reports and plans are rebuilt from their records (:mod:`.recovery_rows`, which
says what is not), a task drawn after the backup but
announced before it gets its sealed outcome back (re-drawn from its stored secret and the
published beacon value, checked against the published hash), and the service's own
checkpoint file is raised to the published checkpoint. Nothing confidential is in the public
log: office secrets made after the backup are gone. :class:`Recovery` lists the tasks that
lost confidential data and what the office must do (docs/operations.md, "Incidents: database lost").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from lottery.core.audit import Getter
from lottery.core.beacon import beacon_value_from_dict
from lottery.core.canonical import parse_time, sha256_hex
from lottery.core.checkpoint import Checkpoint, open_checkpoint
from lottery.core.errors import EncodingError, InputError, VerificationError
from lottery.core.merkle import MerkleTree
from lottery.core.records import Record, open_record
from lottery.core.sealed_audit import withdrawn_blobs
from lottery.core.tiles import entries_from_bundles
from lottery.export.holidays import builtin_years
from lottery.storage.models import (
    Blob,
    CalendarYear,
    CheckpointRow,
    SealedOutcome,
    Task,
    TaskSecret,
    WithdrawnBlob,
)

from .calendar import BUILTIN_ACTOR, builtin_notice
from .lifecycle import draw_outcome
from .log import PublicLog, log_entry
from .recovery_rows import rebuild_rows
from .secrets import SecretKeeper

STEPS = {
    "task-announcement": ("announce", "announced"),
    "task-draw": ("draw", "drawn"),
    "task-reveal": ("reveal", "disclosed"),
    "task-cancellation": ("cancel", "cancelled"),
    "task-report": ("report", "closed"),
}
"""Lifecycle record type -> (the log entry's step, the task's state after it)."""

_DIGEST = re.compile(r"[0-9a-f]{64}")


class RecoveryError(InputError):
    """The published log cannot be taken into this database; nothing was changed."""


@dataclass(frozen=True)
class LostTask:
    """A task whose confidential data was made after the backup and cannot come back."""

    task: str
    lost: tuple[str, ...]
    action: str


@dataclass
class Recovery:
    """What a recovery did."""

    before: int
    after: int
    blobs: int = 0
    types: dict[str, int] = field(default_factory=dict)
    lost: list[LostTask] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    """Working rows rebuilt from the records, per record type (:mod:`.recovery_rows`)."""
    not_rebuilt: list[str] = field(default_factory=list)
    """The records whose row could not be rebuilt, and why."""


def _digests(value: Any) -> Iterator[str]:
    """Every SHA-256 hex string anywhere in a record body (candidate blob names)."""
    if isinstance(value, str):
        if _DIGEST.fullmatch(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _digests(item)
    elif isinstance(value, list):
        for item in value:
            yield from _digests(item)


def _published(log: PublicLog, get: Getter) -> tuple[Checkpoint, bytes, list[bytes]]:
    """The published checkpoint (verified) and its entries (verified against its root)."""
    try:
        note = get("checkpoint")
    except KeyError:
        raise RecoveryError("the published log has no checkpoint") from None
    try:
        checkpoint = open_checkpoint(note, log.office_keys, origin=log.origin)
        entries = entries_from_bundles(checkpoint.size, get)
    except (VerificationError, EncodingError, KeyError) as exc:
        raise RecoveryError(f"the published log does not verify: {exc}") from exc
    if MerkleTree.from_entries(entries).root() != checkpoint.root_hash:
        raise RecoveryError(
            "the published entries do not hash to the published checkpoint's root: "
            "refusing to take them"
        )
    return checkpoint, note, entries


def _blob(get: Getter, digest: str) -> bytes | None:
    try:
        data = get(f"blobs/{digest}")
    except KeyError:
        return None  # not a blob (another hash in the record) or withdrawn
    if sha256_hex(data) != digest:
        raise RecoveryError(f"the published blob {digest} does not match its SHA-256")
    return data


def recover_from(
    log: PublicLog,
    session: Session,
    get: Getter,
    now: datetime,
    keeper: SecretKeeper | None = None,
) -> Recovery:
    """Append to the database's log what the export at ``get`` published after it.

    Runs in the caller's transaction (all or nothing). With ``keeper``, a task drawn after the
    backup whose office secret the database still holds (announced before it) gets its sealed
    outcome back: the draw is re-run from the secret and the published beacon value, and must
    give the outcome hash the draw record published.

    Raises:
        RecoveryError: the published log does not verify, is not an extension of the
            database's log, or holds an entry or blob that does not verify.
    """
    head = log.lock(session)
    ours = log.entries(session)
    checkpoint, note, entries = _published(log, get)
    if len(ours) > checkpoint.size or entries[: len(ours)] != ours:
        raise RecoveryError(
            f"the database's log ({len(ours)} entries) is not a prefix of the published log "
            f"({checkpoint.size} entries): this is another log, or the database holds records "
            "that were never published (docs/operations.md, 'Incidents')"
        )
    result = Recovery(before=len(ours), after=checkpoint.size)
    records: list[Record] = []
    for idx in range(len(ours), checkpoint.size):
        try:
            record = open_record(entries[idx], log.office_keys, log=log.origin)
        except (VerificationError, EncodingError) as exc:
            raise RecoveryError(
                f"published entry {idx} is not a record of this log: {exc}"
            ) from exc
        records.append(record)
    result.blobs = _take_blobs(session, get, records, log.withdrawn(entries))
    for idx, record in enumerate(records, start=len(ours)):
        _take_entry(session, idx, record, now)
        result.types[record.type] = result.types.get(record.type, 0) + 1
    for digest, withdrawal in withdrawn_blobs(records).items():
        log.remove_blob(session, digest, withdrawal.record)  # withdrawn after the backup
    head.size = checkpoint.size
    session.add(head)
    if session.get(CheckpointRow, checkpoint.size) is None:
        session.add(CheckpointRow(size=checkpoint.size, note=note, created_at=now))
    log.remember_after_commit(session, note)
    session.flush()
    rebuilt = rebuild_rows(log, session, records)
    result.rows, result.not_rebuilt = rebuilt.rows, rebuilt.skipped
    if keeper is not None:
        for record in records:
            if record.type == "task-draw":
                _reseal(log, keeper, session, record, now)
    result.lost = lost_tasks(session, records)
    return result


def _reseal(
    log: PublicLog, keeper: SecretKeeper, session: Session, record: Record, now: datetime
) -> None:
    """Seal again the outcome of the re-ingested draw ``record`` when its secret is held."""
    task_id = str(record.body["task"])
    row = session.get(TaskSecret, task_id)
    if row is None or session.get(SealedOutcome, task_id) is not None:
        return
    if session.get(Task, task_id) is None:
        return
    ann = log.task_record(session, task_id, "announce")
    if ann is None:
        return
    outcome = draw_outcome(
        log,
        session,
        ann,
        beacon_value_from_dict(record.body["beacon_value"]),
        fallback=bool(record.body["fallback"]),
        drawn_at=parse_time(record.body["time"]),
        secret=lambda: keeper.open("office-secret", task_id, row.ciphertext),
    )
    if outcome.outcome_sha256 != record.body["outcome"]:
        raise RecoveryError(
            f"task {task_id}: the draw re-run from the stored secret does not give the "
            "published outcome hash"
        )
    session.add(
        SealedOutcome(
            task=task_id,
            sha256=outcome.outcome_sha256,
            ciphertext=keeper.seal("outcome", task_id, outcome.outcome_blob),
            created_at=now,
        )
    )
    session.flush()


def _take_blobs(session: Session, get: Getter, records: list[Record], withdrawn: set[str]) -> int:
    """Fetch and store every published blob the ``records`` name that the database lacks."""
    count = 0
    for record in records:
        for digest in sorted(set(_digests(record.body)) - withdrawn):
            if session.get(Blob, digest) is None and session.get(WithdrawnBlob, digest) is None:
                data = _blob(get, digest)
                if data is not None:
                    session.add(Blob(sha256=digest, data=data))
                    count += 1
    session.flush()
    return count


def _take_entry(session: Session, idx: int, record: Record, now: datetime) -> None:
    """Store the verified ``record`` at ``idx``; its task or calendar row follows it."""
    step = STEPS.get(record.type)
    task = str(record.body["task"]) if step is not None and "task" in record.body else None
    session.add(
        log_entry(
            idx,
            record,
            task=task,
            step=step[0] if step is not None and task is not None else None,
        )
    )
    session.flush()
    if step is not None and task is not None:
        _follow(session, record, task, step[1], now)
    elif record.type == "calendar":
        _follow_calendar(session, record, now)


def _follow(session: Session, record: Record, task_id: str, state: str, now: datetime) -> None:
    """Move a task the database holds to the state its re-ingested record says."""
    task = session.get(Task, task_id)
    if task is None:
        if record.type != "task-announcement":
            return
        # Created after the backup: its row comes back from the announcement (so that it can
        # be cancelled, its secret being lost: lost_tasks lists it).
        task = Task(
            id=task_id,
            title=str(record.body["title"]),
            params=params_from_announcement(record.body),
            created_by="lottery recover",
            created_at=now,
            updated_at=now,
        )
    task.state = state
    task.updated_at = now
    if record.type == "task-announcement":
        task.announcement_record = record.id
    elif record.type == "task-draw":
        task.draw_record = record.id
    elif record.type in ("task-reveal", "task-cancellation"):
        task.closing_record = record.id
        if record.type == "task-cancellation":
            task.cancel_reason = str(record.body.get("reason", ""))
    session.add(task)


_ANNOUNCED_PARAMS = ("cross_check", "departments", "disclose_early")


def params_from_announcement(body: dict[str, Any]) -> dict[str, Any]:
    """The stored parameters (:mod:`.params`) of a task rebuilt from its announcement."""
    params: dict[str, Any] = {
        "org_units": list(body["org_units"]),
        "window_start": body["window"]["start"],
        "window_end": body["window"]["end"],
        "ratios": dict(body["ratios"]),
        "team_size": body["team_size"],
        "disclosure": body["disclosure"],
        "beacon": body["beacon"],
        "cap": body["cap"],
        "items": [[ref["code"], ref["version"]] for ref in body["items"]],
    }
    params |= {key: body[key] for key in _ANNOUNCED_PARAMS if key in body}
    if "cap_exceptions" in body:
        params["cap_exceptions"] = [[e["target"], e["reason"]] for e in body["cap_exceptions"]]
    return params  # the plan entry is named by its record there, by year here: left out


def _follow_calendar(session: Session, record: Record, now: datetime) -> None:
    """The office's calendar row of the year follows its latest ``calendar`` record (the
    service reads the row to know the year is published, and what the next record
    supersedes)."""
    body = record.body
    year = int(body["year"])
    builtin = builtin_years().get(year)
    by_builtin = (
        body.get("supersedes") is None
        and builtin is not None
        and body.get("notice") == builtin_notice(year, builtin.source)
    )
    row = session.get(CalendarYear, year) or CalendarYear(
        year=year, record_id=record.id, entered_by=BUILTIN_ACTOR
    )
    row.holidays = list(body.get("holidays", []))
    row.workdays = list(body.get("workdays", []))
    row.notice = str(body.get("notice", ""))
    row.record_id = record.id
    row.entered_by = BUILTIN_ACTOR if by_builtin else "lottery recover"
    row.updated_at = now
    session.add(row)
    session.flush()


def lost_tasks(session: Session, records: list[Record]) -> list[LostTask]:
    """The tasks of ``records`` whose confidential data the database does not hold."""
    final: dict[str, str] = {}
    for record in records:
        if record.type in STEPS and "task" in record.body:
            final[str(record.body["task"])] = record.type
    out: list[LostTask] = []
    for task_id, last in sorted(final.items()):
        if last in ("task-reveal", "task-cancellation", "task-report"):
            continue  # revealed: nothing confidential is left to lose
        lost: list[str] = []
        if session.get(Task, task_id) is None:
            lost.append("task row / 任务记录")
        if session.get(TaskSecret, task_id) is None:
            lost.append("office secret / 办公室秘密")
        if last == "task-draw" and session.get(SealedOutcome, task_id) is None:
            lost.append("sealed outcome / 密封的抽取结果")
        if lost:
            command = (
                f"lottery task cancel {task_id} --secret-lost --reason ...，"
                f"再由另一人 lottery task cancel-confirm {task_id} --secret-lost"
            )
            out.append(
                LostTask(
                    task_id,
                    tuple(lost),
                    "该任务无法揭示抽取结果：须以公开理由按“秘密值遗失”取消"
                    f"（{command}；docs/operations.md“数据库丢失”）/ it cannot be disclosed: "
                    "cancel it with a published reason and --secret-lost (docs/operations.md)",
                )
            )
    return out
