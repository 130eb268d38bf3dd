"""交叉检查: the rules a task may name for who may inspect what (docs/spec.md section 4).

An upper-level task draws inspectors from the units below it (抽调). Under the cross-check
rule it names in its announcement (``cross_check``), two things follow, both re-derivable by
anyone from the registry snapshots the announcement names:

- ``own_district`` (不得检查本辖区): an inspector never inspects a target in the region that
  the inspector's own org unit governs (the ``region`` of the unit's row in the ``org-units``
  snapshot; a unit without a region, such as the city office, governs none). Each such
  ``[target, inspector]`` pair is one of the team-input blob's ``conflicts``, which the team
  assignment already honours and the verifier already replays;
- ``specialty`` (专业对口): when cited items ask for a specialty (an item's ``specialty``), an
  inspector is eligible only with every one of them among their ``specialties``.

Pure functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SPECIALTY_SEPARATOR = "、"
"""How the ``inspectors`` snapshot joins an inspector's specialties (docs/export.md)."""


@dataclass(frozen=True)
class CrossCheck:
    """The cross-check rule a task names; both off (the default) means no rule."""

    own_district: bool = False
    specialty: bool = False

    @property
    def on(self) -> bool:
        """Whether the task names any rule (then the announcement carries ``cross_check``)."""
        return self.own_district or self.specialty

    def to_dict(self) -> dict[str, bool]:
        """The announcement's ``cross_check`` member (both flags, always)."""
        return {"own_district": self.own_district, "specialty": self.specialty}

    @classmethod
    def from_announcement(cls, body: Mapping[str, Any]) -> CrossCheck:
        """The rule an announcement names (none when it has no ``cross_check``)."""
        rule = body.get("cross_check") or {}
        return cls(bool(rule.get("own_district")), bool(rule.get("specialty")))


def own_district_pairs(
    targets: Iterable[tuple[str, str]],
    inspectors: Iterable[tuple[str, str]],
    unit_regions: Mapping[str, str],
) -> list[tuple[str, str]]:
    """The ``(target, inspector)`` pairs the own-district rule forbids, sorted.

    Args:
        targets: ``(id, region)`` of the pool's targets.
        inspectors: ``(id, org unit)`` of the pool's inspectors.
        unit_regions: each org unit's region (``""`` or absent: the unit governs none).
    """
    by_region: dict[str, list[str]] = {}
    for ident, unit in inspectors:
        region = unit_regions.get(unit, "")
        if region:
            by_region.setdefault(region, []).append(ident)
    return sorted(
        (target, inspector) for target, region in targets for inspector in by_region.get(region, ())
    )


def required_specialties(
    items: Iterable[tuple[str, int]], specialties: Mapping[int, Mapping[str, str | None]]
) -> frozenset[str]:
    """The specialties the cited items ``(code, version)`` ask for.

    ``specialties`` maps an item-list version to ``{code: specialty or None}``.
    """
    return frozenset(
        wanted
        for code, version in items
        if (wanted := specialties.get(version, {}).get(code)) is not None
    )


def has_specialties(held: Iterable[str], required: frozenset[str]) -> bool:
    """Whether an inspector holding ``held`` has every ``required`` specialty."""
    return required <= frozenset(held)


def split_specialties(joined: str) -> list[str]:
    """An inspector's specialties as the snapshot joins them (``""``: none)."""
    return [s for s in joined.split(SPECIALTY_SEPARATOR) if s]
