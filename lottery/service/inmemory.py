"""One task's lifecycle in memory: the service's steps without storage.

Used by ``lottery bench draw``, the known-answer vectors and the tests. Secrets and times are
parameters, so a run is reproducible; the service (later) wraps the same core calls in
transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from lottery.core.beacon import BeaconValue, beacon_value_bytes
from lottery.core.canonical import sha256_hex
from lottery.core.draw import (
    DrawResult,
    InspectorRow,
    PreparedAnnouncement,
    TaskParams,
    cancellation_fields,
    compute_outcome,
    draw_fields,
    prepare_announcement,
    reveal_fields,
)
from lottery.core.errors import InputError
from lottery.core.note import Signer
from lottery.core.pool import Candidate, Exclusion
from lottery.core.records import Record, make_record, open_record
from lottery.core.seed import commitment
from lottery.runtime.forking import workers as fork_workers
from lottery.runtime.gcpause import gc_paused


@dataclass
class PublishedTask:
    """What a task has published so far: signed records (log order) and blobs by SHA-256."""

    notes: list[bytes] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)


@dataclass
class TaskRun:
    """The office-side state of one task while it runs (the secret stays here)."""

    log: str
    signer: Signer
    secret: bytes
    prepared: PreparedAnnouncement
    announcement: Record
    published: PublishedTask
    draw: Record | None = None
    result: DrawResult | None = None


def announce(
    log: str,
    signer: Signer,
    params: TaskParams,
    candidates: Sequence[Candidate],
    inspectors: Sequence[InspectorRow],
    secret: bytes,
    at: datetime,
    *,
    exclusions: Sequence[Exclusion] = (),
    conflicts: Sequence[tuple[str, str]] = (),
    previous: Sequence[tuple[str, str]] = (),
) -> TaskRun:
    """Freeze the pools, commit to the secret and sign the announcement."""
    params.beacon.check_schedule(at)
    prepared = prepare_announcement(
        params,
        candidates,
        inspectors,
        commit=commitment(secret),
        exclusions=exclusions,
        conflicts=conflicts,
        previous=previous,
    )
    note = make_record("task-announcement", log, at, prepared.fields, [signer])
    record = open_record(note, [signer.verifier()], log=log)
    published = PublishedTask([note], dict(prepared.blobs))
    return TaskRun(log, signer, secret, prepared, record, published)


def draw(
    run: TaskRun, value: BeaconValue, at: datetime, *, fallback: bool = False, workers: int = 1
) -> Record:
    """Compute the outcome and publish the sealed draw record (the outcome stays private).

    ``workers`` > 1 lets large pools be drawn with a forked worker (byte-identical result);
    the collector is paused meanwhile when this process runs one thread.
    """
    a = run.announcement.body
    with gc_paused():
        result = compute_outcome(
            run.announcement.digest,
            run.prepared.pool,
            run.prepared.team_input,
            a["team_size"],
            a["cap"],
            beacon_value_bytes(value),
            run.secret,
            bytes.fromhex(a["commit"]),
            workers=fork_workers(workers),
        )
    fields = draw_fields(a["task"], run.announcement.id, value.to_dict(), fallback, result)
    note = make_record("task-draw", run.log, at, fields, [run.signer])
    run.draw = open_record(note, [run.signer.verifier()], log=run.log)
    run.result = result
    run.published.notes.append(note)
    return run.draw


def reveal(run: TaskRun, at: datetime, *, openings: bytes | None = None) -> Record:
    """Publish the secret and the outcome at the disclosure time; ``openings``: a committed
    pool's openings blob (docs/spec.md §4 "Committed pools"), published and named."""
    if run.draw is None or run.result is None:
        raise InputError(f"task {run.announcement.body['task']} has not been drawn yet")
    digest = None if openings is None else sha256_hex(openings)
    fields = reveal_fields(
        run.announcement.body["task"], run.draw.id, run.secret, run.result.outcome_sha256, digest
    )
    note = make_record("task-reveal", run.log, at, fields, [run.signer])
    run.published.notes.append(note)
    run.published.blobs[run.result.outcome_sha256] = run.result.outcome_blob
    if openings is not None and digest is not None:
        run.published.blobs[digest] = openings
    return open_record(note, [run.signer.verifier()], log=run.log)


def cancel(run: TaskRun, reason: str, at: datetime) -> Record:
    """Cancel the task, revealing the secret (and the outcome when it was drawn)."""
    draw_id = run.draw.id if run.draw is not None else None
    digest = run.result.outcome_sha256 if run.result is not None else None
    fields = cancellation_fields(
        run.announcement.body["task"], run.announcement.id, reason, run.secret, draw_id, digest
    )
    note = make_record("task-cancellation", run.log, at, fields, [run.signer])
    run.published.notes.append(note)
    if run.result is not None:
        run.published.blobs[run.result.outcome_sha256] = run.result.outcome_blob
    return open_record(note, [run.signer.verifier()], log=run.log)
