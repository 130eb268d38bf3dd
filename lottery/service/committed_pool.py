"""Committed pools (docs/spec.md §4 "Committed pools", docs/service.md): target types whose
identity the office withholds, each such target's stable commitment, and the openings of the
picks at the reveal.

The office's tables keep every target by its USCC. What is published names a target of a
withheld type by its commitment id instead: the ``targets`` snapshot (its name ``""``), and the
pool, exclusions and team-input blobs of a task announced while the type is withheld (their
ids are mapped here, just before the announcement freezes them). The draw runs on those ids,
so its picks are commitment ids too; the reveal opens exactly them (:func:`openings_blob`).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lottery.core.committed import (
    SALT_BYTES,
    Opening,
    commitment_id,
    encode_openings,
    is_commitment_id,
)
from lottery.core.errors import InputError
from lottery.core.outcome import Outcome, decode_outcome
from lottery.core.pool import Candidate, Exclusion
from lottery.registry_io.layouts import TARGET_TYPES
from lottery.storage.models import Target, TargetCommitment, WithheldTargetType

from .audit_trail import record_audit
from .pool_rules import Registries

# Code -> its canonical label: the first label of a code (as the targets snapshot writes it).
TYPE_LABELS: dict[str, str] = {code: label for label, code in reversed(TARGET_TYPES.items())}


def type_code(name: str) -> str:
    """A target type's code from its code or one of its Chinese labels.

    Raises:
        InputError: in Chinese, for an unknown type.
    """
    name = name.strip()
    if name in TYPE_LABELS:
        return name
    if name in TARGET_TYPES:
        return TARGET_TYPES[name]
    known = "、".join(sorted(set(TARGET_TYPES)))
    raise InputError(f"未知的检查对象类型：{name}（可用：{known}）")


def withheld_types(session: Session) -> frozenset[str]:
    """The type codes whose targets are published as commitments."""
    return frozenset(session.exec(select(WithheldTargetType.type)))


def set_withheld(
    session: Session, type_name: str, withheld: bool, *, actor: str, now: datetime
) -> str:
    """Withhold (or publish again) the identity of a target type; its code.

    Takes effect from the next snapshot and announcement: what was published stays.
    """
    code = type_code(type_name)
    row = session.get(WithheldTargetType, code)
    if withheld and row is None:
        session.add(WithheldTargetType(type=code, set_by=actor, set_at=now))
        record_audit(session, now, actor, "target-type.withhold", code, {})
    elif not withheld and row is not None:
        session.delete(row)
        record_audit(session, now, actor, "target-type.publish", code, {})
    return code


def commitment_ids(session: Session, targets: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{uscc: commitment id}`` for ``targets`` (``(uscc, name)`` pairs), a commitment made
    (and added to ``session``) the first time a target is withheld; stable afterwards."""
    wanted = dict(targets)
    if not wanted:
        return {}
    known = {
        c.uscc: c.id
        for c in session.exec(
            select(TargetCommitment).where(col(TargetCommitment.uscc).in_(sorted(wanted)))
        )
    }
    for uscc in sorted(wanted.keys() - known.keys()):
        salt = secrets.token_bytes(SALT_BYTES)
        name = wanted[uscc]
        cid = commitment_id(uscc, name, salt)
        try:
            with session.begin_nested():  # a savepoint: losing the race below undoes only this
                session.add(TargetCommitment(uscc=uscc, id=cid, name=name, salt=salt))
        except IntegrityError:
            # Another transaction (a second instance announcing at the same moment, on
            # PostgreSQL) made this target's commitment first: it is the one, ours is dropped.
            cid = session.exec(
                select(TargetCommitment.id).where(TargetCommitment.uscc == uscc)
            ).one()
        known[uscc] = cid
    return known


