"""Handing an evidence file of a result to staff who may read the result's sealed content.

Evidence files stay in the service (``evidence_file``, keyed by SHA-256); the published record
seals their names (docs/spec.md §2.1). A file is handed out only as part of a result that
lists it: to a reviewer (``result.review``), or to an inspector of that result's team (drawn,
present or replaced, or a substitute: ``as_inspector``). Once the result's sealed content is
withdrawn (``ResultsService.withdraw``) its files are refused (:class:`ContentWithdrawn`,
HTTP 410). Every download is an audit event, ``result.evidence-download``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from lottery.storage.engine import new_session
from lottery.storage.models import EvidenceFile, InspectionResult, WithdrawnBlob

from .audit_trail import record_audit
from .calendar import load_record
from .log import PublicLog
from .org_scope import require_task
from .result_entry import ContentWithdrawn, NotAssigned, ResultNotFound

DOWNLOAD_ACTION = "result.evidence-download"


@dataclass(frozen=True)
class EvidenceDownload:
    """One evidence file: the name entered with the result, its hash and its bytes."""

    name: str
    sha256: str
    data: bytes


def team_of(fields: Mapping[str, Any]) -> frozenset[str]:
    """The inspectors a result names: those present (drawn or substitutes) and the drawn
    members they replace (so every drawn member of the target's team)."""
    people = fields.get("inspectors", [])
    ids = {str(p["id"]) for p in people}
    ids |= {str(p["replaces"]) for p in people if p.get("replaces")}
    return frozenset(ids)


def may_read(fields: Mapping[str, Any], as_inspector: str | None) -> bool:
    """Whether a reader may see a result's sealed content: ``as_inspector`` None is a reviewer
    (the caller checked ``result.review``); an inspector only a result of their own team."""
    return as_inspector is None or as_inspector in team_of(fields)


def withdrawn(session: Session, log: PublicLog, row: InspectionResult) -> bool:
    """Whether the sealed content of a published result was withdrawn."""
    if row.record_id is None:
        return False
    digest = str(load_record(log, session, row.record_id).body["sealed"])
    return session.get(WithdrawnBlob, digest) is not None


def download(
    engine: Engine,
    log: PublicLog,
    result_id: int,
    sha256: str,
    now: datetime,
    *,
    actor: str,
    as_inspector: str | None,
    remote_addr: str | None = None,
) -> EvidenceDownload:
    """An evidence file of result ``result_id``, audited.

    Args:
        as_inspector: None for a reviewer; otherwise the reader's inspector id, which must
            be in the result's team.

    Raises:
        ResultNotFound: no such result, or it lists no file with this hash, or the file is
            gone.
        NotAssigned: the inspector is not in the result's team.
        ContentWithdrawn: the result's sealed content was withdrawn.
    """
    with new_session(engine) as session, session.begin():
        row = session.get(InspectionResult, result_id)
        if row is None:
            raise ResultNotFound(f"no result {result_id}")
        if as_inspector is None:  # an inspector of the team reads it wherever it was
            require_task(session, actor, row.task)
        if not may_read(row.fields, as_inspector):
            raise NotAssigned(f"inspector {as_inspector} is not in the team of result {result_id}")
        listed = [e for e in row.fields.get("evidence", []) if e.get("sha256") == sha256]
        if not listed:
            raise ResultNotFound(f"result {result_id} has no evidence file {sha256}")
        if withdrawn(session, log, row):
            raise ContentWithdrawn(f"the content of result {result_id} was withdrawn")
        stored = session.get(EvidenceFile, sha256)
        if stored is None:
            raise ResultNotFound(f"no evidence file {sha256}")
        name = str(listed[0]["name"])
        record_audit(
            session,
            now,
            actor,
            DOWNLOAD_ACTION,
            f"{row.task}/{row.target}",
            {"result": result_id, "sha256": sha256, "name": name, "size": stored.size},
            remote_addr,
        )
        return EvidenceDownload(name, sha256, bytes(stored.data))
