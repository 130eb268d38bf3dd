"""An early disclosure, checked by ``lottery verify`` (``reveal.early``, docs/spec.md §8).

A task's ``task-reveal`` may be dated before its announcement's ``disclosure`` only when the
announcement says ``disclose_early: true`` (公开时间：公告时间或全部检查结果审核完毕时，以先到者
为准) and every pick's result was reviewed before it: the first records of that task after the
reveal in the log are exactly one ``inspection-result`` per picked target of the revealed
outcome, none superseding another. The service publishes them in the reveal's transaction, so
nothing of the task can come between; the order of the log cannot be back-dated.

A reveal at or after the disclosure time is not concerned (its results may follow at any
time), nor is a log that holds no reveal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .canonical import parse_time, sha256_hex
from .check_names import CheckName
from .committed import decode_openings, named_picks
from .errors import LotteryError, VerificationError
from .outcome import decode_outcome
from .records import Record
from .verify import Check


@dataclass
class EarlyAudit:
    """The checks that passed and the failures, by task."""

    checks: list[Check] = field(default_factory=list)
    failures: list[tuple[str, VerificationError]] = field(default_factory=list)


def audit_early_reveals(
    records: Sequence[Record], blob: Callable[[str], bytes], task: str | None = None
) -> EarlyAudit:
    """Check every early reveal among ``records`` (the whole log, in log order), or only
    ``task``'s. ``blob(digest)`` returns a published blob (KeyError when there is none)."""
    audit = EarlyAudit()
    announcements = {r.body["task"]: r for r in records if r.type == "task-announcement"}
    for i, record in enumerate(records):
        name = record.body.get("task")
        if record.type != "task-reveal" or task not in (None, name):
            continue
        ann = announcements.get(name)
        if ann is None or parse_time(record.body["time"]) >= parse_time(ann.body["disclosure"]):
            continue
        try:
            picks = _check_one(ann, record, records[i + 1 :], blob)
        except VerificationError as exc:
            audit.failures.append((str(name), exc))
            continue
        audit.checks.append(
            Check(
                CheckName.REVEAL_EARLY,
                f"[{name}] revealed before {ann.body['disclosure']} as its announcement allows, "
                f"the results of its {picks} picks published right after the reveal",
            )
        )
    return audit


def _fail(detail: str) -> VerificationError:
    return VerificationError(CheckName.REVEAL_EARLY, detail)


def _check_one(
    ann: Record, reveal: Record, later: Sequence[Record], blob: Callable[[str], bytes]
) -> int:
    """The number of picks, when the early reveal is followed by their results."""
    task = ann.body["task"]
    when = f"task {task} is revealed at {reveal.body['time']}, before {ann.body['disclosure']}"
    if ann.body.get("disclose_early") is not True:
        raise _fail(f"{when}, and its announcement does not allow an early disclosure")
    digest = reveal.body["outcome"]
    try:
        data = blob(digest)
    except KeyError:
        raise _fail(f"{when}: its outcome blob {digest} is not published") from None
    if sha256_hex(data) != digest:
        raise _fail(f"{when}: its outcome blob does not match {digest}")
    try:
        picks = decode_outcome(data).picks()
    except LotteryError as exc:
        raise _fail(f"{when}: its outcome blob does not parse ({exc})") from exc
    picks = named_picks(picks, _openings(reveal, blob))
    following = [r for r in later if r.body.get("task") == task][: len(picks)]
    targets = [r.body["target"] for r in following if r.type == "inspection-result"]
    superseding = [r for r in following if r.body.get("supersedes") is not None]
    if len(targets) != len(picks) or sorted(targets) != sorted(picks) or superseding:
        raise _fail(
            f"{when}, but the records of the task that follow the reveal are not one "
            f"inspection result for each of its {len(picks)} picks"
        )
    # "随即公布": the results are published with the reveal (the same transaction, the same
    # time), not reviewed later and published days after.
    late = [r for r in following if r.body["time"] != reveal.body["time"]]
    if late:
        raise _fail(
            f"{when}, but {len(late)} of the results that follow it are dated after it "
            f"(first {late[0].body['time']}): the early disclosure needs every result "
            "reviewed before it"
        )
    return len(picks)


def _openings(reveal: Record, blob: Callable[[str], bytes]) -> dict[str, Any]:
    """A committed pool's openings by id (results name the opened USCC); empty when the
    reveal has none or they cannot be read (``pool.openings`` reports that)."""
    digest = reveal.body.get("openings")
    if digest is None:
        return {}
    try:
        data = blob(digest)
        return {o.id: o for o in decode_openings(data)[1]} if sha256_hex(data) == digest else {}
    except (KeyError, LotteryError):
        return {}
