"""Records: every public fact, as RFC 8785 JSON signed as a C2SP signed note.

A record's *text* is ``canonical_json(body) + "\\n"``; its *id* is the lower-case hex SHA-256 of
that text (signatures are not part of the id, so cosignatures never change it). The published
bytes of a record are the whole signed note; verifiers parse and check those bytes and never
re-serialize a body to check a signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from . import schema as s
from .canonical import canonical_json, format_time, parse_canonical_json, sha256, sha256_hex
from .check_names import CheckName
from .errors import EncodingError, VerificationError
from .note import NoteVerifier, Signer, open_note, sign_note
from .publication_rules import REVIEW_SCHEMA, rules_schema
from .risk_rules import RISK_RULES_SCHEMA
from .witness_policy import FIELDS as WITNESS_POLICY_FIELDS
from .witness_policy import check_policy_body

SPEC_VERSION = 1
"""The format version of every record type not listed in :data:`RECORD_VERSIONS`."""

RECORD_VERSIONS: dict[str, int] = {
    "penalty": 2,
    "penalty-withdrawal": 2,
    "inspection-result": 2,
    "result-withdrawal": 2,
}
"""Record types whose format moved on (docs/spec.md §2): ``v`` must be exactly this."""

WITHDRAWAL_GROUNDS = ("expired", "revoked", "repaired", "other")
"""Why content is withdrawn: 公示期满, 决定被撤销/变更/确认违法/确认无效, 信用修复, 其他."""

_COMMON: dict[str, s.Validator] = {
    "type": s.text(64),
    "v": s.integer(1),
    "log": s.text(200),
    "time": s.time,
}


def record_version(kind: str) -> int:
    """The format version (``v``) a record of type ``kind`` carries."""
    return RECORD_VERSIONS.get(kind, SPEC_VERSION)


_ITEM = s.obj(
    {
        "code": s.ident,
        "name": s.text(200),
        "basis": s.text(),
        "subject": s.text(200),
        "item": s.text(500),
        "content": s.text(),
        "ratio": s.text(500),
        "frequency": s.text(500),
        "method": s.text(500),
        "requirements": s.text(empty=True),
        "key": s.boolean,
    },
    {
        "target_types": s.array(s.text(100)),
        # 检查要点: what a result answers point by point, each with its legal basis.
        "checklist": s.array(
            s.obj({"point": s.text(500), "basis": s.text(1000)}), min_len=1, max_len=100
        ),
        # The least share of the covered targets a task citing the item draws (basis points).
        "min_ratio": s.integer(1, 10_000),
        # 专业要求: the specialty an inspector needs under a task's cross-check rule.
        "specialty": s.text(50),
    },
)

_REF = s.obj({"code": s.ident, "version": s.integer(1)})

# One entry of the annual plan (年度抽查计划, docs/plans.md): ``period`` is a month "01".."12"
# or a quarter "Q1".."Q4" of the plan's year; ``ratio`` basis points or null (未定).
PLAN_PERIODS = (*(f"{m:02d}" for m in range(1, 13)), "Q1", "Q2", "Q3", "Q4")
_PLAN_ENTRY = s.obj(
    {
        "id": s.ident,
        "items": s.array(s.ident, min_len=1, max_len=200),
        "ratio": s.nullable(s.integer(1, 10_000)),
        "frequency": s.text(200, empty=True),
        "period": s.one_of(*PLAN_PERIODS),
        "tasks": s.integer(1, 10_000),
        "joint": s.boolean,
        "departments": s.array(s.text(100), max_len=20),
        "note": s.text(1000, empty=True),
    }
)

# Standard result categories and check methods (DESIGN.md section 3): exact wording.
RESULT_CATEGORIES = (
    "未发现问题",
    "未按规定公示应当公示的信息",
    "公示信息隐瞒真实情况弄虚作假",
    "通过登记的住所（经营场所）无法联系",
    "发现问题已责令改正",
    "不配合检查情节严重",
    "未发现开展本次抽查涉及的经营活动",
    "发现问题待后续处理",
    "已关闭停业或正在组织清算",
    "注销 / 被吊销 / 被撤销 / 迁出",
)
NO_PROBLEM = "未发现问题"
PENDING = "发现问题待后续处理"
CHECK_METHODS = ("实地检查", "书面检查", "网络监测", "检验检测", "委托专业机构辅助")
# The outcome of a re-check (复查) of a rectification order (docs/results.md).
RECHECK_OUTCOMES = ("已整改", "部分整改", "未按期整改")
# The outcome of an objection (异议) to a published result (docs/objections.md): upheld (异议成立,
# the result was corrected) or dismissed (异议不成立, with the office's reason).
OBJECTION_OUTCOMES = ("upheld", "dismissed")

# An inspector present at a check: drawn for it, or a substitute for a drawn one (with the
# reason and who approved the substitution, published as such).
_PRESENT_FIELDS = s.obj(
    {"id": s.ident, "role": s.one_of("drawn", "substitute")},
    {"replaces": s.ident, "reason": s.text(2000), "approved_by": s.text(100)},
)
_SUBSTITUTION = ("replaces", "reason", "approved_by")


def _present(value: Any, path: str) -> None:
    _PRESENT_FIELDS(value, path)
    given = [k for k in _SUBSTITUTION if k in value]
    if value["role"] == "substitute" and len(given) != len(_SUBSTITUTION):
        missing = next(k for k in _SUBSTITUTION if k not in value)
        raise EncodingError(f"{path} is a substitute without {missing!r}")
    if value["role"] == "drawn" and given:
        raise EncodingError(f"{path} is a drawn inspector with field {given[0]!r}")


_PRESENT = _present
_DEADLINE = s.obj(
    {
        "start": s.date,
        "workdays": s.integer(0, 366),
        "due": s.date,
        "published": s.date,
        "on_time": s.boolean,
        "late_by": s.integer(0),
    }
)
_COUNTS = s.mapping(s.text(200), s.integer(0))
_SUMMARY = s.obj(
    {
        "picked": s.integer(0),
        "checked": s.integer(0),
        "problems": s.integer(0),
        "by_category": _COUNTS,
        "by_region": s.mapping(
            s.text(64),
            s.obj({"picked": s.integer(0), "checked": s.integer(0), "problems": s.integer(0)}),
        ),
    }
)

SCHEMAS: dict[str, Mapping[str, s.Validator]] = {
    "item-list": {
        "version": s.integer(1),
        "effective": s.date,
        "items": s.array(_ITEM, min_len=1),
    },
    "registry-snapshot": {
        "registry": s.one_of("targets", "inspectors", "org-units"),
        "blob": s.hex32,
        "rows": s.integer(0),
        "as_of": s.time,
    },
    "task-announcement": {
        "task": s.ident,
        "title": s.text(200),
        "items": s.array(_REF),
        "org_units": s.array(s.ident, min_len=1),
        "window": s.obj({"start": s.date, "end": s.date}),
        "ratios": s.mapping(s.ident, s.integer(1, 10_000)),
        "team_size": s.integer(2, 20),
        "cap": s.integer(1),
        "pool": s.obj(
            {
                "sha256": s.hex32,
                "candidates": s.integer(1),
                "strata": s.integer(1),
                "picks": s.integer(1),
            }
        ),
        "inspector_pool": s.obj({"sha256": s.hex32, "inspectors": s.integer(2)}),
        "exclusions": s.obj({"sha256": s.hex32, "count": s.integer(0)}),
        "algorithm": s.const("lottery-v1"),
        "beacon": s.anything,
        "commit": s.hex32,
        "disclosure": s.time,
    },
    "task-draw": {
        "task": s.ident,
        "announcement": s.hex32,
        "beacon_value": s.anything,
        "fallback": s.boolean,
        "outcome": s.hex32,
        "picks": s.integer(1),
    },
    "task-reveal": {
        "task": s.ident,
        "draw": s.hex32,
        "secret": s.hex32,
        "outcome": s.hex32,
    },
    "task-cancellation": {
        "task": s.ident,
        "announcement": s.hex32,
        "draw": s.nullable(s.hex32),
        "reason": s.text(2000),
        # null exactly when ``secret_lost`` (spec section 7, "Cancelled, secret lost").
        "secret": s.nullable(s.hex32),
        "outcome": s.nullable(s.hex32),
    },
    # Results, penalties, reports and the office calendar (docs/results.md, docs/workdays.md).
    "inspection-result": {
        "task": s.ident,
        "target": s.ident,
        "target_name": s.text(200),
        "dates": s.array(s.date, min_len=1, max_len=366),
        "inspectors": s.array(_PRESENT, min_len=2, max_len=20),
        "methods": s.array(s.one_of(*CHECK_METHODS), min_len=1),
        "categories": s.array(s.one_of(*RESULT_CATEGORIES), min_len=1),
        "pending_reasons": s.array(s.text(200)),
        "sealed": s.hex32,  # v2: findings, follow_up, evidence (lottery.core.sealed)
        "entered_by": s.text(100),
        "approved_by": s.text(100),
        "supersedes": s.nullable(s.hex32),
        "correction_reason": s.nullable(s.text(2000)),
    },
    # v2: the party, facts, basis, kind, content, amounts and result are sealed
    # (lottery.core.sealed); ``sealed`` is the sealed blob's SHA-256.
    "penalty": {
        "decision": s.text(100),
        "decided": s.date,
        "authority": s.text(200),
        "sealed": s.hex32,
        "publish_until": s.date,
        "deadline": _DEADLINE,
        "entered_by": s.text(100),
        "approved_by": s.text(100),
    },
    # v2: names the sealed blobs it removes, its ground and, for a revoked decision, the day
    # of the revocation and the 3-working-day deadline (行政处罚法 第四十八条, 第八十五条).
    "penalty-withdrawal": {
        "penalty": s.hex32,
        "decision": s.text(100),
        "sealed": s.array(s.hex32, min_len=1, max_len=20),
        "ground": s.one_of(*WITHDRAWAL_GROUNDS),
        "reason": s.text(2000),
        "revoked": s.nullable(s.date),
        "deadline": s.nullable(_DEADLINE),
    },
    # Removes an inspection result's sealed findings and evidence (docs/spec.md §2.1).
    "result-withdrawal": {
        "result": s.hex32,
        "task": s.ident,
        "target": s.ident,
        "sealed": s.array(s.hex32, min_len=1, max_len=20),
        "ground": s.one_of("expired", "repaired", "other"),
        "reason": s.text(2000),
    },
    # Rectification (整改/复查, docs/results.md): an order on a published result with findings,
    # its requirements sealed; the re-check referencing it, its note sealed (spec §2.1).
    "rectification-order": {
        "task": s.ident,
        "target": s.ident,
        "result": s.hex32,
        "due": s.date,
        "sealed": s.hex32,
        "ordered_by": s.text(100),
    },
    "rectification-check": {
        "task": s.ident,
        "target": s.ident,
        "order": s.hex32,
        "date": s.date,
        "inspectors": s.array(s.ident, min_len=2, max_len=20),
        "outcome": s.one_of(*RECHECK_OUTCOMES),
        "sealed": s.hex32,
        "entered_by": s.text(100),
        "approved_by": s.text(100),
    },
    # Removes a rectification order's requirements or a re-check's note (docs/spec.md §2.1).
    "rectification-withdrawal": {
        "record": s.hex32,
        "task": s.ident,
        "target": s.ident,
        "sealed": s.array(s.hex32, min_len=1, max_len=20),
        "ground": s.one_of("expired", "repaired", "other"),
        "reason": s.text(2000),
    },
    # The outcome of an objection (异议) to a published result (docs/objections.md): the
    # objection's own text is never published; the period is counted in working days from the
    # Beijing date the result was published.
    "objection-outcome": {
        "task": s.ident,
        "target": s.ident,
        "result": s.hex32,
        "received": s.date,
        "decided": s.date,
        "period": s.obj({"start": s.date, "workdays": s.integer(1, 366), "due": s.date}),
        "outcome": s.one_of(*OBJECTION_OUTCOMES),
        "correction": s.nullable(s.hex32),
        "reason": s.nullable(s.text(2000)),
        "recorded_by": s.text(100),
        "decided_by": s.text(100),
    },
    "task-report": {
        "task": s.ident,
        "completed": s.date,
        "summary": _SUMMARY,
        "text": s.text(100_000),
        "results": s.array(s.hex32),
        "deadline": _DEADLINE,
        "drafted_by": s.text(100),
        "approved_by": s.text(100),
    },
    "calendar": {
        "year": s.integer(1949, 9999),
        "holidays": s.array(s.date, max_len=366),
        "workdays": s.array(s.date, max_len=366),
        "notice": s.text(500, empty=True),
        "supersedes": s.nullable(s.hex32),
    },
    "key-change": {"keys": s.array(s.text(300), min_len=1), "reason": s.text(2000)},
    # The annual plan (年度抽查计划, docs/plans.md): each change is a new version of the year's
    # plan naming the one it replaces.
    "plan": {
        "year": s.integer(2000, 9999),
        "version": s.integer(1),
        "supersedes": s.nullable(s.hex32),
        "reason": s.text(2000, empty=True),
        "entries": s.array(_PLAN_ENTRY, min_len=1, max_len=2000),
    },
    # The witness policy (docs/witness.md): the witnesses, the quorum k of n and the margin
    # before a beacon; C2SP tlog-policy's content as JSON. The latest one before an
    # announcement applies to it (spec section 8, announcement.witnessed).
    "witness-policy": WITNESS_POLICY_FIELDS,
}

RECORD_TYPES = tuple(sorted(SCHEMAS))

DOCUMENT_KINDS = ("notice", "record", "result")
"""行政检查通知书, 现场检查笔录, 检查结果告知书 (docs/documents.md)."""

OPTIONAL_FIELDS: dict[str, dict[str, s.Validator]] = {
    "task-announcement": {
        # The registry snapshots the pool was read from (spec section 4): record ids of
        # ``registry-snapshot`` records published before the announcement.
        "registries": s.obj({"org-units": s.hex32, "targets": s.hex32, "inspectors": s.hex32}),
        # An announcement that allows an early disclosure says so (§4, §7); one that does not
        # has no such member, as before.
        "disclose_early": s.const(True),
        # Targets kept in the pool although the annual cap would exclude them ("原则上"),
        # each with the office's reason, sorted by target (spec section 4).
        "cap_exceptions": s.array(
            s.obj({"target": s.ident, "reason": s.text(500)}), min_len=1, max_len=1000
        ),
        # 交叉检查: the rule the team input's conflicts and inspector pool follow (spec §4).
        "cross_check": s.obj({"own_district": s.boolean, "specialty": s.boolean}),
        # The annual plan entry the task carries out: a ``plan`` record published before the
        # announcement and the id of one of its entries (docs/plans.md).
        "plan": s.obj({"record": s.hex32, "entry": s.ident}),
        # 部门联合抽查: the lead and participating departments, and whether every team includes
        # one inspector of each (spec section 4, docs/teams.md §8).
        "departments": s.obj(
            {"lead": s.text(100), "participants": s.array(s.text(100), min_len=1, max_len=20)},
            {"one_per_team": s.const(True)},
        ),
    },
    # A committed pool (spec section 4, "Committed pools"): the SHA-256 of the openings blob
    # naming the picked targets behind their commitment ids; absent when no pick is one.
    "task-reveal": {"openings": s.hex32},
    # The office can no longer open the task's secret (lost with a restored database or the
    # secrets key): the cancellation reveals nothing (spec section 7, "Cancelled, secret
    # lost"). Present only as ``true``, and then ``secret`` is null.
    "task-cancellation": {"secret_lost": s.const(True)},
    # How complaints, bad records and serious violations raise a target's risk class, and
    # which classes the annual cap does not apply to (spec section 4, "Risk rules").
    # What published records of a type do not show, field by field, and why (spec §2.3).
    "item-list": {
        "risk_rules": RISK_RULES_SCHEMA,
        "publication_rules": rules_schema(RESULT_CATEGORIES),
    },
    # The documents issued for the inspected target: number and SHA-256 of each PDF.
    "inspection-result": {
        "documents": s.array(
            s.obj({"kind": s.one_of(*DOCUMENT_KINDS), "number": s.text(100), "sha256": s.hex32}),
            min_len=1,
            max_len=3,
        ),
        # A joint visit (联合检查): the other tasks whose published result for the target
        # shares an inspection date, sorted (spec section 8, "Visits and the annual cap").
        "joint_with": s.array(s.ident, min_len=1, max_len=100),
        # 超限理由: why a visit over the annual cap ("原则上") was made anyway.
        "cap_exception": s.text(500),
        # 保密审查: who reviewed what the record shows and the publication rules applied.
        "review": REVIEW_SCHEMA,
    },
    # 保密审查 of a rectification order's requirements / a re-check's note (spec §2.3).
    "rectification-order": {"review": REVIEW_SCHEMA},
    "rectification-check": {"review": REVIEW_SCHEMA},
}
"""Members a record type may carry or leave out: absent in records made before they existed
(old logs still verify); docs/spec.md says when each is present."""


def validate_body(body: Any) -> None:
    """Check a record body against its type's schema.

    Raises:
        EncodingError: naming the first field that is wrong or an unknown type.
    """
    if not isinstance(body, dict):
        raise EncodingError("record body must be a JSON object")
    kind = body.get("type")
    if kind not in SCHEMAS:
        raise EncodingError(f"unknown record type {kind!r}")
    s.obj(_COMMON | dict(SCHEMAS[kind]), OPTIONAL_FIELDS.get(kind))(body, kind)
    if body["v"] != record_version(kind):
        raise EncodingError(f"{kind}.v must be {record_version(kind)}, not {body['v']}")
    if kind == "penalty-withdrawal":
        _withdrawal_rules(body)
    if kind == "plan":
        _plan_rules(body)
    if kind == "objection-outcome":
        _objection_rules(body)
    if kind == "witness-policy":
        check_policy_body(body)
    if kind == "task-cancellation" and ("secret_lost" in body) != (body["secret"] is None):
        raise EncodingError(
            "task-cancellation.secret must be null exactly when secret_lost is true"
        )
    if "documents" in body:
        _document_rules(body["documents"])
    if "joint_with" in body:
        joint = body["joint_with"]
        if joint != sorted(set(joint)) or body["task"] in joint:
            raise EncodingError(
                "inspection-result.joint_with must name other tasks, sorted, each once"
            )
    withdrawals = ("penalty-withdrawal", "result-withdrawal", "rectification-withdrawal")
    if kind in withdrawals and len(set(body["sealed"])) != len(body["sealed"]):
        raise EncodingError(f"{kind}.sealed names a blob twice")


def _plan_rules(body: Mapping[str, Any]) -> None:
    """Entry ids are unique; a joint entry names its departments, another names none; the
    first version replaces nothing and has no reason, a later one names the version it
    replaces."""
    ids = [e["id"] for e in body["entries"]]
    if len(set(ids)) != len(ids):
        raise EncodingError("plan.entries names an entry id twice")
    for entry in body["entries"]:
        if entry["joint"] != bool(entry["departments"]):
            raise EncodingError(
                f"plan.entries[{entry['id']}].departments must be given exactly when joint"
            )
    if (body["version"] == 1) != (body["supersedes"] is None):
        raise EncodingError("plan.supersedes must be null exactly for version 1")
    if body["version"] == 1 and body["reason"]:
        raise EncodingError("plan.reason must be empty for version 1")


def _objection_rules(body: Mapping[str, Any]) -> None:
    """An upheld objection names the correction and no reason; a dismissed one the reverse."""
    upheld = body["outcome"] == "upheld"
    if upheld and (body["correction"] is None or body["reason"] is not None):
        raise EncodingError("objection-outcome upheld needs a correction and no reason")
    if not upheld and (body["correction"] is not None or body["reason"] is None):
        raise EncodingError("objection-outcome dismissed needs a reason and no correction")


def _document_rules(docs: list[dict[str, Any]]) -> None:
    """A result names its notice, then at most one on-site record and one result notice, in
    that order, each number once."""
    kinds = [d["kind"] for d in docs]
    if kinds[0] != "notice" or kinds != sorted(set(kinds), key=DOCUMENT_KINDS.index):
        raise EncodingError(
            "inspection-result.documents must list notice, then record and result at most once"
        )
    if len({d["number"] for d in docs}) != len(docs):
        raise EncodingError("inspection-result.documents names a number twice")


def _withdrawal_rules(body: Mapping[str, Any]) -> None:
    """A revoked decision's withdrawal carries its revocation day and deadline; no other does."""
    revoked = body["ground"] == "revoked"
    for name in ("revoked", "deadline"):
        if revoked and body[name] is None:
            raise EncodingError(f"penalty-withdrawal.{name} is required for a revoked decision")
        if not revoked and body[name] is not None:
            raise EncodingError(
                f"penalty-withdrawal.{name} must be null unless the decision was revoked"
            )


