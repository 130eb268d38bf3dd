"""Forged task logs: what a dishonest office can publish with its own key.

Each forgery is a whole task (announcement, draw, reveal or cancellation) built from scratch
with the core's own functions and signed with the TEST-ONLY office key of tests/lifecycle.py,
valid in every respect except the edit a test asks for: after an edit to the announcement or
its blobs the draw is re-computed from the edited announcement, so only the check that looks
at the edited fact can catch it. Used by tests/core/test_verify_attacks.py, the CLI test and
the browser test of the same attacks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from lottery.core.beacon import beacon_value_bytes
from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.draw import cancellation_fields, compute_outcome, draw_fields, reveal_fields
from lottery.core.outcome import decode_team_input
from lottery.core.pool_blob import decode_pool
from lottery.core.records import Record, make_record, open_record
from lottery.core.sealed import seal
from lottery.core.workdays import deadline
from lottery.export.write import write_export
from lottery.service.calendar import builtin_calendar
from tests.lifecycle import LOG, T_ANNOUNCE, T_DRAW, T_REVEAL, announced, beacon, office_signer

Fields = dict[str, Any]
Blobs = dict[str, bytes]
VERIFIERS = [office_signer().verifier()]


@dataclass
class Forged:
    """A forged task: signed records in log order and the blobs they name."""

    notes: list[bytes]
    blobs: Blobs
    records: list[Record] = field(default_factory=list)

    def note(self, kind: str) -> bytes:
        """The signed bytes of the first record of type ``kind``."""
        return next(n for n, r in zip(self.notes, self.records, strict=True) if r.type == kind)


@cache
def _base(task: str) -> tuple[str, bytes, bytes]:
    """The honest announcement's fields (JSON) and blobs of ``task``, and its secret."""
    run = announced(task)
    fields = json.dumps(run.prepared.fields)
    blobs = json.dumps({k: v.decode() for k, v in run.prepared.blobs.items()}).encode()
    return fields, blobs, run.secret


# The deadline claim of a penalty decided Wed 8 Apr 2026 and published the next day: 7
# working days end on Fri 17 Apr; on time.
PENALTY_DEADLINE: Fields = {
    "start": "2026-04-08",
    "workdays": 7,
    "due": "2026-04-17",
    "published": "2026-04-09",
    "on_time": True,
    "late_by": 0,
}


def penalty_fields(
    sealed: str, decision: str, *, entered_by: str = "a", approved_by: str = "b"
) -> Fields:
    """The public fields of a ``penalty`` record (format v2) whose content is the sealed
    blob with SHA-256 ``sealed`` (docs/spec.md section 2.1), decided on 2026-04-08."""
    return {
        "decision": decision,
        "decided": "2026-04-08",
        "authority": "青岚市人民防空办公室",
        "sealed": sealed,
        "publish_until": "2027-04-08",
        "deadline": dict(PENALTY_DEADLINE),
        "entered_by": entered_by,
        "approved_by": approved_by,
    }


def sign(kind: str, at: datetime, fields: Fields) -> bytes:
    """A record signed with the office key, as the office publishes it."""
    return make_record(kind, LOG, at, fields, [office_signer()])


def put_blob(blobs: Blobs, value: Any) -> str:
    """Add ``value`` as a canonical JSON blob; return its SHA-256 (the name records use)."""
    data = canonical_json(value)
    digest = sha256_hex(data)
    blobs[digest] = data
    return digest


def edit_blob(fields: Fields, blobs: Blobs, name: str, change: Callable[[Any], None]) -> None:
    """Edit the announcement's blob ``name`` (pool, inspector_pool, exclusions) and re-point
    the announcement at the edited bytes."""
    value = json.loads(blobs[fields[name]["sha256"]])
    change(value)
    fields[name]["sha256"] = put_blob(blobs, value)


