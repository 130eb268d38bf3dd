"""An early disclosure (``reveal.early``, docs/spec.md §8), pinned by the attacks it stands for.

Each forgery is signed with the office key (tests/forge.py): a task revealed before its
announced disclosure time, honest but for one fact, so only ``reveal.early`` can catch it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lottery.core.audit import audit_export
from lottery.core.canonical import parse_time
from lottery.core.early_disclosure import audit_early_reveals
from lottery.core.errors import EncodingError
from lottery.core.records import make_record, open_record, validate_body
from lottery.core.verify import verify_task
from lottery.export.read import file_getter
from tests.forge import VERIFIERS, Forged, forge, results_and_report, sign, write_forged_export
from tests.lifecycle import LOG, T_ANNOUNCE, T_DRAW, T_REVEAL, office_signer

EARLY = T_REVEAL - timedelta(days=3)  # before the announced disclosure time
META = ("type", "v", "log", "time")


def _task(*, opt_in: bool = True, at: Any = EARLY) -> Forged:
    def edit(fields: dict[str, Any], blobs: Any) -> None:
        if opt_in:
            fields["disclose_early"] = True

    return forge(ann=edit, times=(T_ANNOUNCE, T_DRAW, at))


def _results(forged: Forged, at: Any = EARLY) -> list[bytes]:
    """One signed inspection result per pick (without the report that follows them), dated
    ``at`` (the reveal's time: the disclosure publishes the held results with it)."""
    out = []
    for note in results_and_report(forged)[:-1]:
        record = open_record(note, VERIFIERS, log=LOG)
        out.append(sign(record.type, at, {k: v for k, v in record.body.items() if k not in META}))
    return out


def _resign(note: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    record = open_record(note, VERIFIERS, log=LOG)
    fields = {k: v for k, v in record.body.items() if k not in META}
    change(fields)
    return sign(record.type, parse_time(record.body["time"]), fields)


def _audit(forged: Forged, notes: list[bytes]) -> Any:
    records = [open_record(n, VERIFIERS, log=LOG) for n in notes]
    return audit_early_reveals(records, lambda digest: forged.blobs[digest])


def _failed(audit: Any) -> list[tuple[str, str]]:
    return [(scope, exc.check) for scope, exc in audit.failures]


def test_the_honest_early_disclosure_verifies() -> None:
    forged = _task()
    audit = _audit(forged, [*forged.notes, *_results(forged)])
    assert audit.failures == []
    assert [c.name for c in audit.checks] == ["reveal.early"]
    # The task itself verifies as any disclosed task (its announcement has the member).
    checks = verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG).checks
    assert "draw.outcome_bytes" in [c.name for c in checks]


def test_a_reveal_at_the_disclosure_time_is_not_concerned() -> None:
    forged = _task(opt_in=False, at=T_REVEAL)
    audit = _audit(forged, list(forged.notes))  # no result at all: nothing to say
    assert audit.failures == [] and audit.checks == []


def _without_opt_in(f: Forged) -> list[bytes]:
    return [*f.notes, *_results(f)]


def _one_result_missing(f: Forged) -> list[bytes]:
    return [*f.notes, *_results(f)[1:]]


def _report_before_the_results(f: Forged) -> list[bytes]:
    *results, report = results_and_report(f)
    return [*f.notes, report, *results]


def _a_result_twice(f: Forged) -> list[bytes]:
    results = _results(f)
    return [*f.notes, results[0], *results[:-1]]


def _a_correction_among_them(f: Forged) -> list[bytes]:
    results = _results(f)
    earlier = open_record(results[0], VERIFIERS, log=LOG).id
    fixed = _resign(results[1], lambda b: b.update(supersedes=earlier, correction_reason="改"))
    return [*f.notes, results[0], fixed, *results[2:]]


def _results_published_days_later(f: Forged) -> list[bytes]:
    return [*f.notes, *_results(f, EARLY + timedelta(days=2))]


def _results_logged_before_the_reveal(f: Forged) -> list[bytes]:
    return [*f.notes[:-1], *_results(f), f.notes[-1]]


ATTACKS: dict[str, tuple[Callable[[], Forged], Callable[[Forged], list[bytes]], str]] = {
    "early_without_opt_in": (
        lambda: _task(opt_in=False),
        _without_opt_in,
        "does not allow an early disclosure",
    ),
    "early_with_a_result_missing": (_task, _one_result_missing, "one inspection result"),
    "early_with_a_report_before_the_results": (
        _task,
        _report_before_the_results,
        "one inspection result",
    ),
    "early_with_a_result_twice": (_task, _a_result_twice, "one inspection result"),
    "early_with_a_correction": (_task, _a_correction_among_them, "one inspection result"),
    "early_with_results_published_days_later": (
        _task,
        _results_published_days_later,
        "dated after it",
    ),
    "early_with_results_before_the_reveal": (
        _task,
        _results_logged_before_the_reveal,
        "one inspection result",
    ),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_early_disclosure_attack(name: str) -> None:
    build, notes, says = ATTACKS[name]
    forged = build()
    audit = _audit(forged, notes(forged))
    assert _failed(audit) == [("T2026-001", "reveal.early")], name
    assert says in audit.failures[0][1].detail
    assert audit.checks == []


def test_the_member_is_true_or_absent() -> None:
    forged = _task()
    ann = forged.records[0]
    assert ann.body["disclose_early"] is True
    for bad in (False, 1, "true"):
        body = dict(ann.body) | {"disclose_early": bad}
        with pytest.raises(EncodingError, match="disclose_early"):
            validate_body(body)
    plain = {k: v for k, v in ann.body.items() if k != "disclose_early"}
    validate_body(plain)  # an announcement of before: unchanged
    fields = {k: v for k, v in plain.items() if k not in META}
    at = parse_time(ann.body["time"])
    record = make_record("task-announcement", LOG, at, fields, [office_signer()])
    assert json.loads(record.split(b"\n")[0]).get("disclose_early") is None


def _exported(tmp_path: Path, forged: Forged, notes: list[bytes]) -> Any:
    export = write_forged_export(tmp_path / "e", notes, forged.blobs)
    return audit_export(file_getter(export), VERIFIERS, origin=LOG)


def test_lottery_verify_reports_an_early_reveal_once(tmp_path: Path) -> None:
    honest = _task()
    good = _exported(tmp_path / "good", honest, [*honest.notes, *_results(honest)])
    assert good.ok, good.failures
    [detail] = [c.detail for c in good.checks if c.name == "reveal.early"]
    assert detail.startswith("[T2026-001] revealed before")
    forged = _task(opt_in=False)
    bad = _exported(tmp_path / "bad", forged, [*forged.notes, *_results(forged)])
    assert [(scope, exc.check) for scope, exc in bad.failures] == [("T2026-001", "reveal.early")]
    # A reveal that fails the task's own checks too is reported once, by its first failed check.
    both = _task(opt_in=False, at=T_DRAW - timedelta(hours=1))
    once = _exported(tmp_path / "once", both, list(both.notes))
    assert [(scope, exc.check) for scope, exc in once.failures] == [("T2026-001", "task.order")]
