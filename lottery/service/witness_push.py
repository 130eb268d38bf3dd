"""The pusher: every new checkpoint goes to each configured witness (C2SP tlog-witness).

:func:`push_once` is one round, run by the scheduler's ``witness`` job (docs/scheduler.md):
for each witness of the settings whose last cosigned size (table ``witness_state``) is below
the latest checkpoint's, and whose backoff has passed, it asks for a cosignature with
:func:`lottery.service.witness_client.request_cosignature` (a 409 naming another size is
retried from there), stores the returned line like ``lottery checkpoint add-cosignature``
(:func:`lottery.service.cosignatures.add_cosignatures`, checked against the witness's vkey),
and records the outcome. A failure doubles the wait before the next attempt (``BACKOFF`` up
to ``MAX_BACKOFF``). Everything lives in the database, so a restarted service carries on
where it stopped. :func:`witness_status` is what staff see (console, ``GET
/api/witnesses``), and :func:`quorum_size` the largest checkpoint the quorum has cosigned.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lottery.core.checkpoint import claimed_checkpoint
from lottery.core.cosignature import CosignatureVerifier
from lottery.core.errors import LotteryError
from lottery.core.merkle import MerkleTree
from lottery.settings import Settings, WitnessConfig
from lottery.storage.models import CheckpointRow, CosignatureRow, WitnessStateRow

from .cosignatures import add_cosignatures
from .lifecycle import Lifecycle
from .witness_client import Post, request_cosignature

logger = logging.getLogger(__name__)

ACTOR = "witness-pusher"
BACKOFF = timedelta(seconds=10)
MAX_BACKOFF = timedelta(minutes=10)


def backoff(failures: int) -> timedelta:
    """The wait after ``failures`` failed attempts in a row: 10 s, 20 s, 40 s... at most 10 min."""
    if failures <= 0:
        return timedelta(0)
    wait: timedelta = BACKOFF * 2 ** min(failures - 1, 20)
    return min(wait, MAX_BACKOFF)


@dataclass(frozen=True)
class WitnessStatus:
    """One witness as staff see it."""

    name: str
    url: str
    size: int
    latest: int
    last_success: datetime | None
    last_error: str | None
    failing_since: datetime | None
    next_attempt: datetime | None
    unreachable: bool

    @property
    def behind(self) -> bool:
        """A newer checkpoint waits for this witness's cosignature."""
        return self.size < self.latest


@dataclass(frozen=True)
class QuorumStatus:
    """The witnesses' states and the largest checkpoint cosigned by the quorum."""

    witnesses: list[WitnessStatus]
    quorum: int
    latest: int
    cosigned: int | None

    @property
    def met(self) -> bool:
        """The latest checkpoint carries the quorum's cosignatures (or no witness is set)."""
        return not self.witnesses or self.cosigned == self.latest


def _verifier(w: WitnessConfig) -> CosignatureVerifier:
    return CosignatureVerifier.from_vkey(w.vkey)


def _state(session: Session, w: WitnessConfig) -> WitnessStateRow:
    row = session.get(WitnessStateRow, w.name)
    if row is None:
        row = WitnessStateRow(name=w.name, vkey=w.vkey, url=w.url, size=0, failures=0)
    elif row.vkey != w.vkey:  # another key under the name: a new witness, start over
        row.vkey, row.size, row.failures = w.vkey, 0, 0
        row.failing_since = row.next_attempt = None
    row.url = w.url
    return row


def believed_size(lc: Lifecycle, w: WitnessConfig) -> int:
    """The size the office last saw witness ``w`` cosign (its ``witness_state`` row; 0)."""
    with lc.session() as session:
        return _state(session, w).size


def latest_tree(lc: Lifecycle) -> tuple[bytes, MerkleTree] | None:
    """The latest signed checkpoint of the database and the tree it covers, or None."""
    with lc.session() as session:
        note = lc.log.latest_checkpoint(session)
        if note is None:
            return None
        size = claimed_checkpoint(note).size
        entries = lc.log.entries(session)[:size]
    return note, MerkleTree.from_entries(entries)


def _due(lc: Lifecycle, settings: Settings, now: datetime) -> set[str]:
    """The witnesses behind the latest checkpoint whose backoff has passed."""
    with lc.session() as session:
        latest = session.exec(
            select(CheckpointRow.size).order_by(col(CheckpointRow.size).desc()).limit(1)
        ).one_or_none()
        if latest is None:
            return set()
        due = set()
        for w in settings.witnesses:
            row = _state(session, w)
            waiting = row.next_attempt is not None and now < row.next_attempt
            if row.size < latest and not waiting:
                due.add(w.name)
    return due


