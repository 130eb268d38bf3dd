"""Audit of a whole public export: the log, every record, every task.

The export is read through ``get(path) -> bytes`` (files, HTTP or a dict in tests); a missing
path raises :class:`KeyError`. Layout (docs/export.md)::

    checkpoint                 the latest signed checkpoint (C2SP tlog-checkpoint)
    checkpoints/list           sizes of every checkpoint ever signed, one per line, ascending
    checkpoints/<size>         each archived signed checkpoint
    tile/...                   C2SP tlog-tiles hash tiles and entry bundles (one record each)
    blobs/<sha256 hex>         content-addressed blobs (a sealed blob may be withdrawn:
                               lottery.core.sealed_audit)

Every check that passes is recorded; failures in one task do not stop the audit of others,
but a broken log (checkpoint, tiles, entries, consistency) stops it: nothing above a log that
does not verify can be trusted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from .check_names import CheckName
from .checkpoint import Checkpoint, open_checkpoint
from .deadline_audit import PublicationAudit, audit_publications
from .early_disclosure import audit_early_reveals
from .errors import EncodingError, VerificationError
from .merkle import leaf_hash
from .note import NoteVerifier
from .pool_membership import MembershipAudit
from .records import Record, open_record
from .sealed_audit import SealedAudit, audit_sealed
from .sharing import SERIAL, Workers
from .tiles import check_tiles, entries_from_bundles
from .verify import Check, TaskVerification, verify_task
from .visit_audit import audit_visits
from .witness_audit import WitnessPolicy, check_witnessed

Getter = Callable[[str], bytes]


class LazyBlobs(Mapping[str, bytes]):
    """Blobs fetched on first use from ``blobs/<digest>``."""

    def __init__(self, get: Getter) -> None:
        self._get = get
        self._cache: dict[str, bytes] = {}

    def __getitem__(self, digest: str) -> bytes:
        if digest not in self._cache:
            self._cache[digest] = self._get(f"blobs/{digest}")
        return self._cache[digest]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)


@dataclass
class AuditReport:
    """Everything the audit established, and what failed."""

    origin: str
    size: int = 0
    checks: list[Check] = field(default_factory=list)
    tasks: dict[str, TaskVerification] = field(default_factory=dict)
    failures: list[tuple[str, VerificationError]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    publications: PublicationAudit | None = None
    sealed: SealedAudit = field(default_factory=SealedAudit)
    not_applicable: list[tuple[str, Check]] = field(default_factory=list)
    """Checks that do not apply, by scope, with why (neither passed nor failed)."""
    policies: int = 0
    """How many ``witness-policy`` records the log holds (each enforced, spec §8)."""

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures


def _fail(report: AuditReport, scope: str, exc: VerificationError) -> AuditReport:
    report.failures.append((scope, exc))
    return report


def checkpoint_origin(data: bytes) -> str:
    """The origin line of a checkpoint, read before verification (to pick the log).

    Raises:
        EncodingError: when the first line is empty or not UTF-8.
    """
    try:
        first = data.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError("checkpoint is not UTF-8") from exc
    if not first:
        raise EncodingError("checkpoint has no origin line")
    return first


def audit_export(
    get: Getter,
    verifiers: Sequence[NoteVerifier],
    *,
    origin: str,
    task: str | None = None,
    witnesses: WitnessPolicy | None = None,
    deadlines: bool = False,
    published_policy: bool = True,
    workers: Workers = SERIAL,
) -> AuditReport:
    """Verify the log and then every task (or only ``task``) of an export.

    ``workers`` may share each task's re-draw with a second process (:func:`verify_task`).

    Each announcement after a ``witness-policy`` record must be covered by a checkpoint
    cosigned by that policy's quorum at least its margin before the beacon; with
    ``witnesses`` (the reader's), also by those (``announcement.witnessed``,
    :mod:`lottery.core.witness_audit`). ``published_policy=False`` skips the published
    policy (the site builder: a late cosignature must not stop the site from publishing).
    With ``deadlines``, the deadlines of reports and penalties are recomputed with the log's
    own ``calendar`` records (nothing from outside the log) and withdrawals and corrections
    checked (``report.publications``, :mod:`lottery.core.deadline_audit`).

    Raises:
        Nothing for verification failures: they are collected in ``report.failures``.
    """
    report = AuditReport(origin)
    try:
        latest = open_checkpoint(_fetch(get, "checkpoint"), verifiers, origin=origin)
    except VerificationError as exc:
        return _fail(report, "log", exc)
    report.size = latest.size
    report.checks.append(
        Check(CheckName.LOG_CHECKPOINT, f"signed checkpoint of {origin}: {latest.size} records")
    )
    try:
        tree = check_tiles(latest.size, latest.root_hash, as_verification(get, CheckName.LOG_TILES))
        report.checks.append(Check(CheckName.LOG_TILES, "every tile matches the checkpoint root"))
        entries = entries_from_bundles(latest.size, as_verification(get, CheckName.LOG_ENTRIES))
        _check_entries(entries, tree.leaf_hash)
        report.checks.append(Check(CheckName.LOG_ENTRIES, f"{len(entries)} entries match the tree"))
        _check_archive(get, verifiers, origin, latest, tree.root, report)
    except EncodingError as exc:
        return _fail(report, "log", VerificationError(CheckName.LOG_FORMAT, str(exc)))
    except VerificationError as exc:
        return _fail(report, "log", exc)

    by_task: dict[str, list[bytes]] = {}
    announcements: list[tuple[int, Record]] = []
    policies: list[tuple[int, WitnessPolicy]] = []
    for i, entry in enumerate(entries):
        try:
            record = open_record(entry, verifiers, log=origin)
        except VerificationError as exc:
            _fail(report, f"entry {i}", exc)
            continue
        report.records.append(record)
        if "task" in record.body and record.type.startswith("task-"):
            by_task.setdefault(record.body["task"], []).append(entry)
        if record.type == "task-announcement" and task in (None, record.body.get("task")):
            announcements.append((i, record))
        if record.type == "witness-policy":
            policies.append((i, WitnessPolicy.published(i, record.body)))
    report.checks.append(
        Check(
            CheckName.RECORDS_SIGNATURE, f"{len(report.records)} of {len(entries)} records verify"
        )
    )
    if task is not None and task not in by_task:
        return _fail(
            report, task, VerificationError(CheckName.TASK_MISSING, f"no task {task} in the log")
        )
    blobs = LazyBlobs(get)
    report.sealed = audit_sealed(report.records, lambda digest: get(f"blobs/{digest}"))
    report.checks += report.sealed.checks
    report.failures += report.sealed.failures
    for name in sorted(by_task) if task is None else [task]:
        try:
            report.tasks[name] = verify_task(
                by_task[name], blobs, verifiers, log=origin, workers=workers
            )
        except VerificationError as exc:
            _fail(report, name, exc)
    _add_membership(report, get, task)
    # An early reveal (docs/spec.md §8 reveal.early); a task that failed already is reported
    # once, by its first failed check.
    early = audit_early_reveals(report.records, lambda digest: get(f"blobs/{digest}"), task)
    failed = {scope for scope, _ in report.failures}
    report.checks += early.checks
    report.failures += [(scope, exc) for scope, exc in early.failures if scope not in failed]
    # Joint visits and the annual cap over the published results (docs/spec.md §8).
    visited = audit_visits(report.records, lambda digest: get(f"blobs/{digest}"), task)
    report.checks += visited.checks
    report.failures += visited.failures
    report.policies = len(policies)
    if not published_policy:
        policies = []
    if witnesses is not None or policies:
        _add_witnessed(report, get, verifiers, witnesses, tree.root, announcements, policies)
    if deadlines:
        report.publications = audit_publications(
            report.records, task=task, contents=report.sealed.contents
        )
        report.checks += report.publications.checks
        report.failures += report.publications.failures
    return report


def _add_membership(report: AuditReport, get: Getter, task: str | None) -> None:
    """Re-derive the pools of announcements that name their registry snapshots (spec §4)."""
    audit = MembershipAudit(lambda digest: get(f"blobs/{digest}"), task=task)
    for record in report.records:
        audit.add(record)
    for name, check, detail in audit.failures:
        _fail(report, name, VerificationError(check, f"task {name}: {detail}"))
    for name, why in audit.not_applicable.items():
        report.not_applicable.append((name, Check(CheckName.POOL_MEMBERSHIP, why)))
    for name, summary in audit.passed.items():
        checks = [
            Check(CheckName.ANNOUNCEMENT_REGISTRIES, "the snapshots it names are published"),
            Check(CheckName.POOL_MEMBERSHIP, summary),
            Check(CheckName.INSPECTORS_MEMBERSHIP, "every eligible inspector, and no other"),
        ]
        if name in audit.cross_checked:
            checks.append(Check(CheckName.INSPECTORS_CROSS_CHECK, audit.cross_checked[name]))
        if name in report.tasks:
            report.tasks[name].checks += checks
        else:  # the task failed another check; still say what was established
            report.checks += [Check(c.name, f"[{name}] {c.detail}") for c in checks]


def _add_witnessed(
    report: AuditReport,
    get: Getter,
    verifiers: Sequence[NoteVerifier],
    policy: WitnessPolicy | None,
    root_at: Callable[[int], bytes],
    announcements: Sequence[tuple[int, Record]],
    published: Sequence[tuple[int, WitnessPolicy]],
) -> None:
    result = check_witnessed(
        get,
        verifiers,
        policy,
        origin=report.origin,
        log_size=report.size,
        root_at=root_at,
        announcements=announcements,
        published=published,
    )
    report.checks += result.log_checks
    report.failures += result.failures
    for name, check in result.tasks.items():
        if name in report.tasks:
            report.tasks[name].checks.append(check)
        else:  # the task failed another check; still say that it was witnessed
            report.checks.append(Check(check.name, f"[{name}] {check.detail}"))


def _check_entries(entries: Sequence[bytes], leaf_at: Callable[[int], bytes]) -> None:
    for i, entry in enumerate(entries):
        if leaf_hash(entry) != leaf_at(i):
            raise VerificationError(
                CheckName.LOG_ENTRIES, f"entry {i} does not match its leaf hash"
            )


def _fetch(get: Getter, path: str) -> bytes:
    try:
        return get(path)
    except KeyError as exc:
        raise VerificationError(CheckName.LOG_MISSING, f"{path} is not published") from exc


def as_verification(get: Getter, check: str) -> Getter:
    """``get`` whose missing path fails ``check`` (a :class:`VerificationError` naming it)."""

    def fetch(path: str) -> bytes:
        try:
            return get(path)
        except KeyError as exc:
            raise VerificationError(check, f"{path} is not published") from exc

    return fetch


def _check_archive(
    get: Getter,
    verifiers: Sequence[NoteVerifier],
    origin: str,
    latest: Checkpoint,
    root_at: Callable[[int], bytes],
    report: AuditReport,
) -> None:
    """Every archived checkpoint must be a prefix of today's tree: nothing was rewritten."""
    try:
        listing = get("checkpoints/list").decode("ascii").split()
        sizes = [int(s) for s in listing]
    except KeyError as exc:
        raise VerificationError(CheckName.LOG_ARCHIVE, "checkpoints/list is not published") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise VerificationError(CheckName.LOG_ARCHIVE, "checkpoints/list is malformed") from exc
    if sizes != sorted(set(sizes)) or not sizes or sizes[-1] != latest.size:
        raise VerificationError(
            CheckName.LOG_ARCHIVE, "checkpoint sizes must ascend and end with the latest checkpoint"
        )
    for size in sizes:
        old = open_checkpoint(_fetch(get, f"checkpoints/{size}"), verifiers, origin=origin)
        if old.size != size or old.root_hash != root_at(size):
            raise VerificationError(
                CheckName.LOG_CONSISTENCY,
                f"checkpoint {size} is not a prefix of the current log: history was rewritten",
            )
    report.checks.append(
        Check(
            CheckName.LOG_CONSISTENCY, f"{len(sizes)} archived checkpoints are prefixes of the log"
        )
    )
