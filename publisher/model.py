"""What the site shows, read from the public export only (never the database).

The export is audited first (the same checks as ``lottery verify``); a site is only built from
an export that verifies, so the site can never show something the log does not prove.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lottery.core.audit import AuditReport, audit_export, checkpoint_origin
from lottery.core.audit_state import PriorAudit
from lottery.core.committed import Opening
from lottery.core.errors import EncodingError, LotteryError
from lottery.core.note import NoteVerifier
from lottery.core.records import Record
from lottery.core.risk_rules import parse_risk_rules
from lottery.core.verify import TaskVerification
from lottery.export.read import file_getter, published_blobs
from publisher import collector
from publisher.names import Places, region_names
from publisher.snapshot import Snapshot, decode_snapshot

# The records of a task's own lifecycle, in the order of its timeline.
LIFECYCLE = ("task-announcement", "task-draw", "task-reveal", "task-cancellation")


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
    def secret_lost(self) -> bool:
        """Cancelled by a cancellation that says the secret is lost (spec §7): the draw
        cannot be checked, which the pages say wherever the task's status is shown."""
        cancel = self.record("task-cancellation")
        return cancel is not None and cancel.body.get("secret_lost") is True

    @property
    def announcement(self) -> dict[str, Any]:
        """The announcement body (every task has one)."""
        record = self.record("task-announcement")
        if record is None:  # the audit before the build proves every task has one
            raise PublishError(f"task {self.task} has no announcement")
        return record.body