def push_once(
    lc: Lifecycle, settings: Settings, now: datetime, *, post: Post | None = None
) -> dict[str, str]:
    """Push the latest checkpoint to every witness that needs it and may be tried now.

    Returns:
        What happened per witness tried: ``"cosigned N"`` or the error.
    """
    if not settings.witnesses:
        return {}
    due = _due(lc, settings, now)
    if not due:
        return {}  # the common case, every few seconds: no tree is rebuilt
    latest = latest_tree(lc)
    if latest is None:
        return {}
    note, tree = latest
    size = tree.size
    done: dict[str, str] = {}
    for w in settings.witnesses:
        if w.name not in due:
            continue
        with lc.session() as session:
            row = _state(session, w)
            if row.size >= size or (row.next_attempt is not None and now < row.next_attempt):
                continue
            known = row.size
        error = attempt(lc, w, note, tree, known, now, post=post)
        done[w.name] = f"cosigned {size}" if error is None else str(error)[:1000]
    return done


def attempt(
    lc: Lifecycle,
    w: WitnessConfig,
    note: bytes,
    tree: MerkleTree,
    known: int,
    now: datetime,
    *,
    post: Post | None = None,
) -> LotteryError | None:
    """Ask witness ``w`` to cosign ``note`` (the tree ``tree``) from the size ``known``, store
    its cosignature, and record the outcome in its ``witness_state`` row (what the console,
    ``GET /api/witnesses`` and the metrics show): a failure counts, is logged and backs off.

    Returns:
        None when it cosigned, else the error (:class:`.witness_client.WitnessRefused` carries
        the witness's status and, for a 409, its size).
    """
    size = claimed_checkpoint(note).size
    error: LotteryError | None = None
    try:
        answer = request_cosignature(w.url, note, tree, known, witness=_verifier(w), post=post)
        add_cosignatures(lc, answer.cosigned(note), now, witnesses=[_verifier(w)], actor=ACTOR)
    except LotteryError as exc:
        error = exc
        logger.warning("witness %s: %s", w.name, str(exc)[:1000])
    message = None if error is None else str(error)[:1000]
    try:
        _record(lc, w, now, size, message)
    except IntegrityError:
        # Another instance on the database wrote this witness's first row meanwhile (both
        # found none): it exists now, so the second attempt updates it.
        _record(lc, w, now, size, message)
    return error


def _record(lc: Lifecycle, w: WitnessConfig, now: datetime, size: int, error: str | None) -> None:
    """Store one attempt's outcome in the witness's ``witness_state`` row (never lowering the
    size another instance stored)."""
    with lc.session() as session, session.begin():
        row = _state(session, w)
        row.last_attempt = now
        if error is None:
            row.size, row.last_success, row.last_error = max(row.size, size), now, None
            row.failures, row.failing_since, row.next_attempt = 0, None, None
        else:
            row.failures += 1
            row.last_error = error
            row.failing_since = row.failing_since or now
            row.next_attempt = now + backoff(row.failures)
        session.add(row)


def _cosigned_counts(session: Session, witnesses: Sequence[WitnessConfig]) -> dict[int, int]:
    keys = {(v.name, v.key_id.hex()) for v in map(_verifier, witnesses)}
    counts: dict[int, int] = {}
    rows = session.exec(select(CosignatureRow.size, CosignatureRow.name, CosignatureRow.key_id))
    for size, name, key_id in rows:
        if (name, key_id) in keys:
            counts[size] = counts.get(size, 0) + 1
    return counts


def witness_status(lc: Lifecycle, settings: Settings, now: datetime) -> QuorumStatus:
    """Each configured witness's state, and the quorum: what the console and the API show.

    A witness is *unreachable* when its attempts have failed for longer than
    ``settings.witness_alert_after`` seconds.
    """
    alert = timedelta(seconds=settings.witness_alert_after)
    with lc.session() as session:
        latest = (
            session.exec(
                select(CheckpointRow.size).order_by(col(CheckpointRow.size).desc()).limit(1)
            ).one_or_none()
            or 0
        )
        out = []
        for w in settings.witnesses:
            row = _state(session, w)
            out.append(
                WitnessStatus(
                    name=w.name,
                    url=w.url,
                    size=row.size,
                    latest=latest,
                    last_success=row.last_success,
                    last_error=row.last_error,
                    failing_since=row.failing_since,
                    next_attempt=row.next_attempt,
                    unreachable=row.failing_since is not None and now - row.failing_since >= alert,
                )
            )
        cosigned = quorum_size_in(session, settings)
    return QuorumStatus(out, settings.quorum, latest, cosigned)


def quorum_size_in(session: Session, settings: Settings) -> int | None:
    """The largest checkpoint size cosigned by at least the quorum of configured witnesses."""
    if not settings.witnesses:
        return None
    counts = _cosigned_counts(session, settings.witnesses)
    met = [size for size, n in counts.items() if n >= settings.quorum]
    return max(met) if met else None


def quorum_size(lc: Lifecycle, settings: Settings) -> int | None:
    """:func:`quorum_size_in` in its own session."""
    with lc.session() as session:
        return quorum_size_in(session, settings)
