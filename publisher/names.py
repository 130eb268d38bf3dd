"""Names, not codes (issue #17): a region code and a risk class as a reader reads them.

The records and the blobs keep the codes (``419901``, ``A``, the stratum key ``419901|A``): the
verifier's evidence uses them. The pages show the district's name from the published
``org-units`` snapshot and the class's Chinese label, the code kept beside it (a ``title`` or
in parentheses) so a reader can still match the page against the evidence.

The rule (docs/site.md, "Names, not codes"): the org unit whose ``region`` is the code governs
the district (when several do, the one whose parent does not govern it too, then the lowest
unit code). Its district name is the unit's name without the office suffix (人民防空办公室, 人防办,
办公室...) and without the parent unit's own district prefix: 青岚市云台区人民防空办公室 under
青岚市人民防空办公室 is 云台区. A name with no known suffix (or nothing left once it is taken off)
gives the unit's full name and 辖区; a code no unit governs stays the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from markupsafe import Markup

from lottery.core.canonical import canonical_json
from lottery.core.risk_rules import RISK_LABELS
from publisher.render import escape
from publisher.snapshot import Snapshot

# The lookup's district names, beside the target shards (targets/data/, docs/site.md).
REGIONS_FILE = "regions.json"
# Longest first: 人民防空办公室 before 办公室.
OFFICE_SUFFIXES = (
    "人民防空办公室",
    "人民防空办",
    "人民防空局",
    "人防办公室",
    "民防办公室",
    "人防办",
    "人防局",
    "民防局",
    "民防办",
    "办公室",
)


def _stem(name: str) -> str | None:
    """``name`` without its office suffix; ``None`` when it has none or nothing is left."""
    for suffix in OFFICE_SUFFIXES:
        if name.endswith(suffix):  # the longest suffix decides (人民防空办公室 is not 人民防空)
            return name[: -len(suffix)].strip() or None
    return None


def district_name(name: str, parent: str | None = None) -> str:
    """The district a unit named ``name`` governs, under a parent unit named ``parent``.

    >>> district_name("青岚市云台区人民防空办公室", "青岚市人民防空办公室")
    '云台区'
    >>> district_name("云台区人防大队")
    '云台区人防大队辖区'
    """
    name = name.strip()
    stem = _stem(name)
    if stem is None:
        return f"{name}辖区"
    prefix = _stem(parent.strip()) if parent else None
    if prefix and stem.startswith(prefix) and len(stem) > len(prefix):
        stem = stem[len(prefix) :]
    return stem


def region_names(units: Snapshot | None) -> dict[str, str]:
    """Region code -> district name, from an ``org-units`` snapshot (empty when none)."""
    if units is None:
        return {}
    code, name = units.column("code"), units.column("name")
    parent, region = units.column("parent"), units.column("region")
    by_code = {row[code]: row for row in units.rows}
    governors: dict[str, list[tuple[str, ...]]] = {}
    for row in units.rows:
        if row[region] and row[name].strip():
            governors.setdefault(row[region], []).append(row)

    def under_another(row: tuple[str, ...]) -> bool:
        above = by_code.get(row[parent])
        return above is not None and above[region] == row[region]

    out = {}
    for key, rows in governors.items():
        # The top-most governor: its parent does not govern the same region.
        top = min(rows, key=lambda r: (under_another(r), r[code]))
        above = by_code.get(top[parent])
        out[key] = district_name(top[name], above[name] if above else None)
    return out


def risk_label(risk: str, labels: Mapping[str, str] | None = None) -> str:
    """低风险（A类）... for A-D (the words of docs/decisions.md), or the item list's own
    ``labels`` (class -> shown text, :meth:`RiskRules.label_map`); another value as it is."""
    return (labels or RISK_LABELS).get(risk, risk)


@dataclass(frozen=True)
class Places:
    """The district names of one site build."""

    regions: dict[str, str]
    # Risk class -> shown text, from an item list's ``risk_rules.labels`` (empty: standard).
    risks: dict[str, str] = field(default_factory=dict)

    def with_risks(self, risks: Mapping[str, str]) -> Places:
        """The same districts, the classes named by ``risks`` (an item-list version's)."""
        return replace(self, risks=dict(risks))

    def risk(self, code: str) -> str:
        """The class's shown text: ``低风险（A类）``, or the item list's label."""
        return risk_label(code, self.risks)

    def region(self, code: str) -> str:
        """The district's name, else the code."""
        return self.regions.get(code) or code

    def region_with_code(self, code: str) -> str:
        """``云台区（419901）``; the code alone when no unit governs it."""
        name = self.regions.get(code)
        return f"{name}（{code}）" if name else code

    def stratum_text(self, region: str, risk: str) -> str:
        """``云台区 · 低风险（A类）``."""
        return f"{self.region(region)} · {self.risk(risk)}"

    def stratum(self, key: str) -> Markup:
        """A stratum key ``region|risk`` as HTML: the names shown, the key as the title
        (the evidence's spelling, for a reader matching the page against the pool blob)."""
        region, _, risk = key.rpartition("|")
        text = self.stratum_text(region, risk) if region else key
        return (
            Markup('<span class="lottery-stratum" title="分层代码 ')
            + escape(key)
            + Markup('">')
            + escape(text)
            + Markup("</span>")
        )


def regions_json(places: Places) -> bytes:
    """The lookup's district names: ``{"type": "region-names", "v": 1, "regions": {code:
    name}}``, canonical JSON (the lookup shows the region column as ``云台区（419901）``), with
    ``"risks": {class: text}`` when the current item list names the classes its own way."""
    body: dict[str, object] = {"type": "region-names", "v": 1, "regions": places.regions}
    if places.risks:
        body["risks"] = places.risks
    return canonical_json(body)
