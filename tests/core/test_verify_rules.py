"""How the verifier compares a published outcome with its re-run, difference by difference.

Each task here is honest except for its published outcome, edited after the draw and re-signed
by the office key (tests/forge.py), so the selection, teams and outcome-bytes checks see it.
The verifier must name the first check that fails, say what differs, and list what passed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from lottery.core.beacon import BeaconSpec, DrandBeacon
from lottery.core.drand import QUICKNET, round_at
from lottery.core.errors import VerificationError
from lottery.core.verify import Check, verify_task
from tests.forge import VERIFIERS, Blobs, Fields, forge
from tests.lifecycle import LOG, T_ANNOUNCE, T_DRAW, T_REVEAL, beacon


def failure(edit: Callable[[Any], None]) -> VerificationError:
    forged = forge(outcome=edit)
    with pytest.raises(VerificationError) as failed:
        verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    return failed.value


def honest() -> tuple[list[Check], Any]:
    forged = forge()
    report = verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert report.outcome is not None
    return report.checks, report.outcome


def test_only_the_bytes_differ_and_the_rest_is_reported_as_identical() -> None:
    checks, outcome = honest()

    def other_task(o: Any) -> None:
        o["task"] = "T2026-999"  # outside the selection and the teams

    err = failure(other_task)
    assert (err.check, err.detail) == (
        "draw.outcome_bytes",
        "the outcome blob is not byte-identical to the re-run",
    )
    picks = sum(len(p) for _, p in outcome.strata)
    assert err.passed[-2:] == [
        Check("draw.selection", f"{picks} picks re-drawn identically"),
        Check("draw.teams", f"{len(outcome.teams)} teams re-assigned identically"),
    ]
    # The same wording as the honest task's checks.
    assert [c for c in checks if c.name in ("draw.selection", "draw.teams")] == err.passed[-2:]


def test_an_extra_stratum_is_a_different_selection() -> None:
    def extra(o: Any) -> None:
        o["strata"].append({"region": "R9", "risk": "x", "picks": []})

    err = failure(extra)
    assert (err.check, err.detail) == (
        "draw.selection",
        "the published outcome's strata or seed differ",
    )


def test_a_missing_stratum_is_a_different_selection() -> None:
    def fewer(o: Any) -> None:
        o["strata"].pop()

    err = failure(fewer)
    assert err.check == "draw.selection"
    assert err.detail == "the published outcome's strata or seed differ"


def test_another_seed_is_a_different_selection() -> None:
    def reseed(o: Any) -> None:
        o["seed"] = "ab" * 32

    err = failure(reseed)
    assert (err.check, err.detail) == (
        "draw.selection",
        "the published outcome's strata or seed differ",
    )


def test_other_picks_name_their_stratum() -> None:
    def reorder(o: Any) -> None:
        st = next(s for s in o["strata"] if len(s["picks"]) >= 2)
        st["picks"].reverse()

    err = failure(reorder)
    assert err.check == "draw.selection"
    assert err.detail.startswith("stratum ") and err.detail.endswith(
        ": the published picks differ from the re-run"
    )


@pytest.mark.parametrize("change", ["drop", "repeat"])
def test_a_different_number_of_teams_is_named(change: str) -> None:
    def teams(o: Any) -> None:
        if change == "drop":
            o["teams"].pop()
        else:
            o["teams"].append(dict(o["teams"][0]))

    err = failure(teams)
    assert (err.check, err.detail) == ("draw.teams", "the number of teams differs")
    assert err.passed[-1].name == "draw.selection"


def test_another_team_names_its_target() -> None:
    def swap(o: Any) -> None:
        team = o["teams"][0]
        team["inspectors"] = list(reversed(team["inspectors"]))

    err = failure(swap)
    assert err.check == "draw.teams"
    assert err.detail.endswith(": the published team differs from the re-run")


# --- boundaries and reports found by mutation testing of verify.py (docs/testing.md) ---------


def test_a_draw_dated_at_the_announcement_time_is_not_dated_before_it() -> None:
    # "Before" is strict: the same instant is allowed, as the check's own wording says.
    forged = forge(times=(T_ANNOUNCE, T_ANNOUNCE, T_REVEAL))
    report = verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert report.status == "disclosed"
    assert "draw.time" in [c.name for c in report.checks]


def test_a_reveal_dated_at_the_draw_time_is_not_dated_before_it() -> None:
    forged = forge(times=(T_ANNOUNCE, T_DRAW, T_DRAW))
    report = verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert report.status == "disclosed"
    assert "task.order" in [c.name for c in report.checks]


def test_a_cancellation_dated_at_the_announcement_time_is_not_dated_before_it() -> None:
    forged = forge(drawn=False, close="cancel", times=(T_ANNOUNCE, T_DRAW, T_ANNOUNCE))
    report = verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert report.status == "cancelled"
    assert "task.order" in [c.name for c in report.checks]


@pytest.mark.parametrize(
    ("build", "status"),
    [
        pytest.param(forge, "disclosed", id="disclosed"),
        pytest.param(lambda: forge(close=None), "drawn", id="drawn"),
        pytest.param(lambda: forge(drawn=False, close=None), "announced", id="announced"),
        pytest.param(lambda: forge(drawn=False, close="cancel"), "cancelled", id="cancel_early"),
        pytest.param(lambda: forge(close="cancel"), "cancelled", id="cancel_drawn"),
    ],
)
def test_every_passed_check_says_what_was_established(
    build: Callable[[], Any], status: str
) -> None:
    # The CLI and the published verification page print each check's detail.
    forged = build()
    report = verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert (report.task, report.status) == ("T2026-001", status)
    for check in report.checks:
        assert isinstance(check.detail, str) and check.detail.strip(), check
    assert len({c.name for c in report.checks}) == len(report.checks)


def test_a_draw_claiming_the_fallback_is_checked_against_the_fallback() -> None:
    # The announcement names no fallback, so a draw that says it used one is a forgery, even
    # though its value is the primary beacon's and would verify as such.
    forged = forge(draw=lambda d: d.update(fallback=True))
    with pytest.raises(VerificationError) as failed:
        verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    err = failed.value
    assert err.check == "beacon.value"
    assert "fallback" in err.detail
    assert [c.name for c in err.passed][-2:] == ["draw.links", "draw.time"]


def drand_with_numbers_fallback(deadline: str) -> Callable[[Fields, Blobs], None]:
    """The announcement's beacon: a drand round of 2026-03-02 10:00, then from ``deadline`` on
    the public numbers of tests/lifecycle.py (the value every forged draw carries)."""

    def edit(fields: Fields, blobs: Blobs) -> None:
        ten = int(datetime(2026, 3, 2, 10, tzinfo=UTC).timestamp())
        primary = DrandBeacon(
            "quicknet", QUICKNET.chain_hash.hex(), round_at(QUICKNET, ten), deadline
        )
        fields["beacon"] = BeaconSpec(primary, fallback=beacon()[0].primary).to_dict()

    return edit


def test_the_fallback_used_before_its_deadline_is_refused() -> None:
    forged = forge(
        ann=drand_with_numbers_fallback("2026-03-02T15:00:00Z"),
        draw=lambda d: d.update(fallback=True),
    )
    with pytest.raises(VerificationError) as failed:
        verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert failed.value.check == "beacon.value"
    assert "deadline" in failed.value.detail


def test_the_fallback_used_after_its_deadline_verifies() -> None:
    # The same task with a deadline before the draw: only the deadline made the difference.
    forged = forge(
        ann=drand_with_numbers_fallback("2026-03-02T13:00:00Z"),
        draw=lambda d: d.update(fallback=True),
    )
    report = verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert report.status == "disclosed"


def _pool(f: Any) -> str:
    return str(f.records[0].body["pool"]["sha256"])


def _inspectors(f: Any) -> str:
    return str(f.records[0].body["inspector_pool"]["sha256"])


def _exclusions(f: Any) -> str:
    return str(f.records[0].body["exclusions"]["sha256"])


def _outcome(f: Any) -> str:
    return str(f.records[1].body["outcome"])


@pytest.mark.parametrize(
    ("which", "what"),
    [(_pool, "pool"), (_inspectors, "team"), (_exclusions, "exclusions"), (_outcome, "outcome")],
)
@pytest.mark.parametrize("how", ["withheld", "edited"])
def test_a_bad_blob_is_named_with_its_hash(
    which: Callable[[Any], str], what: str, how: str
) -> None:
    # A citizen told "a blob is missing" cannot tell which file to fetch again.
    forged = forge()
    digest = which(forged)
    if how == "withheld":
        del forged.blobs[digest]
    else:
        forged.blobs[digest] = forged.blobs[digest] + b" "
    with pytest.raises(VerificationError) as failed:
        verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    err = failed.value
    assert err.check == ("blob.missing" if how == "withheld" else "blob.hash")
    assert err.detail.startswith(f"{what} blob ") and digest in err.detail


def test_the_counting_checks_report_the_announced_counts() -> None:
    # What a citizen compares with the announcement page: the numbers, not the wording.
    forged = forge()
    a = forged.records[0].body
    report = verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    numbers = {c.name: [int(n) for n in re.findall(r"\d+", c.detail)] for c in report.checks}
    assert numbers["record.signature"] == [len(forged.notes)]
    assert numbers["task.records"][0] == len(forged.notes)
    assert numbers["pool.summary"] == [
        a["pool"]["candidates"],
        a["pool"]["strata"],
        a["pool"]["picks"],
    ]
    assert numbers["inspectors.summary"] == [a["inspector_pool"]["inspectors"]]
    assert numbers["exclusions.disjoint"] == [a["exclusions"]["count"]]


def test_a_failed_rule_keeps_the_rule_s_own_message() -> None:
    # check_schedule raises an InputError (not a VerificationError); the verifier wraps it
    # under its step's name and must keep the reason, which is all a citizen is told.
    late = T_DRAW.replace(hour=13)  # the public numbers were drawn on 2026-03-02
    forged = forge(times=(late,), drawn=False, close=None)
    with pytest.raises(VerificationError) as failed:
        verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert failed.value.check == "beacon.future"
    assert "must be after the announcement date" in failed.value.detail


@pytest.mark.parametrize("kind", ["task-draw", "task-reveal", "task-cancellation"])
def test_a_record_published_twice_is_named_with_its_task(kind: str) -> None:
    forged = forge(close="cancel" if kind == "task-cancellation" else "reveal")
    with pytest.raises(VerificationError) as failed:
        verify_task([*forged.notes, forged.note(kind)], forged.blobs, VERIFIERS, log=LOG)
    assert failed.value.check == "task." + kind.removeprefix("task-")
    assert "T2026-001" in failed.value.detail and "2" in failed.value.detail


def test_a_failed_comparison_lists_its_passed_checks_with_what_they_established() -> None:
    # `lottery verify` prints the checks that passed before a failure, each with its detail;
    # on the comparison path the outcome's parsing is one of them.
    def other_task(o: Any) -> None:
        o["task"] = "T2026-999"

    err = failure(other_task)
    assert [c.name for c in err.passed][-3:] == ["draw.outcome", "draw.selection", "draw.teams"]
    for check in err.passed:
        assert isinstance(check.detail, str) and check.detail.strip(), check
