"""What the site shows, read from the public export only (never the database).

The export is audited first (the same checks as ``lottery verify``); a site is only built from
an export that verifies, so the site can never show something the log does not prove.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lottery.core.audit import AuditReport, audit_export, checkpoint_origin
from lottery.core.errors import LotteryError
from lottery.core.note import NoteVerifier
from lottery.core.records import Record
from lottery.core.verify import TaskVerification
from lottery.export import file_getter


class PublishError(LotteryError):
    """The export cannot be published (it does not verify, or it is not an export)."""


@dataclass
class TaskView:
    """One task as the public sees it."""

    task: str
    status: str
    records: list[Record] = field(default_factory=list)
    verification: TaskVerification | None = None

    def record(self, kind: str) -> Record | None:
        """The task's record of ``kind``, if published."""
        return next((r for r in self.records if r.type == kind), None)

    @property
    def announcement(self) -> dict[str, Any]:
        """The announcement body (every task has one)."""
        record = self.record("task-announcement")
        assert record is not None  # noqa: S101 - audited: every task has its announcement
        return record.body


@dataclass
class SiteModel:
    """Everything the pages are made of."""

    origin: str
    vkeys: list[str]
    report: AuditReport
    tasks: dict[str, TaskView]
    get: Callable[[str], bytes]
    checkpoint_text: str

    def blob_json(self, digest: str) -> Any:
        """A published blob, parsed."""
        return json.loads(self.get(f"blobs/{digest}"))


def load_model(export: Path, vkeys: list[str] | None = None) -> SiteModel:
    """Audit the export and gather what the pages need.

    Raises:
        PublishError: when the export is missing or does not verify.
    """
    if not (export / "checkpoint").is_file():
        raise PublishError(f"{export} is not an export: no 'checkpoint' file")
    get = file_getter(export)
    keys = vkeys or get("keys/office.vkey").decode("utf-8").split()
    verifiers = [NoteVerifier.from_vkey(k) for k in keys]
    checkpoint = get("checkpoint")
    origin = checkpoint_origin(checkpoint)
    report = audit_export(get, verifiers, origin=origin)
    if not report.ok:
        scope, exc = report.failures[0]
        raise PublishError(f"the export does not verify ({scope}: {exc.check}: {exc.detail})")
    tasks: dict[str, TaskView] = {}
    for record in report.records:
        name = record.body.get("task")
        if isinstance(name, str) and record.type.startswith("task-"):
            view = tasks.setdefault(name, TaskView(name, "announced"))
            view.records.append(record)
    for name, view in tasks.items():
        view.verification = report.tasks.get(name)
        if view.verification is not None:
            view.status = view.verification.status
    text = checkpoint.split(b"\n\n", 1)[0].decode("utf-8")
    return SiteModel(origin, keys, report, tasks, get, text)