@dataclass(frozen=True)
class Record:
    """A parsed, signature-checked record.

    Attributes:
        note: the exact published bytes (signed note).
        text: the signed text (canonical JSON and a newline).
        body: the parsed JSON object.
    """

    note: bytes
    text: bytes
    body: dict[str, Any]

    @property
    def type(self) -> str:
        """The record type, e.g. ``task-announcement``."""
        return str(self.body["type"])

    @cached_property
    def id(self) -> str:
        """Lower-case hex SHA-256 of the record text (computed once: the whole-log checks
        look a record up by its id many times)."""
        return sha256_hex(self.text)

    @property
    def digest(self) -> bytes:
        """SHA-256 of the record text (the announcement hash in the seed)."""
        return sha256(self.text)


def record_text(kind: str, log: str, time: datetime, fields: Mapping[str, Any]) -> bytes:
    """Build and validate the canonical text of a record.

    Raises:
        EncodingError: when the fields do not match the type's schema.
    """
    body = {
        "type": kind,
        "v": record_version(kind),
        "log": log,
        "time": format_time(time),
        **fields,
    }
    validate_body(body)
    return canonical_json(body) + b"\n"


def make_record(
    kind: str, log: str, time: datetime, fields: Mapping[str, Any], signers: Sequence[Signer]
) -> bytes:
    """Build, validate and sign a record; return the signed note bytes.

    Raises:
        EncodingError: when the fields do not match the type's schema.
    """
    return sign_note(record_text(kind, log, time, fields), signers)