@dataclass
class SiteModel:
    """Everything the pages are made of.

    Attributes:
        index: log index of every record, by record id.
        item_lists: ``item-list`` records by version.
        snapshots: ``registry-snapshot`` records per registry, in log order.
        results, task_reports: ``inspection-result`` and ``task-report`` records by task (a
            task the log does not announce is allowed: results are audited by a later issue).
        penalties: ``penalty`` records in log order; ``withdrawals`` by penalty id.
        rectifications: ``rectification-order`` and ``rectification-check`` records by task.
        plans: ``plan`` records (年度抽查计划) by record id, in log order.
        objections: ``objection-outcome`` records by task, in log order.
    """

    origin: str
    vkeys: list[str]
    report: AuditReport
    tasks: dict[str, TaskView]
    get: Callable[[str], bytes]
    checkpoint_text: str
    index: dict[str, int] = field(default_factory=dict)
    item_lists: dict[int, Record] = field(default_factory=dict)
    snapshots: dict[str, list[Record]] = field(default_factory=dict)
    results: dict[str, list[Record]] = field(default_factory=dict)
    task_reports: dict[str, list[Record]] = field(default_factory=dict)
    penalties: list[Record] = field(default_factory=list)
    withdrawals: dict[str, Record] = field(default_factory=dict)
    rectifications: dict[str, list[Record]] = field(default_factory=dict)
    plans: dict[str, Record] = field(default_factory=dict)
    objections: dict[str, list[Record]] = field(default_factory=dict)
    _parsed: dict[str, Snapshot] = field(default_factory=dict, repr=False)
    _names: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _places: Places | None = field(default=None, repr=False)
    _risk_words: dict[int, dict[str, str]] = field(default_factory=dict, repr=False)

    def blob_json(self, digest: str) -> Any:
        """A published blob, parsed."""
        return json.loads(self.get(f"blobs/{digest}"))

    @property
    def records(self) -> list[Record]:
        """Every record, in log order."""
        return self.report.records

    def latest_snapshot(self, registry: str) -> tuple[Record, Snapshot] | None:
        """The last published snapshot of ``registry``, parsed strictly (cached).

        Raises:
            PublishError: when its blob is missing or not in the snapshot format.
        """
        published = self.snapshots.get(registry)
        if not published:
            return None
        return published[-1], self.parsed_snapshot(published[-1])

    def parsed_snapshot(self, record: Record) -> Snapshot:
        """The blob of the ``registry-snapshot`` ``record``, parsed strictly (cached).

        Raises:
            PublishError: when its blob is missing or not in the snapshot format.
        """
        registry = record.body["registry"]
        if record.id not in self._parsed:
            body = record.body
            try:
                data = self.get(f"blobs/{body['blob']}")
            except KeyError:
                raise PublishError(
                    f"{registry} snapshot blob {body['blob']} is not in the export"
                ) from None
            try:
                self._parsed[record.id] = decode_snapshot(
                    data, registry, sha256=body["blob"], rows=body["rows"]
                )
            except EncodingError as exc:
                raise PublishError(f"record {record.id[:16]}: {exc}") from exc
        return self._parsed[record.id]

    def names(self, registry: str) -> dict[str, str]:
        """Key -> name from the latest snapshot of ``registry`` (empty when none; cached).

        Raises:
            PublishError: when that snapshot is malformed.
        """
        if registry not in self._names:
            latest = self.latest_snapshot(registry)
            self._names[registry] = latest[1].mapping("name") if latest else {}
        return self._names[registry]

    def places(self) -> Places:
        """District names of region codes, from the latest org-units snapshot (cached;
        publisher/names.py gives the rule).

        Raises:
            PublishError: when that snapshot is malformed.
        """
        if self._places is None:
            latest = self.latest_snapshot("org-units")
            current = self.current_items
            self._places = Places(
                region_names(latest[1] if latest else None),
                self.risk_words(current.body["version"]) if current else {},
            )
        return self._places

    def risk_words(self, version: int) -> dict[str, str]:
        """Risk class -> shown text under the ``labels`` of item-list ``version`` (empty when
        it sets none or is not published: the standard words)."""
        if version not in self._risk_words:
            record = self.item_lists.get(version)
            rules = record.body.get("risk_rules") if record else None
            words: dict[str, str] = {}
            if rules and rules.get("labels"):
                try:
                    words = parse_risk_rules(rules).label_map()
                except EncodingError:  # the audit failed such a record; the usual words
                    words = {}
            self._risk_words[version] = words
        return self._risk_words[version]

    def task_places(self, announcement: dict[str, Any]) -> Places:
        """The names of one task's pages: the district names, and the risk classes as the
        item-list version the task cites names them (the highest cited version; a task
        citing none: the latest version's, as every other page)."""
        versions = [i["version"] for i in announcement.get("items", [])]
        if not versions:
            return self.places()
        return self.places().with_risks(self.risk_words(max(versions)))

    def target_names(self) -> dict[str, str]:
        """USCC -> name from the latest targets snapshot (empty when none is published)."""
        return self.names("targets")

    def task_target_names(self, announcement: Mapping[str, Any] | None) -> dict[str, str]:
        """The names a task's page shows: the latest targets snapshot's, and for a target it
        no longer names (its type withheld since: committed pools) the name in the snapshot
        the task's pools were read from (``registries.targets``), which the log published
        with the task and cannot take back."""
        names = self.target_names()
        ref = (announcement.get("registries") or {}).get("targets") if announcement else None
        frozen = next((r for r in self.snapshots.get("targets", []) if r.id == ref), None)
        if frozen is None:
            return names
        try:
            then = self.parsed_snapshot(frozen).mapping("name")
        except PublishError:
            return names  # the task's own checks report the bad snapshot
        return {k: v for k, v in then.items() if v} | names

    def opened_targets(self) -> dict[str, Opening]:
        """USCC -> opening of every committed pick a reveal opened (spec §4 "Committed
        pools")."""
        return {
            o.uscc: o
            for view in self.tasks.values()
            if view.verification is not None
            for o in view.verification.openings.values()
        }

    def opened_names(self) -> dict[str, str]:
        """USCC -> name of every committed pick a reveal opened."""
        return {uscc: o.name for uscc, o in self.opened_targets().items()}

    def inspector_names(self) -> dict[str, str]:
        """Inspector id -> name from the latest inspectors snapshot (empty when none)."""
        return self.names("inspectors")

    @property
    def current_items(self) -> Record | None:
        """The item list of the highest version."""
        return self.item_lists[max(self.item_lists)] if self.item_lists else None


