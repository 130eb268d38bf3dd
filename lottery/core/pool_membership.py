"""Who must be in a task's pools, re-derived from published registry snapshots (spec §4).

An announcement made since the ``registries`` member exists names the ``registry-snapshot``
records of the org units, the targets and the inspectors that its pools were read from. From
those snapshots and the ``item-list`` records published before it, anyone can compute:

- the **candidates**: every target whose status is ``正常``, whose region is the region of one
  of the announcement's ``org_units``, and whose type is covered by the cited items (the union
  of their ``target_types``; every type when none names types). The pool blob and the
  exclusions blob together must hold exactly these targets, each pooled one in the stratum of
  its snapshot region and risk class;
- the **eligible inspectors**: every inspector whose status is ``在岗``, whose org unit is one
  of ``org_units`` and whose certificate is valid from ``window.start`` to ``window.end``; the
  team-input blob must list exactly these.

So nobody can be left out of a draw, or slipped into one, without the published data showing
it. An announcement without ``registries`` is of the older format: its pools are not
re-derived (reported as not applicable), unless an earlier announcement of the same log
already named its snapshots, which fails ``announcement.registries`` (a forger dropping the
member to escape the check).

Pure functions: no I/O; :class:`MembershipAudit` is fed records in log order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import schema as s
from .canonical import sha256_hex
from .check_names import CheckName
from .committed import is_commitment_id
from .cross_check import (
    CrossCheck,
    has_specialties,
    own_district_pairs,
    required_specialties,
    split_specialties,
)
from .errors import EncodingError, LotteryError
from .joint import Departments
from .outcome import decode_team_input
from .pool import decode_exclusions
from .pool_blob import decode_pool
from .records import Record

TARGET_ACTIVE = "正常"
"""A target's snapshot ``status`` when it may be drawn (the canonical label of 'active')."""
INSPECTOR_ACTIVE = "在岗"
"""An inspector's snapshot ``status`` when they may go (the canonical label of 'active')."""

SNAPSHOT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "targets": ("uscc", "name", "type", "region", "risk_class", "status"),
    "inspectors": (
        "id",
        "name",
        "cert_no",
        "cert_valid_from",
        "cert_valid_to",
        "org_unit",
        "level",
        "specialties",
        "status",
        "department",
    ),
    "org-units": ("code", "name", "level", "parent", "region"),
}
"""The fields of each registry's snapshot blob, in order (docs/export.md)."""

LEGACY_SNAPSHOT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "inspectors": SNAPSHOT_FIELDS["inspectors"][:-1],
}
"""The fields of a snapshot written before a field was added at the end (docs/export.md):
still read, each missing trailing field read as ``""`` (an inspectors snapshot without
``department``: every inspector the office's own)."""


def legacy_padding(registry: str, fields: object) -> int | None:
    """How many trailing ``""`` a row of a snapshot with ``fields`` needs to have the current
    fields: 0 for the current list, more for a legacy list, ``None`` for any other list."""
    current = SNAPSHOT_FIELDS[registry]
    if fields == list(current):
        return 0
    legacy = LEGACY_SNAPSHOT_FIELDS.get(registry)
    if legacy is not None and fields == list(legacy):
        return len(current) - len(legacy)
    return None


def snapshot_rows(data: bytes, registry: str) -> list[list[str]]:
    """The rows of a snapshot blob of ``registry``, each a list in :data:`SNAPSHOT_FIELDS` order.

    The blob's bytes are bound by its SHA-256 in the snapshot record; here only its structure
    matters (an object member named twice is refused, so no two readers can disagree on it).

    Raises:
        EncodingError: naming what is malformed.
    """
    try:
        body: Any = json.loads(data, object_pairs_hook=_unique_members)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EncodingError(f"snapshot of {registry} is not JSON: {exc}") from exc
    s.obj(
        {
            "type": s.const("registry-snapshot"),
            "registry": s.const(registry),
            "fields": s.anything,
            "rows": s.anything,
        }
    )(body, "snapshot")
    pad = legacy_padding(registry, body["fields"])
    if pad is None:
        raise EncodingError(f"snapshot of {registry} has fields {body['fields']!r}")
    rows = body["rows"]
    width = len(SNAPSHOT_FIELDS[registry]) - pad
    if (
        not isinstance(rows, list)
        or {type(row) for row in rows} - {list}
        or {len(row) for row in rows} - {width}
        or {type(v) for row in rows for v in row} - {str}
    ):
        raise EncodingError(f"snapshot of {registry}: rows must be {width} strings each")
    if registry == "targets":
        named_commitment(rows)
    return [row + [""] * pad for row in rows] if pad else rows


