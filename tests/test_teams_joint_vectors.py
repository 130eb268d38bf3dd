"""Joint-task team vectors (tests/vectors/teams-joint/, docs/teams.md §8).

Each case's teams were worked out from the words of docs/teams.md §2 and §8. Checked twice: by
the core (``lottery.core.teams``) and by a second implementation below, written from the two
sections alone with no lottery code (hashlib and json only). The §7 vectors, run with the rule
off, stay what they were (tests/core/test_teams.py); case ``off`` shows that the rule changes
the teams of the same inputs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from lottery.core import teams as team_mod
from lottery.core.errors import InfeasibleError, InputError

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "teams-joint" / "cases.json").read_text(encoding="utf-8")
)
CASES = {c["name"]: c for c in VECTORS["cases"]}


# --- the second implementation, from docs/teams.md §2 and §8 -------------------------------


def spec_teams(case: dict[str, Any]) -> tuple[list[list[str]], int]:
    """The teams of a case, slot by slot as §2.4 words it with §8's condition 5; and how many
    slots ended in the scan phase."""
    seed = hashlib.sha256(case["seed_label"].encode("utf-8")).digest()
    dept = dict(case["departments"])
    rule = case["team_departments"]
    conflicts: dict[str, set[str]] = {}
    previous: dict[str, set[str]] = {}
    for t, i in case["conflicts"]:
        conflicts.setdefault(t, set()).add(i)
    for t, i in case["previous"]:
        previous.setdefault(t, set()).add(i)
    pool = sorted(dept, key=lambda i: i.encode("utf-8"))
    n = len(pool)
    s, cap = case["team_size"], case["cap"]
    limit = (2**64 // n) * n
    load = dict.fromkeys(pool, 0)
    paired: set[frozenset[str]] = set()
    scans = 0
    teams = []
    for t in case["picks"]:
        tb = t.encode("utf-8")

        def index(c: int, tb: bytes = tb) -> int | None:
            x = hashlib.sha256(
                b"lottery-v1 team\x00"
                + seed
                + len(tb).to_bytes(4, "big")
                + tb
                + c.to_bytes(4, "big")
            ).digest()
            v = int.from_bytes(x[:8], "big")
            return v % n if v < limit else None

        team: list[str] = []
        c = 0
        for j in range(1, s + 1):

            def acceptable(i: str, t: str = t, j: int = j, team: list[str] = team) -> bool:
                return (
                    i not in conflicts.get(t, ())
                    and i not in previous.get(t, ())
                    and i not in team
                    and load[i] < cap
                    and (j > len(rule) or dept[i] == rule[j - 1])  # condition 5 (§8)
                )

            chosen = None
            for _ in range(4 * n + 64):
                d = c
                c += 1
                k = index(d)
                if k is None or not acceptable(pool[k]):
                    continue
                if d < 64 and any(frozenset((pool[k], m)) in paired for m in team):
                    continue
                chosen = pool[k]
                break
            if chosen is None:
                d = c
                c += 1
                k = index(d)
                start = 0 if k is None else k
                found = [
                    pool[(start + q) % n] for q in range(n) if acceptable(pool[(start + q) % n])
                ]
                assert found, "the feasibility rule held, so the scan finds someone"
                chosen = found[0]
                scans += 1
            for m in team:
                paired.add(frozenset((chosen, m)))
            team.append(chosen)
            load[chosen] += 1
        teams.append(team)
    return teams, scans


def spec_feasible(case: dict[str, Any], cap: int) -> bool:
    """§3 and §8 literally, over every candidate (the picks are the candidates here)."""
    dept = dict(case["departments"])
    n, s, total = len(dept), case["team_size"], len(case["picks"])
    full = 0 if cap >= total else s * (total - 1) // cap
    for t in case["picks"]:
        blocked = {i for tt, i in case["conflicts"] + case["previous"] if tt == t}
        eligible = set(dept) - blocked
        if len(eligible) - full < s:
            return False
        for d in case["team_departments"]:
            if len({i for i in eligible if dept[i] == d}) - full < 1:
                return False
    return n >= s


def digest(teams: list[list[str]], picks: list[str]) -> str:
    """SHA-256 of the canonical JSON of the outcome's ``teams`` array (ASCII ids: sorted keys
    and no whitespace are RFC 8785)."""
    body = [{"target": t, "inspectors": m} for t, m in zip(picks, teams, strict=True)]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the checks --------------------------------------------------------------------------------


def core_teams(case: dict[str, Any], cap: int | None = None) -> list[list[str]]:
    dept = dict(case["departments"])
    grouped: dict[str, dict[str, frozenset[str]]] = {}
    for key in ("conflicts", "previous"):
        m: dict[str, set[str]] = {}
        for t, i in case[key]:
            m.setdefault(t, set()).add(i)
        grouped[key] = {t: frozenset(v) for t, v in m.items()}
    teams = team_mod.assign_teams(
        hashlib.sha256(case["seed_label"].encode("utf-8")).digest(),
        case["picks"],
        list(dept),
        grouped["conflicts"],
        grouped["previous"],
        case["team_size"],
        case["cap"] if cap is None else cap,
        departments=dept,
        team_departments=case["team_departments"],
    )
    return [list(t.inspectors) for t in teams]


def core_minimum_cap(case: dict[str, Any]) -> int:
    dept = dict(case["departments"])
    conf: dict[str, set[str]] = {}
    prev: dict[str, set[str]] = {}
    for t, i in case["conflicts"]:
        conf.setdefault(t, set()).add(i)
    for t, i in case["previous"]:
        prev.setdefault(t, set()).add(i)
    return team_mod.minimum_cap(
        set(case["picks"]),
        len(case["picks"]),
        list(dept),
        {t: frozenset(v) for t, v in conf.items()},
        {t: frozenset(v) for t, v in prev.items()},
        case["team_size"],
        departments=dept,
        team_departments=case["team_departments"],
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_vector_by_the_core_and_by_the_spec(name: str) -> None:
    case = CASES[name]
    want = case["expected"]
    by_spec, scans = spec_teams(case)
    by_core = core_teams(case)
    assert by_core == by_spec
    if "teams" in want:
        assert by_core == want["teams"]
    assert digest(by_core, case["picks"]) == want["sha256"]
    assert scans == want["scan_slots"]
    rule = case["team_departments"]
    dept = dict(case["departments"])
    for team in by_core:  # the rule holds: slot j is of D[j-1]
        assert [dept[i] for i in team[: len(rule)]] == rule
    # The minimum cap is the least that passes §3 and §8, and is the published one.
    least = core_minimum_cap(case)
    assert least == want["minimum_cap"]
    assert spec_feasible(case, least)
    assert least == 1 or not spec_feasible(case, least - 1)


def test_the_rule_changes_the_teams_of_the_same_inputs() -> None:
    joint, off = CASES["two-departments"], CASES["off"]
    differ = ("name", "why", "team_departments", "expected")
    assert {k: v for k, v in joint.items() if k not in differ} == {
        k: v for k, v in off.items() if k not in differ
    }
    assert joint["expected"]["teams"] != off["expected"]["teams"]
    # The rule off is §2 alone: the departments are not even needed.
    case = off
    seed = hashlib.sha256(case["seed_label"].encode("utf-8")).digest()
    conf = {t: frozenset(i for tt, i in case["conflicts"] if tt == t) for t, _ in case["conflicts"]}
    prev = {t: frozenset(i for tt, i in case["previous"] if tt == t) for t, _ in case["previous"]}
    plain = team_mod.assign_teams(
        seed, case["picks"], [i for i, _ in case["departments"]], conf, prev, 3, case["cap"]
    )
    assert [list(t.inspectors) for t in plain] == case["expected"]["teams"]


def test_a_cap_below_the_minimum_is_refused_naming_the_department() -> None:
    case = CASES["two-departments"]
    dept = dict(case["departments"])
    conf = {t: frozenset(i for tt, i in case["conflicts"] if tt == t) for t, _ in case["conflicts"]}
    with pytest.raises(InfeasibleError, match=r"department 住建局.*smallest cap that passes is 4"):
        team_mod.check_feasible(
            set(case["picks"]),
            len(case["picks"]),
            list(dept),
            conf,
            {},
            3,
            3,
            departments=dept,
            team_departments=case["team_departments"],
        )


@pytest.mark.parametrize(
    ("rule", "size", "match"),
    [
        (["人防办", "人防办"], 3, "named twice"),
        (["人防办", "住建局", "消防支队"], 2, "only 2 inspectors"),
        (["人防办", ""], 3, "empty"),
    ],
)
def test_a_rule_that_does_not_fit_is_refused(rule: list[str], size: int, match: str) -> None:
    case = CASES["two-departments"]
    dept = dict(case["departments"])
    with pytest.raises(InputError, match=match):
        team_mod.assign_teams(
            bytes(32), ["T1"], list(dept), {}, {}, size, 4, departments=dept, team_departments=rule
        )


def test_an_inspector_without_a_department_and_a_target_without_one_are_refused() -> None:
    case = CASES["two-departments"]
    dept = dict(case["departments"])
    missing = {i: d for i, d in dept.items() if i != "E01"}
    with pytest.raises(InputError, match="E01 has no department"):
        team_mod.assign_teams(
            bytes(32),
            ["T1"],
            list(dept),
            {},
            {},
            3,
            4,
            departments=missing,
            team_departments=["人防办"],
        )
    fire = [i for i, d in dept.items() if d == "消防支队"]
    with pytest.raises(InfeasibleError, match=r"T2 \(消防支队\)") as err:
        team_mod.check_feasible(
            {"T1", "T2"},
            2,
            list(dept),
            {"T2": frozenset(fire)},
            {},
            3,
            2,
            departments=dept,
            team_departments=case["team_departments"],
        )
    assert err.value.targets == ("T2",)
    no_fire = {i: ("人防办" if d == "消防支队" else d) for i, d in dept.items()}
    with pytest.raises(InfeasibleError, match="no eligible inspector of department 消防支队"):
        team_mod.minimum_cap(
            {"T1"},
            1,
            list(dept),
            {},
            {},
            3,
            departments=no_fire,
            team_departments=case["team_departments"],
        )
