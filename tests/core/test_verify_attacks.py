"""Every check of the task verifier, pinned by the attack it stands for (issues #21, #23).

Each fixture is a task a dishonest office could publish with its own key (tests/forge.py):
valid in every respect but one, and re-signed, so only the check that looks at that one fact
can catch it. Each test asserts the exact name of the check that fails and that every check
before it passed, exactly as for the honest task of the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from lottery.core.beacon import BeaconSpec, DrandBeacon
from lottery.core.canonical import canonical_json
from lottery.core.deadline_audit import audit_publications
from lottery.core.drand import QUICKNET
from lottery.core.errors import VerificationError
from lottery.core.note import sign_note
from lottery.core.records import make_record, open_record
from lottery.core.verify import verify_task
from lottery.export.holidays import builtin_years
from tests.forge import (
    VERIFIERS,
    Blobs,
    Fields,
    Forged,
    edit_blob,
    forge,
    results_and_report,
    sign,
)
from tests.lifecycle import LOG, T_ANNOUNCE, T_DRAW, T_REVEAL, office_signer

OTHER_HEX = "ab" * 32


def verify(forged: Forged) -> list[str]:
    """The names of the checks an honest-looking task passes."""
    return [c.name for c in verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG).checks]


@dataclass(frozen=True)
class Attack:
    """A forged task and the check that must catch it.

    ``after``: the honest check in whose place the failure comes (a step such as
    ``blob.pool`` fails under the specific name ``blob.missing``); default ``check``.
    ``shape``: the honest task of the same shape whose checks before ``after`` must pass.
    ``extra``: checks that pass only on the path a mismatching outcome takes.
    """

    build: Callable[[], Forged]
    check: str
    after: str | None = None
    shape: str = "disclosed"
    extra: tuple[str, ...] = ()


HONEST: dict[str, Callable[[], Forged]] = {
    "disclosed": forge,
    "announced": lambda: forge(drawn=False, close=None),
    "cancelled_early": lambda: forge(drawn=False, close="cancel"),
}


# --- edits ----------------------------------------------------------------------------------


def announcement(change: Callable[[Fields], None]) -> Callable[[Fields, Blobs], None]:
    def edit(fields: Fields, blobs: Blobs) -> None:
        change(fields)

    return edit


def blob(name: str, change: Callable[[Any], None]) -> Callable[[Fields, Blobs], None]:
    def edit(fields: Fields, blobs: Blobs) -> None:
        edit_blob(fields, blobs, name, change)

    return edit


def add(path: tuple[str, str], delta: int) -> Callable[[Fields], None]:
    def change(fields: Fields) -> None:
        fields[path[0]][path[1]] += delta

    return change


def set_field(name: str, value: Any) -> Callable[[Fields], None]:
    def change(fields: Fields) -> None:
        fields[name] = value

    return change


def pool_off_rule(fields: Fields, blobs: Blobs) -> None:
    """One stratum draws one more than the rounding rule gives; the total says so too."""

    def change(pool: Any) -> None:
        pool["strata"][0]["count"] += 1

    edit_blob(fields, blobs, "pool", change)
    fields["pool"]["picks"] += 1


def exclude_a_pooled_target(fields: Fields, blobs: Blobs) -> None:
    target = json.loads(blobs[fields["pool"]["sha256"]])["strata"][0]["candidates"][0]

    def change(excl: Any) -> None:
        excl["exclusions"].append({"target": target, "reason": "not-in-scope", "detail": ""})

    edit_blob(fields, blobs, "exclusions", change)
    fields["exclusions"]["count"] += 1


def drand_round_123(fields: Fields) -> None:
    """A drand beacon whose round was out in 2023, years before the announcement."""
    spec = BeaconSpec(
        DrandBeacon("quicknet", QUICKNET.chain_hash.hex(), 123, "2023-09-01T00:00:00Z")
    )
    fields["beacon"] = spec.to_dict()


def swap_pick(outcome: Any) -> None:
    """The first pick replaced by a target of the same stratum that was not picked (the team
    follows it), as if the office spared one company."""
    forged = forge()
    swap_first_pick(outcome, json.loads(forged.blobs[forged.records[0].body["pool"]["sha256"]]))


def swap_first_pick(outcome: Any, pool: Any) -> tuple[str, str]:
    """In an outcome, the first stratum's first pick replaced by a candidate of the pool's first
    stratum that was not picked (its team follows it); return (old target, new target)."""
    stratum = outcome["strata"][0]
    picked = {p["target"] for p in stratum["picks"]}
    spare = next(c for c in pool["strata"][0]["candidates"] if c not in picked)
    old = stratum["picks"][0]["target"]
    stratum["picks"][0]["target"] = spare
    for team in outcome["teams"]:
        if team["target"] == old:
            team["target"] = spare
    return old, spare


def swap_team_member(outcome: Any) -> None:
    team = outcome["teams"][0]["inspectors"]
    used = {i for t in outcome["teams"] for i in t["inspectors"]}
    team[0] = next(f"I{n:04d}" for n in range(10_000) if f"I{n:04d}" not in used)
    team.sort()


def larger_team(outcome: Any) -> None:
    """Three inspectors on the first team where the announcement says two."""
    team = outcome["teams"][0]["inspectors"]
    other = next(i for t in outcome["teams"][1:] for i in t["inspectors"] if i not in team)
    team.append(other)
    team.sort()


# --- fixtures built from a whole forged task and its notes ------------------------------------


def with_notes(change: Callable[[Forged], list[bytes]], **kw: Any) -> Callable[[], Forged]:
    def build() -> Forged:
        forged = forge(**kw)
        return Forged(change(forged), forged.blobs)

    return build


def without_blob(which: Callable[[Forged], str], **kw: Any) -> Callable[[], Forged]:
    def build() -> Forged:
        forged = forge(**kw)
        del forged.blobs[which(forged)]
        return forged

    return build


def flipped_blob(which: Callable[[Forged], str]) -> Callable[[], Forged]:
    def build() -> Forged:
        forged = forge()
        data = bytearray(forged.blobs[which(forged)])
        data[-10] ^= 1
        forged.blobs[which(forged)] = bytes(data)
        return forged

    return build


def ann_blob(name: str) -> Callable[[Forged], str]:
    return lambda f: str(f.records[0].body[name]["sha256"])


def outcome_blob(f: Forged) -> str:
    return str(f.records[1].body["outcome"])


def flip_byte(f: Forged) -> list[bytes]:
    note = bytearray(f.notes[1])
    note[note.index(b'"fallback":') + len('"fallback":')] ^= 0x20  # false -> False
    return [f.notes[0], bytes(note), *f.notes[2:]]


def malformed_record(f: Forged) -> list[bytes]:
    """A signed draw record with a field no schema has."""
    body = json.loads(f.notes[1].split(b"\n\n")[0])
    body["note"] = "另行抽取"
    return [f.notes[0], sign_note(canonical_json(body) + b"\n", [office_signer()]), *f.notes[2:]]


def foreign_log(f: Forged) -> list[bytes]:
    body = f.records[2].body
    fields = {k: v for k, v in body.items() if k not in ("type", "v", "log", "time")}
    other = make_record("task-reveal", "other.example/lottery", T_REVEAL, fields, [office_signer()])
    return [*f.notes[:2], other]


def second_announcement(f: Forged) -> list[bytes]:
    fields = {k: v for k, v in f.records[0].body.items() if k not in ("type", "v", "log", "time")}
    fields["title"] += "（更正）"
    return [f.notes[0], sign("task-announcement", T_ANNOUNCE, fields), *f.notes[1:]]


def other_tasks_draw(f: Forged) -> list[bytes]:
    return [*f.notes, forge(task="T2026-002", close=None).note("task-draw")]


def twice(kind: str, later: timedelta) -> Callable[[Forged], list[bytes]]:
    """The record ``kind`` published a second time, re-dated (a re-draw, a second reveal)."""

    def change(f: Forged) -> list[bytes]:
        record = next(r for r in f.records if r.type == kind)
        fields = {k: v for k, v in record.body.items() if k not in ("type", "v", "log", "time")}
        when = {"task-draw": T_DRAW, "task-reveal": T_REVEAL}.get(kind, T_REVEAL) + later
        return [*f.notes, sign(kind, when, fields)]

    return change


def cancelled_too(f: Forged) -> list[bytes]:
    cancel = forge(close="cancel").note("task-cancellation")
    return [*f.notes, cancel]


def reorder(*order: int) -> Callable[[Forged], list[bytes]]:
    return lambda f: [f.notes[i] for i in order]


def closing_field(name: str, value: Any) -> Callable[[Fields], None]:
    def change(fields: Fields) -> None:
        fields[name] = value

    return change


def cancel_hiding_the_draw(fields: Fields) -> None:
    fields["draw"] = None
    fields["outcome"] = None


def one_more_pick(fields: Fields) -> None:
    fields["picks"] += 1


def beacon_key_string(fields: Fields) -> None:
    fields["beacon_value"]["key_string"] = "409./2.7.11.19.26.30./"


def strip_seed(outcome: Any) -> None:
    del outcome["seed"]


def other_task(outcome: Any) -> None:
    outcome["task"] = "T2026-999"


def other_secret(fields: Fields) -> None:
    fields["secret"] = "cd" * 32


LATE_ANNOUNCEMENT = T_DRAW.replace(hour=13)  # the numbers were drawn on 2026-03-02

ATTACKS: dict[str, Attack] = {
    # Signed records.
    "edited_record_bytes": Attack(with_notes(flip_byte), "record.signature"),
    "malformed_signed_record": Attack(
        with_notes(malformed_record), "record.format", "record.signature"
    ),
    "record_from_another_log": Attack(with_notes(foreign_log), "record.log", "record.signature"),
    "announcement_withheld": Attack(with_notes(lambda f: f.notes[1:]), "task.announcement"),
    "two_announcements": Attack(with_notes(second_announcement), "task.announcement"),
    "mixed_tasks": Attack(with_notes(other_tasks_draw), "task.records"),
    # The announcement and its blobs.
    "pool_blob_withheld": Attack(without_blob(ann_blob("pool")), "blob.missing", "blob.pool"),
    "pool_blob_edited": Attack(flipped_blob(ann_blob("pool")), "blob.hash", "blob.pool"),
    "pool_blob_malformed": Attack(
        lambda: forge(
            ann=blob("pool", lambda p: p["strata"][0].pop("risk")), drawn=False, close=None
        ),
        "pool.format",
        shape="announced",
    ),
    "stratum_count_off_rule": Attack(lambda: forge(ann=pool_off_rule), "pool.counts"),
    "pool_candidates_count_false": Attack(
        lambda: forge(ann=announcement(add(("pool", "candidates"), 1))), "pool.summary"
    ),
    "pool_picks_count_false": Attack(
        lambda: forge(ann=announcement(add(("pool", "picks"), -1))), "pool.summary"
    ),
    "pool_strata_count_false": Attack(
        lambda: forge(ann=announcement(add(("pool", "strata"), 1))), "pool.summary"
    ),
    "pool_of_another_task": Attack(
        lambda: forge(ann=blob("pool", lambda p: p.update(task="T2026-999"))), "pool.summary"
    ),
    "inspector_blob_withheld": Attack(
        without_blob(ann_blob("inspector_pool")), "blob.missing", "blob.inspectors"
    ),
    "inspector_list_unsorted": Attack(
        lambda: forge(
            ann=blob("inspector_pool", lambda t: t["inspectors"].reverse()),
            drawn=False,
            close=None,
        ),
        "inspectors.format",
        shape="announced",
    ),
    "inspector_count_false": Attack(
        lambda: forge(ann=announcement(add(("inspector_pool", "inspectors"), 1))),
        "inspectors.summary",
    ),
    "inspector_list_of_another_task": Attack(
        lambda: forge(ann=blob("inspector_pool", lambda t: t.update(task="T2026-999"))),
        "inspectors.summary",
    ),
    "exclusions_blob_edited": Attack(
        flipped_blob(ann_blob("exclusions")), "blob.hash", "blob.exclusions"
    ),
    "exclusions_blob_malformed": Attack(
        lambda: forge(ann=blob("exclusions", lambda e: e.update(v=2))), "exclusions.format"
    ),
    "excluded_target_pooled": Attack(
        lambda: forge(ann=exclude_a_pooled_target), "exclusions.disjoint"
    ),
    "exclusion_count_false": Attack(
        lambda: forge(ann=announcement(add(("exclusions", "count"), 1))), "exclusions.disjoint"
    ),
    "team_cap_unstaffable": Attack(
        lambda: forge(ann=announcement(set_field("cap", 1)), drawn=False, close=None),
        "teams.feasible",
        shape="announced",
    ),
    "team_size_above_inspectors": Attack(
        lambda: forge(ann=announcement(set_field("team_size", 20)), drawn=False, close=None),
        "teams.feasible",
        shape="announced",
    ),
    "beacon_spec_malformed": Attack(
        lambda: forge(ann=announcement(lambda a: a["beacon"]["primary"].update(kind="dice"))),
        "beacon.spec",
    ),
    # The beacon must be unknown when the task is announced, drawn or not (#23 5a).
    "announced_after_beacon": Attack(
        lambda: forge(times=(LATE_ANNOUNCEMENT, T_DRAW, T_REVEAL)), "beacon.future"
    ),
    "announced_after_beacon_undrawn": Attack(
        lambda: forge(times=(LATE_ANNOUNCEMENT,), drawn=False, close=None),
        "beacon.future",
        shape="announced",
    ),
    "announced_after_drand_round_undrawn": Attack(
        lambda: forge(ann=announcement(drand_round_123), drawn=False, close=None),
        "beacon.future",
        shape="announced",
    ),
    # The task's records.
    "redrawn": Attack(with_notes(twice("task-draw", timedelta(hours=1)), close=None), "task.draw"),
    "revealed_twice": Attack(with_notes(twice("task-reveal", timedelta(days=1))), "task.reveal"),
    "cancelled_twice": Attack(
        with_notes(twice("task-cancellation", timedelta(days=1)), close="cancel"),
        "task.cancellation",
    ),
    "revealed_and_cancelled": Attack(with_notes(cancelled_too), "task.state"),
    # Log order (#23 5c): the times agree, the log's order does not.
    "draw_logged_before_announcement": Attack(with_notes(reorder(1, 0, 2)), "task.log_order"),
    "reveal_logged_before_draw": Attack(with_notes(reorder(0, 2, 1)), "task.log_order"),
    "draw_names_another_announcement": Attack(
        lambda: forge(draw=closing_field("announcement", OTHER_HEX)), "draw.links"
    ),
    "wrong_picks": Attack(lambda: forge(draw=one_more_pick), "draw.links"),
    "draw_before_announcement": Attack(
        lambda: forge(times=(T_ANNOUNCE, T_ANNOUNCE - timedelta(hours=1), T_REVEAL)), "draw.time"
    ),
    "forged_beacon_value": Attack(lambda: forge(draw=beacon_key_string), "beacon.value"),
    "reveal_before_draw": Attack(
        lambda: forge(times=(T_ANNOUNCE, T_DRAW, T_DRAW - timedelta(hours=1))), "task.order"
    ),
    "cancelled_before_announcement": Attack(
        lambda: forge(
            drawn=False, close="cancel", times=(T_ANNOUNCE, T_DRAW, T_ANNOUNCE - timedelta(1))
        ),
        "task.order",
        shape="cancelled_early",
    ),
    "reveal_names_another_draw": Attack(
        lambda: forge(closing=closing_field("draw", OTHER_HEX)), "task.links"
    ),
    "reveal_names_another_outcome": Attack(
        lambda: forge(closing=closing_field("outcome", OTHER_HEX)), "task.links"
    ),
    "reveal_without_draw": Attack(
        lambda: forge(drawn=False, close="reveal"), "task.links", shape="cancelled_early"
    ),
    "cancellation_names_another_announcement": Attack(
        lambda: forge(
            drawn=False, close="cancel", closing=closing_field("announcement", OTHER_HEX)
        ),
        "task.links",
        shape="cancelled_early",
    ),
    "cancellation_names_an_unpublished_draw": Attack(
        lambda: forge(drawn=False, close="cancel", closing=closing_field("draw", OTHER_HEX)),
        "task.links",
        shape="cancelled_early",
    ),
    "cancellation_hides_the_draw": Attack(
        lambda: forge(close="cancel", closing=cancel_hiding_the_draw), "task.links"
    ),
    # The secret and the outcome.
    "outcome_withheld": Attack(without_blob(outcome_blob), "blob.missing", "draw.outcome_hash"),
    "outcome_blob_edited": Attack(flipped_blob(outcome_blob), "blob.hash", "draw.outcome_hash"),
    "reveal_with_other_secret": Attack(lambda: forge(closing=other_secret), "commit.reveal"),
    "cancel_with_other_secret": Attack(
        lambda: forge(drawn=False, close="cancel", closing=other_secret),
        "commit.reveal",
        shape="cancelled_early",
    ),
    "outcome_blob_malformed": Attack(
        lambda: forge(outcome=strip_seed), "draw.outcome", "draw.selection"
    ),
    "swapped_picked_target": Attack(
        lambda: forge(outcome=swap_pick), "draw.selection", extra=("draw.outcome",)
    ),
    "team_member_swapped": Attack(
        lambda: forge(outcome=swap_team_member),
        "draw.teams",
        "draw.selection",
        extra=("draw.outcome", "draw.selection"),
    ),
    "team_larger_than_announced": Attack(
        lambda: forge(outcome=larger_team),
        "draw.teams",
        "draw.selection",
        extra=("draw.outcome", "draw.selection"),
    ),
    "outcome_of_another_task": Attack(
        lambda: forge(outcome=other_task),
        "draw.outcome_bytes",
        "draw.selection",
        extra=("draw.outcome", "draw.selection", "draw.teams"),
    ),
}


@pytest.fixture(scope="module")
def honest() -> dict[str, list[str]]:
    """The checks each honest shape passes, in order (every shape verifies)."""
    return {shape: verify(build()) for shape, build in HONEST.items()}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_fails_exactly_its_check(name: str, honest: dict[str, list[str]]) -> None:
    attack = ATTACKS[name]
    forged = attack.build()
    with pytest.raises(VerificationError) as info:
        verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    err = info.value
    assert err.check == attack.check, err
    checks = honest[attack.shape]
    before = checks[: checks.index(attack.after or attack.check)]
    assert [c.name for c in err.passed] == [*before, *attack.extra]  # type: ignore[attr-defined]
    assert err.detail


# What a failure says: the reader of `lottery verify` learns which figure or record is wrong,
# what the announcement (or the draw) claimed and what was found, not only that something is.
SAYS_WHAT_DIFFERS = {
    "mixed_tasks": "of task 'T",
    "pool_candidates_count_false": "candidates: announced ",
    "pool_picks_count_false": "picks: announced ",
    "pool_strata_count_false": "strata: announced ",
    "pool_of_another_task": "task: announced 'T2026-",
    "inspector_count_false": "inspectors: announced ",
    "inspector_list_of_another_task": "task: announced 'T2026-",
    "excluded_target_pooled": "excluded but in the pool: ",
    "exclusion_count_false": "exclusions: announced ",
    "wrong_picks": "picks: expected ",
}


@pytest.mark.parametrize("name", list(SAYS_WHAT_DIFFERS))
def test_a_failed_comparison_says_what_was_claimed_and_found(name: str) -> None:
    forged = ATTACKS[name].build()
    with pytest.raises(VerificationError) as info:
        verify_task(forged.notes, forged.blobs, VERIFIERS, log=LOG)
    assert SAYS_WHAT_DIFFERS[name] in info.value.detail, info.value.detail
    if "announced " in SAYS_WHAT_DIFFERS[name] and "task:" not in SAYS_WHAT_DIFFERS[name]:
        claimed, found = info.value.detail.split("announced ")[1].split(", found ")
        assert claimed.split(")")[0] != found.split(")")[0].split(";")[0]


def test_every_check_name_of_an_honest_task_is_pinned_by_an_attack() -> None:
    """Each check of an honest task, except the steps whose failures carry a more specific
    name (blob.* fail as blob.missing/blob.hash) and draw.rerun (a re-run only fails where an
    earlier check already failed), has a fixture here.

    The honest tasks are verified in the test itself, not through the ``honest`` fixture:
    mutmut runs a test against a mutant of ``verify_task`` only when the test's own call
    reached it, and a module fixture is built during another test (docs/testing.md)."""
    names = {c for build in HONEST.values() for c in verify(build())}
    steps = {"blob.pool", "blob.inspectors", "blob.exclusions", "draw.outcome_hash", "draw.rerun"}
    pinned = {a.check for a in ATTACKS.values()}
    assert names - steps - pinned == set()


def test_undrawn_task_whose_beacon_is_past_now_verifies() -> None:
    """Only the announcement time against the beacon's matters: the beacon date (2026-03-02)
    is long past today, and the announcement before it is honest."""
    forged = forge(drawn=False, close=None)
    assert forged.records[0].body["beacon"]["primary"]["draw_date"] == "2026-03-02"
    assert "beacon.future" in verify(forged)
    drand = forge(
        ann=announcement(drand_round_123),
        drawn=False,
        close=None,
        times=(T_ANNOUNCE.replace(2023, 8, 1),),
    )
    assert "beacon.future" in verify(drand)


# --- A task report's figures against the results it covers (#23 5b) --------------------------


def _publications(summary: Callable[[dict[str, Any]], None] | None) -> Any:
    forged = forge()
    notes = [*forged.notes, *results_and_report(forged, summary)]
    records = [open_record(n, VERIFIERS, log=LOG) for n in notes]
    return audit_publications(records, builtin_years())


def test_honest_report_figures_verify() -> None:
    audit = _publications(None)
    assert audit.failures == []
    assert "report.references" in [c.name for c in audit.checks]


def _minus(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda s: s.update({key: s[key] - 1})


def _hide_the_problem(s: dict[str, Any]) -> None:
    s["by_category"] = {"未发现问题": s["checked"]}


def _region_problem(s: dict[str, Any]) -> None:
    next(iter(s["by_region"].values()))["problems"] += 1


REPORT_ATTACKS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "report_checked_count_false": (_minus("checked"), "summary.checked "),
    "report_problems_count_false": (_minus("problems"), "summary.problems "),
    "report_category_counts_false": (_hide_the_problem, "summary.by_category[未发现问题] "),
    "report_unknown_category": (
        lambda s: s["by_category"].update({"其他": 1}),
        "'其他', which is not a standard category",
    ),
    "report_picked_count_false": (_minus("picked"), "summary.picked "),
    "report_region_totals_false": (_region_problem, "summary.by_region's problems add up to"),
}


@pytest.mark.parametrize("name", list(REPORT_ATTACKS))
def test_report_figures_attack(name: str) -> None:
    change, says = REPORT_ATTACKS[name]
    audit = _publications(change)
    assert [(scope, exc.check) for scope, exc in audit.failures] == [
        ("task-report T2026-001", "report.summary")
    ]
    assert says in audit.failures[0][1].detail
    assert "report.references" not in [c.name for c in audit.checks]


# --- The items an announcement cites (issue #16: "Items bind the pool") -----------------------


def _item(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"事项{code}",
        "basis": "《中华人民共和国人民防空法》",
        "subject": "人防工程",
        "item": "平时使用",
        "content": "检查内容",
        "ratio": "5%",
        "frequency": "每年1次",
        "method": "实地检查",
        "requirements": "",
        "key": False,
    }


def _items_audit(cited: list[dict[str, Any]], *, listed: bool = True) -> Any:
    """An item list (version 1: RF-01, RF-02) published before a task citing ``cited``."""
    forged = forge(ann=announcement(set_field("items", cited)))
    item_list = sign(
        "item-list",
        T_ANNOUNCE - timedelta(days=30),
        {"version": 1, "effective": "2026-01-01", "items": [_item("RF-01"), _item("RF-02")]},
    )
    notes = [item_list, *forged.notes] if listed else [*forged.notes, item_list]
    records = [open_record(n, VERIFIERS, log=LOG) for n in notes]
    return audit_publications(records, builtin_years())


def test_an_announcement_citing_items_of_the_published_list_verifies() -> None:
    audit = _items_audit([{"code": "RF-01", "version": 1}, {"code": "RF-02", "version": 1}])
    assert audit.failures == []
    assert "announcement.references" in [c.name for c in audit.checks]


@pytest.mark.parametrize(
    ("name", "cited", "listed", "says"),
    [
        (
            "item_list_version_never_published",
            [{"code": "RF-01", "version": 2}],
            True,
            "cites item RF-01 of item-list version 2, which is not published before it",
        ),
        (
            "item_not_in_the_cited_version",
            [{"code": "RF-01", "version": 1}, {"code": "RF-09", "version": 1}],
            True,
            "cites item RF-09, which item-list version 1 does not hold",
        ),
        (
            "item_list_published_after_the_announcement",
            [{"code": "RF-01", "version": 1}],
            False,
            "cites item RF-01 of item-list version 1, which is not published before it",
        ),
    ],
)
def test_announcement_items_attack(
    name: str, cited: list[dict[str, Any]], listed: bool, says: str
) -> None:
    audit = _items_audit(cited, listed=listed)
    assert [(scope, exc.check) for scope, exc in audit.failures] == [
        ("task-announcement T2026-001", "announcement.items")
    ], name
    assert says in audit.failures[0][1].detail
    assert "announcement.references" not in [c.name for c in audit.checks]