def named_commitment(rows: Sequence[Sequence[str]]) -> None:
    """Refuse a ``targets`` snapshot row keyed by a commitment id that still carries a name
    (spec §4 "Committed pools": a withheld target's ``name`` is ``""``)."""
    name = SNAPSHOT_FIELDS["targets"].index("name")
    for row in rows:
        if is_commitment_id(row[0]) and row[name]:
            raise EncodingError(
                f"snapshot of targets: the withheld target {row[0]} has a name; "
                'a row keyed by a commitment id must have the name ""'
            )


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("an object names a member twice")
    return out


def covered_types(
    items: Sequence[Mapping[str, Any]], lists: Mapping[int, Mapping[str, Sequence[str] | None]]
) -> frozenset[str] | None:
    """The target types the cited ``items`` cover; None: every type.

    ``lists`` maps an item-list version to ``{code: target_types or None}``.
    """
    types: set[str] = set()
    for ref in items:
        named = lists.get(ref["version"], {}).get(ref["code"])
        types.update(named or ())
    return frozenset(types) if types else None


def _col(registry: str, name: str) -> int:
    return SNAPSHOT_FIELDS[registry].index(name)


def expected_candidates(
    targets: Sequence[Sequence[str]],
    units: Sequence[Sequence[str]],
    org_units: Sequence[str],
    types: frozenset[str] | None,
) -> dict[str, tuple[str, str]]:
    """The candidates ``{uscc: (region, risk class)}`` the spec's pool rule gives.

    ``targets`` and ``units``: snapshot rows in :data:`SNAPSHOT_FIELDS` order.
    """
    code, unit_region = _col("org-units", "code"), _col("org-units", "region")
    scope = set(org_units)
    regions = {u[unit_region] for u in units if u[code] in scope and u[unit_region]}
    uscc, kind, region = _col("targets", "uscc"), _col("targets", "type"), _col("targets", "region")
    risk, status = _col("targets", "risk_class"), _col("targets", "status")
    return {
        t[uscc]: (t[region], t[risk])
        for t in targets
        if t[status] == TARGET_ACTIVE
        and t[region] in regions
        and (types is None or t[kind] in types)
    }


def expected_inspectors(
    inspectors: Sequence[Sequence[str]],
    org_units: Sequence[str],
    start: str,
    end: str,
    specialties: frozenset[str] = frozenset(),
    departments: frozenset[str] | None = None,
) -> list[str]:
    """The eligible inspectors' ids, sorted, by the spec's rule (rows in field order).

    ``specialties``: under a cross-check rule with ``specialty``, those the cited items ask
    for; an inspector must hold every one. ``departments``: a joint task's participating
    departments; an inspector's ``department`` must be ``""`` (the office's own) or one of them.
    """
    allowed = {"", *(departments or ())}
    dept = _col("inspectors", "department")
    held = _col("inspectors", "specialties")
    ident, unit = _col("inspectors", "id"), _col("inspectors", "org_unit")
    valid_from, valid_to = (
        _col("inspectors", "cert_valid_from"),
        _col("inspectors", "cert_valid_to"),
    )
    status = _col("inspectors", "status")
    scope = set(org_units)
    return sorted(
        i[ident]
        for i in inspectors
        if i[status] == INSPECTOR_ACTIVE
        and i[unit] in scope
        and i[valid_from] <= start
        and i[valid_to] >= end
        and has_specialties(split_specialties(i[held]), specialties)
        and (i[dept] if len(i) > dept else "") in allowed  # a legacy row: the office's own
    )


def departments_problem(
    joint: Departments,
    listed: Mapping[str, str] | None,
    inspectors: Sequence[Sequence[str]],
) -> str | None:
    """What is wrong with a joint task's team-input departments, or None: each listed
    inspector's department is their snapshot ``department``, the lead for ``""`` (the office's
    own), rows in :data:`SNAPSHOT_FIELDS` order."""
    if listed is None:
        return "the team input of a joint task gives no departments"
    ident, dept = _col("inspectors", "id"), _col("inspectors", "department")
    of = {i[ident]: joint.named(i[dept] if len(i) > dept else "") for i in inspectors}
    wrong = sorted(i for i, d in listed.items() if of.get(i) != d)
    if wrong:
        shown = ", ".join(f"{i} ({listed[i]}, snapshot: {of.get(i, '?')})" for i in wrong[:5])
        return f"departments that are not the snapshot's: {shown}"
    return None


