"""How the verifier compares a published outcome with its re-run, difference by difference.

Each task here is honest except for its published outcome, edited after the draw and re-signed
by the office key (tests/forge.py), so the selection, teams and outcome-bytes checks see it.
The verifier must name the first check that fails, say what differs, and list what passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lottery.core.errors import VerificationError
from lottery.core.verify import Check, verify_task
from tests.forge import VERIFIERS, forge
from tests.lifecycle import LOG


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
