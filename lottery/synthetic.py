"""Synthetic but realistic registries for benchmarks, the demo and tests.

Uses Python's ``random`` with a fixed seed: this only makes test data; no draw ever uses it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lottery.core.draw import InspectorRow
from lottery.core.pool import Candidate, Exclusion
from lottery.core.uscc import ALPHABET, check_character

RISK_CLASSES = ("A", "B", "C", "D")
# Ratios in basis points per risk class: higher risk, more checks (R4).
DEFAULT_RATIOS = {"A": 300, "B": 500, "C": 1000, "D": 2000}


def regions(count: int) -> list[str]:
    """Six-digit administrative division codes under a fictional prefecture 4199xx."""
    return [f"4199{i + 1:02d}" for i in range(count)]


def make_uscc(rng: random.Random, region: str) -> str:
    """A code with a valid check character: authority 9 (market regulator), type 1 (company)."""
    body = "91" + region + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


@dataclass
class Registries:
    """Targets, inspectors and the relations the draw needs."""

    candidates: list[Candidate]
    inspectors: list[InspectorRow]
    conflicts: list[tuple[str, str]]
    previous: list[tuple[str, str]]
    exclusions: list[Exclusion]
    org_units: list[str]


def make_registries(
    n_targets: int, n_inspectors: int, n_regions: int = 10, seed: int = 1
) -> Registries:
    """Targets spread over regions and risk classes, inspectors at two levels.

    About 0.5% of targets have a declared conflict with one inspector, 2% were inspected
    before (their last inspectors may not go again), 0.1% hit the annual cap, and 3% of
    inspectors have an expired certificate.
    """
    rng = random.Random(seed)  # noqa: S311 - test data, never a draw
    regs = regions(n_regions)
    weights = (50, 30, 15, 5)
    seen: set[str] = set()
    candidates: list[Candidate] = []
    for _ in range(n_targets):
        region = rng.choice(regs)
        code = make_uscc(rng, region)
        while code in seen:
            code = make_uscc(rng, region)
        seen.add(code)
        candidates.append(Candidate(code, region, rng.choices(RISK_CLASSES, weights)[0]))
    units = ["city", *[f"county-{r}" for r in regs]]
    inspectors = []
    for i in range(n_inspectors):
        unit = "city" if i % 5 == 0 else f"county-{regs[i % len(regs)]}"
        expired = rng.random() < 0.03
        inspectors.append(
            InspectorRow(
                id=f"ZF{i:06d}",
                org_unit=unit,
                cert_valid_from="2020-01-01",
                cert_valid_to="2025-12-31" if expired else "2029-12-31",
            )
        )
    # In id order, as the service reads a registry (ORDER BY the primary key); rebuilt in
    # that order so that objects lie in memory in list order, as freshly read rows do.
    candidates = [
        Candidate(i.encode().decode(), r, k)
        for i, r, k in sorted((c.id, c.region, c.risk) for c in candidates)
    ]
    ids = [c.id for c in candidates]
    conflicts = [(t, rng.choice(inspectors).id) for t in rng.sample(ids, n_targets // 200)]
    previous = [(t, rng.choice(inspectors).id) for t in rng.sample(ids, n_targets // 50)]
    exclusions = [Exclusion(t, "annual-cap") for t in rng.sample(ids, n_targets // 1000)]
    return Registries(candidates, inspectors, conflicts, previous, exclusions, units)