def withheld_ids(session: Session, rows: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """``{uscc: commitment id}`` of the rows ``(uscc, name, type code)`` of a withheld type."""
    types = withheld_types(session)
    if not types:
        return {}
    return commitment_ids(session, ((u, n) for u, n, t in rows if t in types))


def commit_registries(session: Session, regs: Registries) -> Registries:
    """``regs`` with every target of a withheld type named by its commitment id."""
    ids = {c.id for c in regs.candidates} | {e.target for e in regs.exclusions}
    if not ids or not withheld_types(session):
        return regs
    targets = session.exec(select(Target).where(col(Target.uscc).in_(sorted(ids))))
    mapping = withheld_ids(session, ((t.uscc, t.name, t.type) for t in targets))
    if not mapping:
        return regs

    def m(target: str) -> str:
        return mapping.get(target, target)

    return dataclasses.replace(
        regs,
        candidates=[Candidate(m(c.id), c.region, c.risk) for c in regs.candidates],
        exclusions=[Exclusion(m(e.target), e.reason, e.detail) for e in regs.exclusions],
        conflicts=[(m(t), i) for t, i in regs.conflicts],
        previous=[(m(t), i) for t, i in regs.previous],
        cap_exceptions=tuple(sorted((m(t), r) for t, r in regs.cap_exceptions)),
    )


def openings(session: Session, ids: Sequence[str]) -> dict[str, Opening]:
    """The openings of the commitment ids ``ids`` that the office holds, by id."""
    if not ids:
        return {}
    rows = session.exec(select(TargetCommitment).where(col(TargetCommitment.id).in_(list(ids))))
    return {r.id: Opening(r.id, r.uscc, r.name, bytes(r.salt)) for r in rows}


def openings_blob(session: Session, task: str, picks: Callable[[], Sequence[str]]) -> bytes | None:
    """The openings blob of a task's picks (spec §4): exactly its committed picks; None when
    no pick is a commitment. ``picks()`` is only called when the office has made a
    commitment at all (a large outcome is not parsed for nothing).

    Raises:
        InputError: when a committed pick has no commitment in the office's table.
    """
    if session.exec(select(TargetCommitment.id).limit(1)).first() is None:
        return None
    committed = [p for p in picks() if is_commitment_id(p)]
    if not committed:
        return None
    opened = openings(session, committed)
    missing = [p for p in committed if p not in opened]
    if missing:
        raise InputError(f"任务 {task} 有 {len(missing)} 个抽中对象的承诺值无法打开")
    return encode_openings(task, opened.values())


def named(session: Session, targets: Sequence[str]) -> Mapping[str, str]:
    """``{commitment id: uscc}`` of the ``targets`` that are commitments the office holds."""
    return {i: o.uscc for i, o in openings(session, list(targets)).items()}


class _Service(Protocol):
    def session(self) -> Session: ...


def withhold_type(
    lc: _Service, type_name: str, withheld: bool, *, actor: str, now: datetime
) -> list[str]:
    """Withhold (or publish again) a target type's identity, as ``actor`` (whole-office
    staff only); the withheld type codes now, sorted.

    Raises:
        InputError: for an unknown type; OrgScopeError for a unit-scoped actor.
    """
    from .org_scope import require_whole_office

    with lc.session() as session:
        require_whole_office(session, actor, "设置以承诺值公开的检查对象类型")
    with lc.session() as session, session.begin():
        set_withheld(session, type_name, withheld, actor=actor, now=now)
    with lc.session() as session:
        return sorted(withheld_types(session))


def staff_outcome(session: Session, data: bytes) -> Outcome:
    """An outcome blob as staff work with it: every committed pick named by its USCC (the
    office's tables, results and documents key targets by USCC). Unchanged when no pick is a
    commitment; the published blob itself is never rewritten."""
    outcome = decode_outcome(data)
    ids = [p for p in outcome.picks() if is_commitment_id(p)]
    if not ids:
        return outcome
    usccs = named(session, ids)
    if not usccs:
        return outcome

    def m(target: str) -> str:
        return usccs.get(target, target)

    return dataclasses.replace(
        outcome,
        strata=tuple(
            (key, tuple(dataclasses.replace(p, target=m(p.target)) for p in picks))
            for key, picks in outcome.strata
        ),
        teams=tuple(dataclasses.replace(t, target=m(t.target)) for t in outcome.teams),
    )