def cross_check_problem(
    pooled: Mapping[str, tuple[str, str]],
    listed: Sequence[str],
    conflicts: Mapping[str, frozenset[str]],
    inspectors: Sequence[Sequence[str]],
    units: Sequence[Sequence[str]],
) -> str | None:
    """What is wrong with a team input under the own-district rule, or None: every pair of a
    pooled target and a listed inspector whose unit governs the target's region must be
    among its ``conflicts`` (rows in :data:`SNAPSHOT_FIELDS` order)."""
    ident, unit = _col("inspectors", "id"), _col("inspectors", "org_unit")
    code, region = _col("org-units", "code"), _col("org-units", "region")
    unit_of = {i[ident]: i[unit] for i in inspectors}
    pairs = own_district_pairs(
        ((t, key[0]) for t, key in pooled.items()),
        ((i, unit_of.get(i, "")) for i in listed),
        {u[code]: u[region] for u in units},
    )
    missing = [(t, i) for t, i in pairs if i not in conflicts.get(t, frozenset())]
    if missing:
        t, i = missing[0]
        return f"{len(missing)} own-district pairs are not among the conflicts, first [{t}, {i}]"
    return None


def pool_problem(
    expected: Mapping[str, tuple[str, str]],
    pooled: Mapping[str, tuple[str, str]],
    excluded: Sequence[str],
) -> str | None:
    """What is wrong with a pool (``{id: (region, risk)}``) and its exclusions, or None."""
    listed = pooled.keys() | set(excluded)
    if listed != expected.keys():
        missing = sorted(expected.keys() - listed)
        if missing:
            return f"{len(missing)} candidates are neither pooled nor excluded, first {missing[0]}"
        extra = sorted(listed - expected.keys())
        return f"{len(extra)} pooled or excluded targets are not candidates, first {extra[0]}"
    if any(expected[t] != key for t, key in pooled.items()):
        moved = sorted(t for t, key in pooled.items() if expected[t] != key)
        t = moved[0]
        return (
            f"{len(moved)} candidates are in another stratum than their snapshot says, first "
            f"{t} in {'|'.join(pooled[t])}, not {'|'.join(expected[t])}"
        )
    return None


def inspectors_problem(expected: Sequence[str], listed: Sequence[str]) -> str | None:
    """What is wrong with a team-input blob's inspector list, or None."""
    missing = sorted(set(expected) - set(listed))
    if missing:
        return f"{len(missing)} eligible inspectors are not listed, first {missing[0]}"
    extra = sorted(set(listed) - set(expected))
    if extra:
        return f"{len(extra)} listed inspectors are not eligible, first {extra[0]}"
    return None