def forge(
    *,
    task: str = "T2026-001",
    ann: Callable[[Fields, Blobs], None] | None = None,
    drawn: bool = True,
    draw: Callable[[Fields], None] | None = None,
    outcome: Callable[[Any], None] | None = None,
    close: str | None = "reveal",
    closing: Callable[[Fields], None] | None = None,
    times: Sequence[datetime] = (T_ANNOUNCE, T_DRAW, T_REVEAL),
) -> Forged:
    """Build one task, with the edits given, and sign every record with the office key.

    Args:
        task: the task id (the honest announcement of tests/lifecycle.py for it).
        ann: edits the announcement's fields and blobs before it is signed.
        drawn: whether a draw record is published (re-computed from the announcement).
        draw: edits the draw record's fields.
        outcome: edits the published outcome (JSON) after the draw record sealed the real one;
            the draw and closing records are then pointed at the edited bytes.
        close: ``"reveal"``, ``"cancel"`` or None.
        closing: edits the reveal's or cancellation's fields.
        times: the announcement, draw and closing times.
    """
    base_fields, base_blobs, secret = _base(task)
    fields: Fields = json.loads(base_fields)
    blobs: Blobs = {k: v.encode() for k, v in json.loads(base_blobs).items()}
    if ann is not None:
        ann(fields, blobs)
    notes = [sign("task-announcement", times[0], fields)]
    announcement = open_record(notes[0], VERIFIERS, log=LOG)
    draw_id = outcome_hash = None
    if drawn:
        value = beacon()[1]
        result = compute_outcome(
            announcement.digest,
            decode_pool(blobs[fields["pool"]["sha256"]]),
            decode_team_input(blobs[fields["inspector_pool"]["sha256"]]),
            fields["team_size"],
            fields["cap"],
            beacon_value_bytes(value),
            secret,
            bytes.fromhex(fields["commit"]),
        )
        outcome_blob = result.outcome_blob
        if outcome is not None:
            value_json = json.loads(outcome_blob)
            outcome(value_json)
            outcome_blob = canonical_json(value_json)
        d = draw_fields(task, announcement.id, value.to_dict(), False, result)
        d["outcome"] = outcome_hash = sha256_hex(outcome_blob)
        if draw is not None:
            draw(d)
        notes.append(sign("task-draw", times[1], d))
        draw_id = open_record(notes[-1], VERIFIERS, log=LOG).id
        if close is not None:
            blobs[outcome_hash] = outcome_blob
    if close == "reveal":
        c = reveal_fields(task, draw_id or "0" * 64, secret, outcome_hash or "0" * 64)
    elif close == "cancel":
        reason = "抽取后发现名录库数据错误"
        c = cancellation_fields(task, announcement.id, reason, secret, draw_id, outcome_hash)
    if close is not None:
        if closing is not None:
            closing(c)
        notes.append(sign(f"task-{'reveal' if close == 'reveal' else 'cancellation'}", times[2], c))
    records = [open_record(n, VERIFIERS, log=LOG) for n in notes]
    return Forged(notes, blobs, records)


def write_forged_export(out: Path, notes: Sequence[bytes], blobs: Blobs) -> Path:
    """Publish ``notes`` as a whole new log, signed checkpoint and all, as the office can."""
    signer = office_signer()
    write_export(out, list(notes), blobs, signer, origin=LOG, public_keys=[signer.vkey])
    return out


RESULTS_AT = datetime(2026, 4, 12, 2, 0, tzinfo=T_REVEAL.tzinfo)
FOUND = "发现问题已责令改正"


def _sealed_result(blobs: Blobs, findings: str) -> str:
    """Seal a result's findings as the service does (a fixed salt: forgeries are reproducible)."""
    content = {"findings": findings, "follow_up": "", "evidence": []}
    data = seal("inspection-result", content, sha256_hex(findings.encode()).encode()[:32])
    blobs[sha256_hex(data)] = data
    return sha256_hex(data)


def results_and_report(
    forged: Forged, summary: Callable[[Fields], None] | None = None
) -> list[bytes]:
    """Inspection results for every pick of a disclosed forgery (the first with a problem)
    and the task report over them, its figures as the service computes them, then edited
    by ``summary``; signed, in log order."""
    draw = next(r for r in forged.records if r.type == "task-draw")
    outcome = json.loads(forged.blobs[draw.body["outcome"]])
    teams = {t["target"]: t["inspectors"] for t in outcome["teams"]}
    notes, ids = [], []
    by_region: dict[str, dict[str, int]] = {}
    for n, (stratum, pick) in enumerate((s, p) for s in outcome["strata"] for p in s["picks"]):
        bad = n == 0
        fields = {
            "task": outcome["task"],
            "target": pick["target"],
            "target_name": "武冈安泰工程监理有限公司",
            "dates": ["2026-04-10"],
            "inspectors": [{"id": i, "role": "drawn"} for i in teams[pick["target"]]],
            "methods": ["实地检查"],
            "categories": [FOUND if bad else "未发现问题"],
            "pending_reasons": [],
            "sealed": _sealed_result(forged.blobs, "防护密闭门未按规定维护" if bad else ""),
            "entered_by": "录入员",
            "approved_by": "审核员",
            "supersedes": None,
            "correction_reason": None,
        }
        notes.append(sign("inspection-result", RESULTS_AT, fields))
        ids.append(open_record(notes[-1], VERIFIERS, log=LOG).id)
        row = by_region.setdefault(stratum["region"], {"picked": 0, "checked": 0, "problems": 0})
        row["picked"] += 1
        row["checked"] += 1
        row["problems"] += bad
    at = RESULTS_AT + timedelta(days=1)
    published = (at + timedelta(hours=8)).date()
    due = deadline(builtin_calendar(), date(2026, 4, 10), 7, published)
    figures: Fields = {
        "picked": len(ids),
        "checked": len(ids),
        "problems": 1,
        "by_category": {"未发现问题": len(ids) - 1, FOUND: 1},
        "by_region": by_region,
    }
    if summary is not None:
        summary(figures)
    report = {
        "task": outcome["task"],
        "completed": "2026-04-10",
        "summary": figures,
        "text": "本次抽查已完成。",
        "results": sorted(ids),
        "deadline": due.to_dict(),
        "drafted_by": "起草人",
        "approved_by": "审核员",
    }
    return [*notes, sign("task-report", at, report)]
