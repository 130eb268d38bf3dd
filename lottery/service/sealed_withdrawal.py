"""Withdrawing a record's sealed content (docs/spec.md §2.1): the one way a result's findings
or a rectification's text leaves the public log's blobs.

The caller finds the record, checks the actor's scope, and names the withdrawal record type,
the member naming the withdrawn record, and the audit action; this publishes the withdrawal,
deletes the blob, audits and signs the checkpoint, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from lottery.core.records import Record
from lottery.storage.models import WithdrawnBlob

from .audit_trail import record_audit
from .calendar import load_record, publish_record
from .log import PublicLog


def withdraw_sealed(
    log: PublicLog,
    session: Session,
    *,
    kind: str,
    ref: str,
    record_id: str,
    task: str,
    target: str,
    ground: str,
    reason: str,
    now: datetime,
    actor: str,
    action: str,
    remote_addr: str | None,
    already: Callable[[], Exception],
) -> Record:
    """Publish a ``kind`` withdrawal of ``record_id``'s sealed blob (named by ``ref``).

    Raises:
        the exception ``already()`` makes, when the content is withdrawn already.
    """
    digest = str(load_record(log, session, record_id).body["sealed"])
    if session.get(WithdrawnBlob, digest) is not None:
        raise already()
    why = reason.strip()
    fields = {
        ref: record_id,
        "task": task,
        "target": target,
        "sealed": [digest],
        "ground": ground,
        "reason": why,
    }
    record = publish_record(log, session, kind, fields, now)
    log.remove_blob(session, digest, record.id)
    detail = {"record": record.id, "reason": why, "ground": ground}
    record_audit(session, now, actor, action, f"{task}/{target}", detail, remote_addr)
    log.sign_checkpoint(session, now)
    return record