@dataclass
class MembershipAudit:
    """The membership checks of every announcement that names its snapshots.

    Feed records in log order with :meth:`add`; ``blob(digest)`` returns a published blob
    (raising :class:`KeyError` when it is not published).
    """

    blob: Callable[[str], bytes]
    task: str | None = None
    passed: dict[str, str] = field(default_factory=dict)
    cross_checked: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)
    """Task -> why its pools are not re-derived (an announcement of the older format)."""
    known: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    """Tasks whose announcement an earlier run found to pass (its summary and cross-check
    summary): taken as passed without reading the snapshots again. An announcement's result
    depends only on the records before it and on content-addressed blobs."""
    _first_named: str | None = None
    _snapshots: dict[str, Record] = field(default_factory=dict)
    _latest: dict[str, str] = field(default_factory=dict)
    _lists: dict[int, dict[str, list[str] | None]] = field(default_factory=dict)
    _specialties: dict[int, dict[str, str | None]] = field(default_factory=dict)
    _parsed: dict[str, list[list[str]]] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        """Take the next record of the log."""
        body = record.body
        if record.type == "registry-snapshot":
            self._snapshots[record.id] = record
            self._latest[body["registry"]] = record.id
        elif record.type == "item-list":
            self._lists[body["version"]] = {i["code"]: i.get("target_types") for i in body["items"]}
            self._specialties[body["version"]] = {
                i["code"]: i.get("specialty") for i in body["items"]
            }
        elif record.type == "task-announcement":
            earlier = self._first_named
            if "registries" in body and earlier is None:
                self._first_named = body["task"]
            if self.task not in (None, body["task"]):
                return
            if "registries" not in body:
                if "cross_check" in body:  # a rule nobody could check: refused
                    self.failures.append(
                        (
                            body["task"],
                            CheckName.INSPECTORS_CROSS_CHECK,
                            "names a cross-check rule but no registry snapshots to check it by",
                        )
                    )
                else:
                    self._unnamed(body["task"], earlier)
                return
            if body["task"] in self.known:
                summary, cross = self.known[body["task"]]
                self.passed[body["task"]] = summary
                if cross is not None:
                    self.cross_checked[body["task"]] = cross
                return
            problem = self._announcement(body)
            if problem is None:
                self.passed[body["task"]] = self._summary(body)
                rule = CrossCheck.from_announcement(body)
                if rule.on:
                    self.cross_checked[body["task"]] = self._rule_summary(rule)
            else:
                self.failures.append((body["task"], *problem))

    def _unnamed(self, task: str, earlier: str | None) -> None:
        """An announcement without ``registries``: of the older format, or a forgery that
        dropped the member once the log already carried it (spec §8)."""
        if earlier is None:
            self.not_applicable[task] = (
                "not re-derived: the announcement names no registry snapshots "
                "(made before the member existed)"
            )
        else:
            self.failures.append(
                (
                    task,
                    CheckName.ANNOUNCEMENT_REGISTRIES,
                    "the announcement names no registry snapshots, but the announcement of "
                    f"{earlier} earlier in this log does: the member cannot be dropped",
                )
            )

    def _summary(self, body: Mapping[str, Any]) -> str:
        pool, excl = body["pool"]["candidates"], body["exclusions"]["count"]
        return (
            f"{pool + excl} candidates from the snapshots ({pool} pooled, {excl} excluded), "
            f"{body['inspector_pool']['inspectors']} eligible inspectors"
        )

    @staticmethod
    def _rule_summary(rule: CrossCheck) -> str:
        said = []
        if rule.own_district:
            said.append("every own-district pair is among the conflicts")
        if rule.specialty:
            said.append("every listed inspector holds the specialties the items ask for")
        return "; ".join(said)

    def _announcement(self, body: Mapping[str, Any]) -> tuple[str, str] | None:
        try:
            rows = {name: self._rows(name, rid) for name, rid in body["registries"].items()}
        except (KeyError, LotteryError) as exc:
            return CheckName.ANNOUNCEMENT_REGISTRIES, str(exc).strip("'\"")
        org_units = body["org_units"]
        types = covered_types(body["items"], self._lists)
        try:
            pool = decode_pool(self.blob(body["pool"]["sha256"]))
            exclusions = decode_exclusions(self.blob(body["exclusions"]["sha256"]))
            team_input = decode_team_input(self.blob(body["inspector_pool"]["sha256"]))
        except (KeyError, LotteryError) as exc:
            return CheckName.POOL_MEMBERSHIP, f"a blob of the announcement cannot be read: {exc}"
        pooled = {c: (st.region, st.risk) for st in pool.strata for c in st.candidates}
        excluded = [e.target for e in exclusions]
        expected = expected_candidates(rows["targets"], rows["org-units"], org_units, types)
        problem = pool_problem(expected, pooled, excluded)
        if problem is not None:
            return CheckName.POOL_MEMBERSHIP, problem
        window = body["window"]
        rule = CrossCheck.from_announcement(body)
        refs = [(ref["code"], ref["version"]) for ref in body["items"]]
        needed = required_specialties(refs, self._specialties) if rule.specialty else frozenset()
        joint = Departments.from_announcement(body)
        eligible = expected_inspectors(
            rows["inspectors"],
            org_units,
            window["start"],
            window["end"],
            needed,
            None if joint is None else frozenset(joint.participants),
        )
        problem = inspectors_problem(eligible, team_input.inspectors)
        if problem is None and joint is not None:
            problem = departments_problem(joint, team_input.departments, rows["inspectors"])
        if problem is not None:
            return CheckName.INSPECTORS_MEMBERSHIP, problem
        if rule.own_district:
            problem = cross_check_problem(
                pooled,
                team_input.inspectors,
                team_input.conflicts,
                rows["inspectors"],
                rows["org-units"],
            )
            if problem is not None:
                return CheckName.INSPECTORS_CROSS_CHECK, problem
        return None

    def _rows(self, registry: str, record_id: str) -> list[list[str]]:
        """The rows of the snapshot ``record_id`` (parsed once: tasks share snapshots)."""
        if (
            record_id in self._parsed
            and self._snapshots[record_id].body["registry"] == registry
            and self._latest.get(registry) == record_id
        ):
            return self._parsed[record_id]
        record = self._snapshots.get(record_id)
        if record is None or record.body["registry"] != registry:
            raise EncodingError(
                f"registries.{registry} names {record_id[:16]}, which is not a {registry} "
                "snapshot published before the announcement"
            )
        if self._latest.get(registry) != record_id:
            raise EncodingError(
                f"registries.{registry} names {record_id[:16]}, but the {registry} snapshot "
                f"in force at the announcement is {self._latest.get(registry, '?')[:16]}"
            )
        try:
            data = self.blob(record.body["blob"])
        except KeyError as exc:
            raise EncodingError(f"the {registry} snapshot blob is not published") from exc
        if sha256_hex(data) != record.body["blob"]:
            raise EncodingError(f"the {registry} snapshot blob does not match its SHA-256")
        self._parsed[record_id] = snapshot_rows(data, registry)
        return self._parsed[record_id]
