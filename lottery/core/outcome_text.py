"""The text of one stratum's section of the outcome blob.

Shared by :func:`lottery.core.outcome.encode_outcome` and the processes that draw strata in
parallel (:mod:`lottery.core.selection`): each side writes the sections of the strata it drew,
so that only the teams are left to encode once the draw is joined.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import schema as s

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
