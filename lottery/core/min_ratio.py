"""An item's minimum ratio (抽查比例) against the share a task draws (docs/spec.md section 4).

An item of the item list may publish ``min_ratio``: the least share of the targets it covers
that a check of it draws, in basis points (5% = 500). A task draws per risk class (its
``ratios``); what it draws in all is its announcement's ``pool.picks`` of ``pool.candidates``.
The task keeps the item's minimum when ``picks / candidates >= min_ratio / 10000``, compared
in integers: ``picks * 10000 >= min_ratio * candidates``. Pure functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction


def shortfall(
    picks: int, candidates: int, minimums: Iterable[tuple[str, int]]
) -> tuple[str, int] | None:
    """The first ``(code, min_ratio)`` whose minimum the share ``picks / candidates`` is below.

    ``minimums``: the cited items' ``(code, min_ratio)``, in the task's order.
    """
    for code, minimum in minimums:
        if picks * 10_000 < minimum * candidates:
            return code, minimum
    return None


def cited_minimums(
    items: Iterable[tuple[str, int]], lists: Mapping[int, Mapping[str, int | None]]
) -> list[tuple[str, int]]:
    """``(code, min_ratio)`` of the cited items ``(code, version)`` that publish a minimum.

    ``lists`` maps an item-list version to ``{code: min_ratio or None}``.
    """
    return [
        (code, minimum)
        for code, version in items
        if (minimum := lists.get(version, {}).get(code)) is not None
    ]


def percent(numerator: int, denominator: int = 10_000) -> str:
    """``numerator / denominator`` as a percentage rounded down to two decimals: ``7.13%``."""
    hundredths = Fraction(numerator * 10_000, denominator) // 1
    whole, frac = divmod(int(hundredths), 100)
    text = f"{whole}.{frac:02d}".rstrip("0").rstrip(".")
    return f"{text}%"
