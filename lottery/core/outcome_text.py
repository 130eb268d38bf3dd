"""The text of the outcome blob, in parts: one section per stratum, the teams, the whole.

Shared by :func:`lottery.core.outcome.encode_outcome` and the processes that draw strata in
parallel (:mod:`lottery.core.selection`, :mod:`lottery.core.rerun`): each side writes the
sections of the strata it drew, and whoever assigns the teams writes their text.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

from . import schema as s
from .teams import Team

OUTCOME_TYPE = "lottery-outcome"

_PICK = '{{"target":"{}","ticket":"{}"}}'.format


def stratum_section(region: str, risk: str, targets: list[str], tickets: Sequence[bytes]) -> str:
    """``{"picks":[...],"region":...,"risk":...}`` in RFC 8785 form, picks in the given order.

    Written directly: every string in it is a checked identifier or hex, so nothing needs
    escaping.

    Raises:
        EncodingError: when a target is not an identifier.
    """
    s.check_ids(targets, "picks")
    body = ",".join(map(_PICK, targets, map(bytes.hex, tickets)))
    return f'{{"picks":[{body}],"region":"{region}","risk":"{risk}"}}'


def section_of_entries(key: str, entries: Sequence[bytes]) -> str:
    """:func:`stratum_section` for stratum ``region|risk`` and its ``ticket || id`` entries."""
    region, _, risk = key.partition("|")
    targets = [e[32:].decode("utf-8") for e in entries]
    return stratum_section(region, risk, targets, [e[:32] for e in entries])


def teams_text(teams: Sequence[Team]) -> str:
    """The teams, in order, as the items of the outcome's ``teams`` array.

    Raises:
        EncodingError: naming the first team member (in order of appearance) that is not an id.
    """
    # Each distinct member once, in order of first appearance (the first bad one is named).
    s.check_ids(
        list(dict.fromkeys(chain.from_iterable(t.inspectors for t in teams))), "team members"
    )
    sep = '","'
    return ",".join(
        '{"inspectors":["' + sep.join(t.inspectors) + '"],"target":"' + t.target + '"}'
        for t in teams
    )


def outcome_text(task: str, seed: bytes, sections: Sequence[str], teams: str) -> str:
    """The whole outcome blob as text, from its strata's sections and its teams' text."""
    return (
        f'{{"seed":"{seed.hex()}","strata":[{",".join(sections)}],"task":"{task}",'
        f'"teams":[{teams}],"type":"{OUTCOME_TYPE}","v":1}}'
    )