def parse_record_text(text: bytes) -> dict[str, Any]:
    """Parse and validate a record text (without signatures).

    Raises:
        EncodingError: when the text is not one line of canonical JSON of a valid record.
    """
    if not text.endswith(b"\n") or b"\n" in text[:-1]:
        raise EncodingError("record text must be exactly one line of JSON ending in a newline")
    body = parse_canonical_json(text[:-1])
    validate_body(body)
    return dict(body)


def open_record(
    note: bytes, verifiers: Sequence[NoteVerifier], *, log: str | None = None
) -> Record:
    """Check a record's signature(s) and content; fail closed.

    Raises:
        VerificationError: ``record.signature`` for a bad or missing signature,
            ``record.format`` for malformed content, ``record.log`` for a foreign log.
    """
    try:
        opened = open_note(note, verifiers)
    except EncodingError as exc:
        raise VerificationError(CheckName.RECORD_FORMAT, str(exc)) from exc
    except VerificationError as exc:
        raise VerificationError(CheckName.RECORD_SIGNATURE, exc.detail) from exc
    text = opened.note.text
    try:
        body = parse_record_text(text)
    except EncodingError as exc:
        raise VerificationError(CheckName.RECORD_FORMAT, str(exc)) from exc
    if log is not None and body["log"] != log:
        raise VerificationError(
            CheckName.RECORD_LOG, f"record belongs to log {body['log']!r}, not {log!r}"
        )
    return Record(note=note, text=text, body=body)


def late_publication(body: Mapping[str, Any]) -> tuple[str, int] | None:
    """What a late ``task-report`` or ``penalty`` record published, and how late.

    For ``lottery verify`` and the site: returns ``("task T2026-001 report", 2)`` or
    ``("penalty 武人防罚〔2026〕1号", 1)`` when the record's own ``deadline`` says it was late
    by that many working days, and None for an on-time record or any other type.
    """
    kind = body.get("type")
    if kind not in ("task-report", "penalty"):
        return None
    late = int(body["deadline"]["late_by"])
    if late == 0:
        return None
    what = f"task {body['task']} report" if kind == "task-report" else f"penalty {body['decision']}"
    return what, late
