"""Wrong variants of the draw's rules must each fail a published vector (issue #19).

A known-answer vector pins a rule only if a plausible wrong reading of it gives a different
answer. For each rule the public re-runs (docs/spec.md §5 selection, the rounding rule and the
pool rule of §4, docs/teams.md §2 and §8 teams), this module keeps a catalogue of deliberately
wrong variants, each a small function or one deviation of a literal re-implementation written
here (no product code, no monkeypatching), and requires:

- the product's public function gives every vector's expected answer (the harness is not
  vacuous: the vectors are read correctly);
- the re-implementation with no deviation also gives every expected answer (so a variant
  that disagrees does so because of its deviation, not because of the harness);
- every wrong variant disagrees with at least one vector.

The catalogue and the vector that kills each variant are listed in docs/testing.md
("Wrong variants of the draw's rules"). Variants left out of the catalogue, because they give
the same answer on every valid input or differ only on events too rare for a vector to reach,
are listed there too, with what pins them, if anything.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lottery.core.pool import stratum_count
from lottery.core.pool_blob import decode_pool
from lottery.core.pool_membership import covered_types, expected_candidates, expected_inspectors
from lottery.core.selection import picks_in_order, select
from lottery.core.teams import assign_teams

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "tests" / "vectors"
TEAMS_MD = ROOT / "docs" / "teams.md"


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def teams_digest(picks: list[str], teams: list[list[str]]) -> str:
    """SHA-256 of the canonical JSON of an outcome's ``teams`` array (ASCII ids: sorted keys
    and no whitespace are RFC 8785)."""
    body = [{"target": t, "inspectors": m} for t, m in zip(picks, teams, strict=True)]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the vectors, read the way a second implementer reads them --------------------------------


@dataclass(frozen=True)
class TeamVector:
    """One known answer of the team rule: inputs and the expected teams (all of them, or a
    digest of all plus the first few)."""

    name: str
    seed: bytes
    inspectors: list[str]
    picks: list[str]
    conflicts: dict[str, set[str]]
    previous: dict[str, set[str]]
    size: int
    cap: int
    digest: str
    first: list[list[str]]
    departments: dict[str, str] = field(default_factory=dict)
    rule: list[str] = field(default_factory=list)

    def agrees(self, teams: list[list[str]]) -> bool:
        return (
            teams[: len(self.first)] == self.first
            and teams_digest(self.picks, teams) == self.digest
        )


def _grouped(pairs: list[list[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t, i in pairs:
        out.setdefault(t, set()).add(i)
    return out


def _teams_md_vectors() -> list[TeamVector]:
    """docs/teams.md §7: inputs from the prose, expected teams and digests read out of the page."""
    section = TEAMS_MD.read_text(encoding="utf-8").split("\n## 7. Vectors\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    paragraphs = {
        int(m.group(1)): part
        for part in re.split(r"^(?=\*\*)", section, flags=re.MULTILINE)
        if (m := re.match(r"\*\*Vector (\d+)\*\*", part))
    }

    def teams_in(text: str) -> list[list[str]]:
        return [ids.split() for _, ids in re.findall(r"`(\w+): (\w+(?: \w+)+)`", text)]

    def digest_in(text: str) -> str:
        m = re.search(r"canonical JSON of the `teams` array.*?`([0-9a-f]{64})`", text, re.S)
        assert m, "docs/teams.md: a vector without its teams digest"
        return m.group(1)

    out = []
    p1 = paragraphs[1]
    picks1 = ["T3", "T1", "T4", "T2"]
    first1 = teams_in(p1.split("Teams:", 1)[1])
    out.append(
        TeamVector(
            "teams.md vector 1",
            sha(b"lottery-v1 teams.md vector 1/10"),
            ["E05", "E01", "E07", "E06", "E03", "E02", "E04"],
            picks1,
            {"T1": {"E02"}},
            {"T2": {"E05", "E06"}},
            2,
            2,
            teams_digest(picks1, first1),
            first1,
        )
    )
    pool2 = [f"I{k:02d}" for k in range(40)]
    picks2 = [f"T{k:03d}" for k in range(200)]
    out.append(
        TeamVector(
            "teams.md vector 2",
            sha(b"lottery-v1 teams.md vector 2"),
            pool2,
            picks2,
            {t: {pool2[3 * k % 40]} for k, t in enumerate(picks2)},
            {t: {pool2[k % 40], pool2[(k + 1) % 40]} for k, t in enumerate(picks2)},
            2,
            12,
            digest_in(paragraphs[2]),
            teams_in(paragraphs[2].split("first teams are", 1)[1].split(", no pair", 1)[0]),
        )
    )
    pool3 = [f"J{k:03d}" for k in range(150)]
    picks3 = [f"S{k:03d}" for k in range(300)]
    out.append(
        TeamVector(
            "teams.md vector 3",
            sha(b"lottery-v1 teams.md vector 3"),
            pool3,
            picks3,
            {
                t: set(pool3) - {pool3[k % 150], pool3[(7 * k + 1) % 150]}
                for k, t in enumerate(picks3)
            },
            {},
            2,
            300,
            digest_in(paragraphs[3]),
            teams_in(paragraphs[3].split("First teams", 1)[1].split(";", 1)[0]),
        )
    )
    p4 = paragraphs[4]
    pool4 = ["AaBbCc"[k % 6] + str(k) for k in range(150)]
    picks4 = [f"S{k:03d}" for k in range(300)]
    out.append(
        TeamVector(
            "teams.md vector 4",
            sha(b"lottery-v1 teams.md vector 4/1788"),
            pool4,
            picks4,
            {
                t: set(pool4) - {pool4[k % 150], pool4[(7 * k + 1) % 150]}
                for k, t in enumerate(picks4)
            },
            {},
            2,
            300,
            digest_in(p4),
            teams_in(p4.split("First teams", 1)[1].split(";", 1)[0]),
        )
    )
    p5 = paragraphs[5]
    out.append(
        TeamVector(
            "teams.md vector 5",
            sha(b"lottery-v1 teams.md vector 5/33"),
            pool4,
            picks4,
            {
                t: set(pool4)
                - {pool4[k % 150], pool4[(7 * k + 1) % 150], pool4[(13 * k + 2) % 150]}
                for k, t in enumerate(picks4)
            },
            {},
            2,
            300,
            digest_in(p5),
            teams_in(p5.split("First teams", 1)[1].split(";", 1)[0]),
        )
    )
    assert sorted(paragraphs) == [1, 2, 3, 4, 5]
    assert all(v.first for v in out)
    return out


def _joint_vectors() -> list[TeamVector]:
    cases = json.loads((VECTORS / "teams-joint" / "cases.json").read_text(encoding="utf-8"))
    out = []
    for c in cases["cases"]:
        want = c["expected"]
        out.append(
            TeamVector(
                f"teams-joint {c['name']}",
                sha(c["seed_label"].encode("utf-8")),
                [i for i, _ in c["departments"]],
                c["picks"],
                _grouped(c["conflicts"]),
                _grouped(c["previous"]),
                c["team_size"],
                c["cap"],
                want["sha256"],
                want.get("teams", want.get("first_teams")),
                dict(c["departments"]),
                c["team_departments"],
            )
        )
    return out


def _lottery_v1() -> list[dict[str, Any]]:
    return [
        json.loads((VECTORS / "lottery-v1" / f"task-{name}.json").read_text(encoding="utf-8"))
        for name in ("public-numbers", "drand")
    ]


def _lottery_v1_team_vectors() -> list[TeamVector]:
    out = []
    for v in _lottery_v1():
        blob = json.loads(v["blobs"]["team_input"])
        teams = [t["inspectors"] for t in v["teams"]]
        out.append(
            TeamVector(
                f"lottery-v1 {blob['task']}",
                bytes.fromhex(v["seed"]),
                blob["inspectors"],
                v["picks"],
                _grouped(blob["conflicts"]),
                _grouped(blob["previous"]),
                v["inputs"]["team_size"],
                v["inputs"]["cap"],
                teams_digest(v["picks"], teams),
                teams,
            )
        )
    return out


# Cheap vectors first: a variant stops at the first vector it fails.
TEAM_VECTORS = sorted(
    _teams_md_vectors() + _joint_vectors() + _lottery_v1_team_vectors(),
    key=lambda v: len(v.picks) * len(v.inspectors),
)


# --- teams: a literal re-implementation of docs/teams.md §2 and §8, with one deviation each ---


@dataclass(frozen=True)
class Flaw:
    """One deviation from docs/teams.md; the default is none."""

    counter_per_slot: bool = False  # the counter restarts at 0 for every slot
    scan_from_zero: bool = False  # the scan starts at P[0], not at the drawn index
    scan_start_plus_one: bool = False  # off by one in the rotation: the scan starts one later
    scan_counter_reused: bool = False  # the scan's counter is not used up: next slot reuses it
    scan_prefers_unpaired: bool = False  # the scan takes an unpaired acceptable one first
    scan_skips_paired: bool = False  # the scan passes over paired ones (and may fail)
    scan_backwards: bool = False  # the scan runs P[start], P[start - 1], ... (mod n)
    pair_with: str = "any"  # the pair preference looks at "any" member, or the "first" or "last"
    phase_4n: bool = False  # the random phase is 4n counter values, not 4n + 64
    pair_bound: int = 64  # the pair preference holds while d < pair_bound
    sort: Callable[[list[str]], list[str]] | None = None  # a different order of the pool P
    counter_le: bool = False  # u32 little-endian counter
    no_length_prefix: bool = False  # the target's length is not hashed
    no_zero_byte: bool = False  # "lottery-v1 team" without the 0x00
    v_bytes: int = 8  # how many leading bytes of x make v
    cap_inclusive: bool = False  # load[i] <= cap instead of < cap
    ignore_previous: bool = False
    ignore_conflicts: bool = False
    ignore_departments: bool = False  # the joint task's condition 5 is dropped
    departments_cyclic: bool = False  # every slot j takes D[(j - 1) mod k], free slots too
    departments_random_only: bool = False  # condition 5 checked in the random phase only


def _byte_sorted(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: i.encode("utf-8"))


class _Run:
    """docs/teams.md §2.4 (with §8's condition 5), word for word, but for the flaw ``f``."""

    def __init__(self, v: TeamVector, f: Flaw) -> None:
        self.v, self.f = v, f
        self.pool = (f.sort or _byte_sorted)(list(v.inspectors))
        self.n = len(self.pool)
        self.tag = b"lottery-v1 team" + (b"" if f.no_zero_byte else b"\x00")
        self.length = 4 * self.n + (0 if f.phase_4n else 64)
        self.load = dict.fromkeys(self.pool, 0)
        self.paired: set[frozenset[str]] = set()
        self.prefix: dict[str, bytes] = {}
        self.limit = (2 ** (8 * f.v_bytes) // self.n) * self.n

    def index(self, t: str, d: int) -> int | None:
        """The index counter ``d`` draws for target ``t`` (§2.1), or None."""
        if t not in self.prefix:
            tb = t.encode("utf-8")
            length = b"" if self.f.no_length_prefix else len(tb).to_bytes(4, "big")
            self.prefix[t] = self.tag + self.v.seed + length + tb
        counter = d.to_bytes(4, "little" if self.f.counter_le else "big")
        value = int.from_bytes(sha(self.prefix[t] + counter)[: self.f.v_bytes], "big")
        return value % self.n if value < self.limit else None

    def wanted(self, j: int) -> str | None:
        """The department slot ``j`` (1-based) must be of, if any (§8)."""
        rule = self.v.rule
        if not rule or self.f.ignore_departments:
            return None
        if j <= len(rule):
            return rule[j - 1]
        return rule[(j - 1) % len(rule)] if self.f.departments_cyclic else None

    def acceptable(self, t: str, team: list[str], wanted: str | None, i: str, scan: bool) -> bool:
        f, v = self.f, self.v
        checks_department = wanted is not None and not (scan and f.departments_random_only)
        if checks_department and v.departments.get(i) != wanted:
            return False
        at_cap = self.load[i] > v.cap if f.cap_inclusive else self.load[i] >= v.cap
        return (
            (f.ignore_conflicts or i not in v.conflicts.get(t, ()))
            and (f.ignore_previous or i not in v.previous.get(t, ()))
            and i not in team
            and not at_cap
        )

    def slot(self, t: str, team: list[str], wanted: str | None, c: int) -> tuple[str | None, int]:
        """One slot from counter ``c``: (the inspector or None, the next counter)."""
        for _ in range(self.length):
            d, c = c, c + 1
            x = self.index(t, d)
            if x is None or not self.acceptable(t, team, wanted, self.pool[x], False):
                continue
            members = {"any": team, "first": team[:1], "last": team[-1:]}[self.f.pair_with]
            if d < self.f.pair_bound and any(
                frozenset((self.pool[x], m)) in self.paired for m in members
            ):
                continue
            return self.pool[x], c
        x = self.index(t, c)
        if not self.f.scan_counter_reused:
            c += 1
        start = 0 if (x is None or self.f.scan_from_zero) else x
        start += 1 if self.f.scan_start_plus_one else 0
        step = -1 if self.f.scan_backwards else 1
        order = [self.pool[(start + step * q) % self.n] for q in range(self.n)]
        found = [i for i in order if self.acceptable(t, team, wanted, i, True)]
        if self.f.scan_prefers_unpaired or self.f.scan_skips_paired:
            unpaired = [i for i in found if all(frozenset((i, m)) not in self.paired for m in team)]
            found = unpaired + ([] if self.f.scan_skips_paired else found)
        return (found[0] if found else None), c

    def teams(self) -> list[list[str]] | None:
        out = []
        for t in self.v.picks:
            team: list[str] = []
            c = 0
            for j in range(1, self.v.size + 1):
                chosen, c = self.slot(t, team, self.wanted(j), 0 if self.f.counter_per_slot else c)
                if chosen is None:
                    return None
                self.paired.update(frozenset((chosen, m)) for m in team)
                team.append(chosen)
                self.load[chosen] += 1
            out.append(team)
        return out


def flawed_teams(v: TeamVector, f: Flaw) -> list[list[str]] | None:
    """The teams of ``v`` by §2.4 with the flaw ``f``; None when the variant cannot staff a
    slot (a variant that fails is as wrong as one that answers differently)."""
    return _Run(v, f).teams()


def _reverse_bytes(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: i.encode("utf-8"), reverse=True)


def _case_insensitive(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: (i.casefold(), i))


def _length_first(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: (len(i), i))


TEAM_VARIANTS: dict[str, Flaw] = {
    "counter restarts at each slot": Flaw(counter_per_slot=True),
    "scan starts at index 0": Flaw(scan_from_zero=True),
    "scan starts one after the drawn index": Flaw(scan_start_plus_one=True),
    "scan counter not used up": Flaw(scan_counter_reused=True),
    "scan prefers unpaired inspectors": Flaw(scan_prefers_unpaired=True),
    "scan passes over paired inspectors": Flaw(scan_skips_paired=True),
    "scan runs backwards from the drawn index": Flaw(scan_backwards=True),
    "pair preference with the first member only": Flaw(pair_with="first"),
    "pair preference with the last member only": Flaw(pair_with="last"),
    "random phase of 4n counter values": Flaw(phase_4n=True),
    "pair preference while d <= 64": Flaw(pair_bound=65),
    "pair preference while d < 63": Flaw(pair_bound=63),
    "no pair preference": Flaw(pair_bound=0),
    "pair preference never ends": Flaw(pair_bound=2**32),
    "pool in input order": Flaw(sort=list),
    "pool sorted descending": Flaw(sort=_reverse_bytes),
    "pool sorted case-insensitively": Flaw(sort=_case_insensitive),
    "pool sorted by length, then id": Flaw(sort=_length_first),
    "counter little-endian": Flaw(counter_le=True),
    "no length prefix of the target": Flaw(no_length_prefix=True),
    "tag without the zero byte": Flaw(no_zero_byte=True),
    "v from the first 4 bytes": Flaw(v_bytes=4),
    "cap is inclusive (load <= cap)": Flaw(cap_inclusive=True),
    "previous inspectors ignored": Flaw(ignore_previous=True),
    "conflicts ignored": Flaw(ignore_conflicts=True),
    "joint-department rule ignored": Flaw(ignore_departments=True),
    "department rule repeated over the free slots": Flaw(departments_cyclic=True),
    "department rule dropped in the scan": Flaw(departments_random_only=True),
}


def product_teams(v: TeamVector) -> list[list[str]]:
    got = assign_teams(
        v.seed,
        v.picks,
        v.inspectors,
        {t: frozenset(s) for t, s in v.conflicts.items()},
        {t: frozenset(s) for t, s in v.previous.items()},
        v.size,
        v.cap,
        departments=v.departments or None,
        team_departments=v.rule,
    )
    return [list(t.inspectors) for t in got]


def first_disagreement(run: Callable[[TeamVector], list[list[str]] | None]) -> str | None:
    for v in TEAM_VECTORS:
        got = run(v)
        if got is None or not v.agrees(got):
            return v.name
    return None


@pytest.mark.parametrize("v", TEAM_VECTORS, ids=lambda v: v.name)
def test_the_product_and_the_unflawed_rule_give_every_team_vector(v: TeamVector) -> None:
    assert v.agrees(product_teams(v))
    assert v.agrees(flawed_teams(v, Flaw()) or [])


@pytest.mark.parametrize("name", sorted(TEAM_VARIANTS))
def test_every_wrong_team_variant_fails_a_vector(name: str) -> None:
    flaw = TEAM_VARIANTS[name]
    assert first_disagreement(lambda v: flawed_teams(v, flaw)) is not None, (
        f"the wrong variant '{name}' gives every team vector's expected answer"
    )


# The two variants issue #19 found passing every vector: each now fails a vector of §2 alone
# (no department rule), not only through the department slots of a joint vector.
PLAIN_RULE_KILLS = ("counter restarts at each slot", "scan starts at index 0")


@pytest.mark.parametrize("name", PLAIN_RULE_KILLS)
def test_the_variants_of_issue_19_fail_a_vector_without_departments(name: str) -> None:
    flaw = TEAM_VARIANTS[name]
    plain = [v for v in TEAM_VECTORS if not v.rule]
    assert any(not v.agrees(flawed_teams(v, flaw) or []) for v in plain)


# --- selection: docs/spec.md §5 -----------------------------------------------------------------


@dataclass(frozen=True)
class SelectionVector:
    name: str
    seed: bytes
    pool_blob: bytes
    picks: list[str]  # in selection order

    @property
    def strata(self) -> list[dict[str, Any]]:
        return list(json.loads(self.pool_blob)["strata"])


SELECTION_VECTORS = [
    SelectionVector(
        f"lottery-v1 {json.loads(v['blobs']['pool'])['task']}",
        bytes.fromhex(v["seed"]),
        v["blobs"]["pool"].encode("utf-8"),
        v["picks"],
    )
    for v in _lottery_v1()
]

Ranked = Callable[[bytes, dict[str, Any]], list[str]]  # (seed, stratum) -> ranked candidates


def _key(seed: bytes, st: dict[str, Any], tag: bytes = b"lottery-v1 stratum\x00") -> bytes:
    return sha(tag + seed + f"{st['region']}|{st['risk']}".encode())


def rank_spec(seed: bytes, st: dict[str, Any]) -> list[str]:
    """docs/spec.md §5: ascending ``ticket || UTF-8(id)``."""
    key = _key(seed, st)
    return sorted(st["candidates"], key=lambda c: sha(key + c.encode()) + c.encode())


def _rank_by(ticket: Callable[[bytes, dict[str, Any], str], bytes]) -> Ranked:
    def rank(seed: bytes, st: dict[str, Any]) -> list[str]:
        return sorted(st["candidates"], key=lambda c: ticket(seed, st, c) + c.encode())

    return rank


def _select(rank: Ranked, order: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] = list):
    def run(seed: bytes, strata: list[dict[str, Any]]) -> list[str]:
        return [c for st in order(strata) for c in rank(seed, st)[: st["count"]]]

    return run


def _picks_by_id(seed: bytes, strata: list[dict[str, Any]]) -> list[str]:
    """The right picks, but listed by id within a stratum instead of by ticket."""
    return [c for st in strata for c in sorted(rank_spec(seed, st)[: st["count"]])]


def _global_ticket_order(seed: bytes, strata: list[dict[str, Any]]) -> list[str]:
    """The right picks, in ticket order across all strata instead of strata in pool order."""
    tickets = {}
    for st in strata:
        key = _key(seed, st)
        for c in rank_spec(seed, st)[: st["count"]]:
            tickets[c] = sha(key + c.encode())
    return sorted(tickets, key=lambda c: tickets[c])


def _highest(seed: bytes, st: dict[str, Any]) -> list[str]:
    return rank_spec(seed, st)[::-1]


def _little_endian(seed: bytes, st: dict[str, Any]) -> list[str]:
    key = _key(seed, st)
    return sorted(st["candidates"], key=lambda c: int.from_bytes(sha(key + c.encode()), "little"))


SELECTION_VARIANTS: dict[str, Callable[[bytes, list[dict[str, Any]]], list[str]]] = {
    "tag without the zero byte": _select(
        _rank_by(lambda s, st, c: sha(_key(s, st, b"lottery-v1 stratum") + c.encode()))
    ),
    "stratum key without the seed": _select(
        _rank_by(lambda s, st, c: sha(_key(b"", st) + c.encode()))
    ),
    "stratum key 'risk|region'": _select(
        _rank_by(
            lambda s, st, c: (
                sha(sha(b"lottery-v1 stratum\x00" + s + f"{st['risk']}|{st['region']}".encode()))
                + c.encode()
            )
        )
    ),
    "stratum key without the '|'": _select(
        _rank_by(
            lambda s, st, c: sha(
                sha(b"lottery-v1 stratum\x00" + s + f"{st['region']}{st['risk']}".encode())
                + c.encode()
            )
        )
    ),
    "ticket hashes the id before the key": _select(
        _rank_by(lambda s, st, c: sha(c.encode() + _key(s, st)))
    ),
    "ticket from the seed, no stratum key": _select(_rank_by(lambda s, st, c: sha(s + c.encode()))),
    "ticket over the stratum key in hex": _select(
        _rank_by(lambda s, st, c: sha(_key(s, st).hex().encode() + c.encode()))
    ),
    "the highest tickets": _select(_highest),
    "tickets compared as little-endian numbers": _select(_little_endian),
    "picks listed by id": _picks_by_id,
    "picks in ticket order across strata": _global_ticket_order,
    "strata by risk, then region": _select(
        rank_spec, lambda strata: sorted(strata, key=lambda st: (st["risk"], st["region"]))
    ),
}


@pytest.mark.parametrize("v", SELECTION_VECTORS, ids=lambda v: v.name)
def test_the_product_and_the_spec_give_every_selection_vector(v: SelectionVector) -> None:
    assert picks_in_order(select(v.seed, decode_pool(v.pool_blob))) == v.picks
    assert _select(rank_spec)(v.seed, v.strata) == v.picks


@pytest.mark.parametrize("name", sorted(SELECTION_VARIANTS))
def test_every_wrong_selection_variant_fails_a_vector(name: str) -> None:
    run = SELECTION_VARIANTS[name]
    assert any(run(v.seed, v.strata) != v.picks for v in SELECTION_VECTORS), (
        f"the wrong variant '{name}' gives every selection vector's picks"
    )


# --- the rounding rule: docs/spec.md §4 -------------------------------------------------------


def _count_vectors() -> list[tuple[str, int, int, int, int]]:
    """(where, n, bp, K, pool size) from the lottery-v1 pools and tests/vectors/counts/ (whose
    cases are pools of one stratum)."""
    out = []
    for v in _lottery_v1():
        pool = json.loads(v["blobs"]["pool"])
        total = sum(len(st["candidates"]) for st in pool["strata"])
        for st in pool["strata"]:
            bp = v["inputs"]["ratios_bp"][st["risk"]]
            out.append(
                (f"lottery-v1 {pool['task']}", len(st["candidates"]), bp, st["count"], total)
            )
    cases = json.loads((VECTORS / "counts" / "cases.json").read_text(encoding="utf-8"))
    for c in cases["cases"]:
        out.append((f"counts {c['n']} x {c['bp']}", c["n"], c["bp"], c["count"], c["n"]))
    return out


COUNT_VECTORS = _count_vectors()

Count = Callable[[int, int, int], int]  # (stratum size, basis points, pool size) -> K

COUNT_VARIANTS: dict[str, Count] = {
    "floor": lambda n, bp, _: n * bp // 10000,
    "floor, at least one": lambda n, bp, _: max(1, n * bp // 10000),
    "floor plus one": lambda n, bp, _: min(n, n * bp // 10000 + 1),
    "round half up": lambda n, bp, _: (n * bp + 5000) // 10000,
    "round half to even": lambda n, bp, _: round(n * bp / 10000),
    "ceil adding 10000, not 9999": lambda n, bp, _: min(n, (n * bp + 10000) // 10000),
    "ceil of a float fraction (n * (bp / 10000))": lambda n, bp, _: min(
        n, math.ceil(n * (bp / 10000))
    ),
    "ratio of the whole pool in each stratum": lambda n, bp, total: min(
        n, (total * bp + 9999) // 10000
    ),
    "basis points read as percent": lambda n, bp, _: min(n, (n * bp + 99) // 100),
}


def test_the_product_and_the_spec_give_every_count_vector() -> None:
    for where, n, bp, want, _ in COUNT_VECTORS:
        assert stratum_count(n, bp) == want, where
        assert min(n, -(-n * bp // 10000)) == want, where


@pytest.mark.parametrize("name", sorted(COUNT_VARIANTS))
def test_every_wrong_rounding_variant_fails_a_vector(name: str) -> None:
    count = COUNT_VARIANTS[name]
    assert any(count(n, bp, total) != want for _, n, bp, want, total in COUNT_VECTORS), (
        f"the wrong variant '{name}' gives every count vector's K"
    )


# --- the pool rule: docs/spec.md §4, "Candidates" and "Re-deriving the pools" -----------------

POOL_RULE = json.loads((VECTORS / "pool-rule" / "cases.json").read_text(encoding="utf-8"))


def _rows(registry: str) -> list[dict[str, str]]:
    snap = POOL_RULE["snapshots"][registry]
    return [dict(zip(snap["fields"], row, strict=True)) for row in snap["rows"]]


def _types(ref: dict[str, Any]) -> list[str] | None:
    types: list[str] | None = POOL_RULE["item_lists"][str(ref["version"])].get(ref["code"])
    return types


def _scope_regions(walk_parents: bool = False, by_code: bool = False) -> set[str]:
    scope = set(POOL_RULE["announcement"]["org_units"])
    units = _rows("org-units")
    if walk_parents:
        scope |= {u["parent"] for u in units if u["code"] in scope}
    return scope if by_code else {u["region"] for u in units if u["code"] in scope}


def _candidates(
    covered: Callable[[list[dict[str, Any]]], set[str] | None],
    regions: set[str] | None = None,
    active_only: bool = True,
) -> Callable[[dict[str, Any]], dict[str, list[str]]]:
    """Candidates with the covered types (None: every type), the scope regions and the
    status rule given; the spec's when every argument is left as it is."""

    def run(case: dict[str, Any]) -> dict[str, list[str]]:
        scope = _scope_regions() if regions is None else regions
        types = covered(case["items"])
        return {
            t["uscc"]: [t["region"], t["risk_class"]]
            for t in _rows("targets")
            if (t["status"] == "正常" or not active_only)
            and t["region"]
            and t["region"] in scope
            and (types is None or t["type"] in types)
        }

    return run


def covered_union(items: list[dict[str, Any]]) -> set[str] | None:
    """The spec: the union of the cited items' types; every type when none names any."""
    named = [set(ts) for ref in items if (ts := _types(ref)) is not None]
    return set().union(*named) if named else None


def _covered_intersection(items: list[dict[str, Any]]) -> set[str] | None:
    named = [set(ts) for ref in items if (ts := _types(ref)) is not None]
    return set.intersection(*named) if named else None


def _covered_general_widens(items: list[dict[str, Any]]) -> set[str] | None:
    return None if any(_types(ref) is None for ref in items) else covered_union(items)


def _covered_latest_version(items: list[dict[str, Any]]) -> set[str] | None:
    latest = str(max(int(v) for v in POOL_RULE["item_lists"]))
    return covered_union([{"code": ref["code"], "version": latest} for ref in items])


def _covered_first_item(items: list[dict[str, Any]]) -> set[str] | None:
    return covered_union(items[:1])


def _inspectors(
    active_only: bool = True,
    in_scope_only: bool = True,
    valid: Callable[[dict[str, str], str, str], bool] = lambda i, s, e: (
        i["cert_valid_from"] <= s and i["cert_valid_to"] >= e
    ),
) -> Callable[[dict[str, Any]], list[str]]:
    def run(case: dict[str, Any]) -> list[str]:
        ann = POOL_RULE["announcement"]
        start, end = ann["window"]["start"], ann["window"]["end"]
        return sorted(
            i["id"]
            for i in _rows("inspectors")
            if (i["status"] == "在岗" or not active_only)
            and (i["org_unit"] in ann["org_units"] or not in_scope_only)
            and valid(i, start, end)
        )

    return run


CANDIDATES, INSPECTORS = "expected_candidates", "expected_inspectors"

# name -> (the member of a case the variant computes, the variant)
POOL_RULE_VARIANTS: dict[str, tuple[str, Callable[[dict[str, Any]], object]]] = {
    "targets of any status": (CANDIDATES, _candidates(covered_union, active_only=False)),
    "scope regions with the parents' regions": (
        CANDIDATES,
        _candidates(covered_union, _scope_regions(walk_parents=True)),
    ),
    "regions compared with the org units' codes": (
        CANDIDATES,
        _candidates(covered_union, _scope_regions(by_code=True)),
    ),
    "the intersection of the items' types": (CANDIDATES, _candidates(_covered_intersection)),
    "an item without types widens to every type": (
        CANDIDATES,
        _candidates(_covered_general_widens),
    ),
    "the latest item-list version's types": (CANDIDATES, _candidates(_covered_latest_version)),
    "the first cited item's types only": (CANDIDATES, _candidates(_covered_first_item)),
    "inspectors of any status": (INSPECTORS, _inspectors(active_only=False)),
    "inspectors of any unit": (INSPECTORS, _inspectors(in_scope_only=False)),
    "certificate valid strictly inside the window": (
        INSPECTORS,
        _inspectors(valid=lambda i, s, e: i["cert_valid_from"] < s and i["cert_valid_to"] > e),
    ),
    "certificate valid on the first day only": (
        INSPECTORS,
        _inspectors(valid=lambda i, s, e: i["cert_valid_from"] <= s <= i["cert_valid_to"]),
    ),
    "certificate valid on some day of the window": (
        INSPECTORS,
        _inspectors(valid=lambda i, s, e: i["cert_valid_from"] <= e and i["cert_valid_to"] >= s),
    ),
}


@pytest.mark.parametrize("case", POOL_RULE["cases"], ids=[c["name"] for c in POOL_RULE["cases"]])
def test_the_product_and_the_spec_give_every_pool_rule_vector(case: dict[str, Any]) -> None:
    ann = POOL_RULE["announcement"]
    lines = {
        r: [list(x) for x in POOL_RULE["snapshots"][r]["rows"]] for r in POOL_RULE["snapshots"]
    }
    lists = {int(v): items for v, items in POOL_RULE["item_lists"].items()}
    types = covered_types(case["items"], lists)
    got = expected_candidates(lines["targets"], lines["org-units"], ann["org_units"], types)
    assert {k: list(v) for k, v in got.items()} == case["expected_candidates"]
    window = ann["window"]
    assert (
        expected_inspectors(lines["inspectors"], ann["org_units"], window["start"], window["end"])
        == case["expected_inspectors"]
    )
    assert _candidates(covered_union)(case) == case["expected_candidates"]
    assert _inspectors()(case) == case["expected_inspectors"]


@pytest.mark.parametrize("name", sorted(POOL_RULE_VARIANTS))
def test_every_wrong_pool_rule_variant_fails_a_vector(name: str) -> None:
    member, run = POOL_RULE_VARIANTS[name]
    assert any(run(c) != c[member] for c in POOL_RULE["cases"]), (
        f"the wrong variant '{name}' gives every pool-rule vector's answer"
    )
