"""The team-input and outcome blobs of a draw.

team input (published with the announcement)::

    {"type": "lottery-team-input", "v": 1, "task": ..., "inspectors": [ids, sorted],
     "conflicts": [[target, inspector], ...], "previous": [[target, inspector], ...]}

    a joint task (部门联合抽查) adds "departments": [[inspector, department], ...] (sorted by
    inspector, one per inspector) and, under its one-per-department rule, "team_departments":
    [department, ...] (docs/teams.md §8); both absent otherwise, so older blobs are unchanged.

outcome (hashed into the sealed draw record, published at disclosure or cancellation)::

    {"type": "lottery-outcome", "v": 1, "task": ..., "seed": hex,
     "strata": [{"region", "risk", "picks": [{"target", "ticket": hex}, ...]}, ...],
     "teams": [{"target", "inspectors": [...]}, ...]}

The outcome carries the seed, so its SHA-256 (published while the outcome is sealed) cannot be
matched by guessing the picks of a small pool.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import chain, pairwise
from typing import Any

from . import schema as s
from .canonical import canonical_json, hex_to_bytes, parse_canonical_json
from .errors import EncodingError
from .outcome_text import OUTCOME_TYPE, outcome_text, stratum_section, teams_text
from .pool import Stratum
from .selection import Pick
from .teams import Team

TEAM_INPUT_TYPE = "lottery-team-input"


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


@dataclass(frozen=True)
class TeamInput:
    """Everything the team assignment needs besides the seed and the picks."""

    task: str
    inspectors: tuple[str, ...]
    conflicts: Mapping[str, frozenset[str]]
    previous: Mapping[str, frozenset[str]]
    # 部门联合抽查 (docs/teams.md §8): each inspector's department (None: not a joint task) and
    # the departments every team must include, in slot order (empty: no such rule).
    departments: Mapping[str, str] | None = None
    team_departments: tuple[str, ...] = ()


def _pairs(mapping: Mapping[str, frozenset[str]]) -> list[list[str]]:
    pairs = [(_utf8(t), _utf8(i), t, i) for t, insp in mapping.items() for i in insp]
    pairs.sort()
    return [[t, i] for _, _, t, i in pairs]


def _group(pairs: Iterable[Sequence[str]]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for target, inspector in pairs:
        out.setdefault(target, set()).add(inspector)
    return {k: frozenset(v) for k, v in out.items()}


def make_team_input(
    task: str,
    inspectors: Iterable[str],
    conflicts: Iterable[tuple[str, str]],
    previous: Iterable[tuple[str, str]],
    targets: AbstractSet[str],
    *,
    departments: Mapping[str, str] | None = None,
    team_departments: Sequence[str] = (),
) -> TeamInput:
    """Keep only the pairs that concern pool targets and pool inspectors (and, for a joint
    task, the departments of the pool's inspectors)."""
    pool = tuple(sorted(set(inspectors), key=_utf8))
    members = set(pool)

    def keep(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
        return _group((t, i) for t, i in pairs if t in targets and i in members)

    depts = None if departments is None else {i: departments[i] for i in pool}
    return TeamInput(task, pool, keep(conflicts), keep(previous), depts, tuple(team_departments))


def encode_team_input(ti: TeamInput) -> bytes:
    """Canonical bytes of the team-input blob."""
    return canonical_json(
        {
            "type": TEAM_INPUT_TYPE,
            "v": 1,
            "task": ti.task,
            "inspectors": list(ti.inspectors),
            "conflicts": _pairs(ti.conflicts),
            "previous": _pairs(ti.previous),
            **_department_members(ti),
        }
    )


def _department_members(ti: TeamInput) -> dict[str, Any]:
    """The optional members of a joint task (docs/teams.md §8); none for any other task."""
    out: dict[str, Any] = {}
    if ti.departments is not None:
        out["departments"] = [[i, ti.departments[i]] for i in ti.inspectors]
    if ti.team_departments:
        out["team_departments"] = list(ti.team_departments)
    return out


_PAIR = s.array(s.ident, min_len=2, max_len=2)


_TEAM_KEYS = ["conflicts", "inspectors", "previous", "task", "type", "v"]


def _team_input_bulk(data: bytes) -> TeamInput | None:
    """:func:`decode_team_input` for a valid blob, with bulk checks; ``None`` if anything is off.

    When every string is a checked ASCII id, ``json.dumps`` with sorted keys and no whitespace
    is the RFC 8785 form, so one comparison with the input proves it canonical.
    """
    try:
        body = json.loads(data)
    except ValueError:  # also UnicodeDecodeError
        return None
    if not isinstance(body, dict) or sorted(body) != _TEAM_KEYS:
        return None
    inspectors, task = body["inspectors"], body["task"]
    pairs = [body["conflicts"], body["previous"]]
    if (
        body["type"] != TEAM_INPUT_TYPE
        or body["v"] != 1
        or type(body["v"]) is not int
        or not isinstance(task, str)
        or not isinstance(inspectors, list)
        or len(inspectors) < 2
        or not all(isinstance(p, list) for p in pairs)
    ):
        return None
    flat: list[Any] = [task, *inspectors]
    for rows in pairs:
        if not all(type(r) is list and len(r) == 2 for r in rows):
            return None
        flat += chain.from_iterable(rows)
    # all(): no empty string anywhere (check_ids does not see an empty first id).
    if set(map(type, flat)) != {str} or not all(flat):
        return None
    try:
        s.check_ids(flat, "team_input")
    except EncodingError:
        return None
    # ASCII ids: str order is UTF-8 byte order.
    if not all(map(str.__lt__, inspectors, inspectors[1:])):
        return None
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if text.encode("utf-8") != data:
        return None
    return TeamInput(task, tuple(inspectors), _group(body["conflicts"]), _group(body["previous"]))


def decode_team_input(data: bytes) -> TeamInput:
    """Parse a team-input blob.

    Raises:
        EncodingError: naming what is malformed (including unsorted or duplicate inspectors).
    """
    fast = _team_input_bulk(data)
    if fast is not None:
        return fast
    body: Any = parse_canonical_json(data)
    s.obj(
        {
            "type": s.const(TEAM_INPUT_TYPE),
            "v": s.const(1),
            "task": s.ident,
            "inspectors": s.array(s.ident, min_len=2),
            "conflicts": s.array(_PAIR),
            "previous": s.array(_PAIR),
        },
        {
            "departments": s.array(s.array(s.text(100), min_len=2, max_len=2)),
            "team_departments": s.array(s.text(100), min_len=1),
        },
    )(body, "team_input")
    ids = [_utf8(i) for i in body["inspectors"]]
    if any(a >= b for a, b in pairwise(ids)):
        raise EncodingError("team_input.inspectors must be sorted and unique")
    departments: dict[str, str] | None = None
    if "departments" in body:
        pairs = body["departments"]
        if [p[0] for p in pairs] != body["inspectors"]:
            raise EncodingError(
                "team_input.departments must name every inspector once, in inspector order"
            )
        departments = {p[0]: p[1] for p in pairs}
    team_departments = tuple(body.get("team_departments", ()))
    if team_departments and departments is None:
        raise EncodingError("team_input.team_departments needs team_input.departments")
    if len(set(team_departments)) != len(team_departments):
        raise EncodingError("team_input.team_departments must not name a department twice")
    return TeamInput(
        body["task"],
        tuple(body["inspectors"]),
        _group((p[0], p[1]) for p in body["conflicts"]),
        _group((p[0], p[1]) for p in body["previous"]),
        departments,
        team_departments,
    )


def encode_outcome(
    task: str,
    seed: bytes,
    selection: Sequence[tuple[Stratum, Sequence[Pick]]],
    teams: Sequence[Team],
    sections: Sequence[str] | None = None,
) -> bytes:
    """Canonical bytes of the outcome blob.

    Written directly, keys in RFC 8785 order: every string in it is a checked ASCII
    identifier or hex, so nothing needs escaping. :func:`decode_outcome` re-encodes with the
    general encoder and compares, so a divergence could never go unnoticed.

    ``sections``: the strata's text already written by the processes that drew them
    (:func:`lottery.core.outcome_text.stratum_section`, one per stratum of ``selection``).
    """
    s.ident(task, "task")
    if sections is None or len(sections) != len(selection):
        sections = [
            stratum_section(
                st.region, st.risk, [p.target for p in picks], [p.ticket for p in picks]
            )
            for st, picks in selection
        ]
    return outcome_text(task, seed, sections, teams_text(teams)).encode("ascii")


@dataclass(frozen=True)
class Outcome:
    """A parsed outcome blob."""

    task: str
    seed: bytes
    strata: tuple[tuple[str, tuple[Pick, ...]], ...]
    teams: tuple[Team, ...]

    def picks(self) -> list[str]:
        """Picked target ids in selection order."""
        return [p.target for _, picks in self.strata for p in picks]


_PICK = s.obj({"target": s.ident, "ticket": s.hex32})


def decode_outcome(data: bytes) -> Outcome:
    """Parse an outcome blob.

    Raises:
        EncodingError: naming what is malformed.
    """
    body: Any = parse_canonical_json(data)
    s.obj(
        {
            "type": s.const(OUTCOME_TYPE),
            "v": s.const(1),
            "task": s.ident,
            "seed": s.hex32,
            "strata": s.array(s.obj({"region": s.ident, "risk": s.ident, "picks": s.array(_PICK)})),
            "teams": s.array(s.obj({"target": s.ident, "inspectors": s.array(s.ident, min_len=2)})),
        }
    )(body, "outcome")
    strata = tuple(
        (
            f"{st['region']}|{st['risk']}",
            tuple(Pick(p["target"], bytes.fromhex(p["ticket"])) for p in st["picks"]),
        )
        for st in body["strata"]
    )
    teams = tuple(Team(t["target"], tuple(t["inspectors"])) for t in body["teams"])
    return Outcome(body["task"], hex_to_bytes(body["seed"], length=32), strata, teams)