def load_model(
    export: Path,
    vkeys: list[str] | None = None,
    known: Mapping[str, tuple[str, TaskVerification]] | None = None,
    prior: PriorAudit | None = None,
    sealed: Mapping[str, Mapping[str, Any]] | None = None,
) -> SiteModel:
    """Audit the export and gather what the pages need.

    ``known``: task verifications of an earlier audit to reuse for tasks whose entries did
    not change (:func:`lottery.core.audit.audit_export`; publisher/site_cache.py).
    ``prior``: the log an earlier audit verified (its size and root): the export must extend
    it, and the signatures of its records are not checked again. ``sealed``: the sealed
    contents an earlier audit opened, by record id: a blob still in the export's ``blobs/``
    is not read again for them.

    Raises:
        PublishError: when the export is missing or does not verify, or an item list version
            is published twice.
    """
    if not (export / "checkpoint").is_file():
        raise PublishError(f"{export} is not an export: no 'checkpoint' file")
    get = file_getter(export)
    keys = vkeys or get("keys/office.vkey").decode("utf-8").split()
    verifiers = [NoteVerifier.from_vkey(k) for k in keys]
    checkpoint = get("checkpoint")
    origin = checkpoint_origin(checkpoint)
    # The same checks as `lottery verify`, publication deadlines included (with the log's
    # own calendar records only: the site needs no calendar data from outside the export).
    # The published witness policy is not enforced here: an announcement its witnesses
    # cosigned late must not stop the site from publishing (readers check it: docs/witness.md).
    # The cyclic collector is paused as `lottery verify` pauses it: the audit makes millions
    # of objects (the records' bodies) and no cycle worth collecting, and each full
    # collection walked them all again (about 40 % of an incremental audit's CPU at 52,810
    # records, docs/benchmarks.md).
    with collector.paused():
        report = audit_export(
            get,
            verifiers,
            origin=origin,
            deadlines=True,
            published_policy=False,
            known=known,
            prior=prior,
            sealed=sealed,
            present=published_blobs(export) if sealed else None,
        )
    if not report.ok:
        scope, exc = report.failures[0]
        raise PublishError(f"the export does not verify ({scope}: {exc.check}: {exc.detail})")
    text = checkpoint.split(b"\n\n", 1)[0].decode("utf-8")
    model = SiteModel(origin, keys, report, {}, get, text)
    for i, record in enumerate(report.records):
        model.index[record.id] = i
        _file(model, record)
    for name, view in model.tasks.items():
        view.verification = report.tasks.get(name)
        if view.verification is not None:
            view.status = view.verification.status
    return model


def _file(model: SiteModel, record: Record) -> None:
    """Put one record where the pages look for it."""
    body = record.body
    kind = record.type
    if kind in LIFECYCLE:
        view = model.tasks.setdefault(body["task"], TaskView(body["task"], "announced"))
        view.records.append(record)
    elif kind == "inspection-result":
        model.results.setdefault(body["task"], []).append(record)
    elif kind in ("rectification-order", "rectification-check"):
        model.rectifications.setdefault(body["task"], []).append(record)
    elif kind == "objection-outcome":
        model.objections.setdefault(body["task"], []).append(record)
    elif kind == "task-report":
        model.task_reports.setdefault(body["task"], []).append(record)
    elif kind == "item-list":
        if body["version"] in model.item_lists:
            raise PublishError(f"item list version {body['version']} is published twice")
        model.item_lists[body["version"]] = record
    elif kind == "plan":
        model.plans[record.id] = record
    elif kind == "registry-snapshot":
        model.snapshots.setdefault(body["registry"], []).append(record)
    elif kind == "penalty":
        model.penalties.append(record)
    elif kind == "penalty-withdrawal":
        model.withdrawals[body["penalty"]] = record
