"""Synthetic but realistic registries for benchmarks, the demo and tests.

Uses Python's ``random`` with a fixed seed: this only makes test data; no draw ever uses it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lottery.core.draw import InspectorRow
from lottery.core.pool import Candidate, Exclusion
from lottery.core.uscc import ALPHABET, check_character
from lottery.registry_io.layouts import (
    ConflictRow,
    HistoryRow,
    OrgUnitRow,
    TargetRow,
)
from lottery.registry_io.layouts import (
    InspectorRow as InspectorEntry,
)

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


# --- the demo city (lottery demo) -------------------------------------------------------------
#
# A fictional prefecture-level city, 青岚市, division codes 4199xx (no such prefecture exists),
# with the civil-air-defense registries an office keeps: org units, targets of every type,
# inspectors at city and county level, declared conflicts and past inspections. Names are made
# up from common words; USCCs have valid check characters; phones and notes are private.

CITY = "青岚市"
COUNTIES = (
    ("419901", "云台区"),
    ("419902", "青溪区"),
    ("419903", "望江区"),
    ("419904", "临湖县"),
    ("419905", "石门县"),
    ("419906", "白沙县"),
)
CITY_UNIT = "RFB-4199"

# target type -> (share of targets, name patterns: {place} {word} filled in)
_TARGET_KINDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "peacetime_use": (
        36,
        (
            "{place}{word}地下停车场管理有限公司",
            "{place}{word}物业服务有限公司",
            "{place}{word}商业管理有限公司",
            "{place}{word}地下商城经营管理有限公司",
        ),
    ),
    "construction": (
        26,
        (
            "{place}{word}置业有限公司",
            "{place}{word}房地产开发有限公司",
            "{place}{word}建设投资有限公司",
            "{place}{word}城市建设发展有限公司",
        ),
    ),
    "alarm_facilities": (9, ("{place}{word}通信工程有限公司", "{place}{word}电子科技有限公司")),
    "protective_equipment": (
        8,
        ("{place}{word}人防设备有限公司", "{place}{word}防护设备制造有限公司"),
    ),
    "design": (7, ("{place}{word}建筑设计研究院有限公司", "{place}{word}工程设计有限公司")),
    "supervision": (7, ("{place}{word}工程监理有限公司", "{place}{word}建设监理咨询有限公司")),
    "testing": (5, ("{place}{word}工程质量检测有限公司", "{place}{word}检测技术有限公司")),
    "drawing_review": (2, ("{place}{word}施工图审查有限公司", "{place}{word}工程咨询有限公司")),
}
_WORDS = tuple(
    "恒信华诚鑫安瑞丰宏达金盾卫华安泰永固中原德润天成汇通广厦新城兴业"
    "盛世博远嘉禾长城国泰万和同创锦程泰和启航聚源明德正大诚远东方立信"
    "三和鼎盛丰泽华宇金鼎润城海川景泰众诚凯达信达宏图远航安居和平福源"[i : i + 2]
    for i in range(0, 96, 2)
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀兰霞平刚桂英华建国志红玉兵浩宇晨阳欣怡子轩思雨"
_SPECIALTIES = ("人防工程", "防护设备", "通信警报", "工程质量", "平时使用管理", "行政执法")
HOUSING = f"{CITY}住房和城乡建设局"
FIRE = f"{CITY}消防救援支队"
"""The departments whose inspectors join the office's joint task (部门联合抽查) in the demo."""


@dataclass
class City:
    """The demo city's registries as import rows (``lottery.registry_io`` types)."""

    org_units: list[OrgUnitRow]
    targets: list[TargetRow]  # the registry as first imported
    targets_later: list[TargetRow]  # a later re-import: some new, some gone, some changed
    inspectors: list[InspectorEntry]
    inspectors_later: list[InspectorEntry]
    conflicts: list[ConflictRow]
    history: list[HistoryRow]  # before the first import
    history_later: list[HistoryRow]  # added with the later import

    @property
    def unit_codes(self) -> list[str]:
        """Every org unit code, the city first."""
        return [u.code for u in self.org_units]


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(_SURNAMES) + "".join(
            rng.choice(_GIVEN) for _ in range(rng.choice((1, 2)))
        )
        if name not in used:
            used.add(name)
            return name


def _targets(rng: random.Random, n: int, seen: set[str], names: set[str]) -> list[TargetRow]:
    kinds = list(_TARGET_KINDS)
    shares = [_TARGET_KINDS[k][0] for k in kinds]
    out = []
    for _ in range(n):
        region, county = rng.choice(COUNTIES)
        kind = rng.choices(kinds, shares)[0]
        place = rng.choice((CITY, CITY + county, county))
        while True:
            pattern = rng.choice(_TARGET_KINDS[kind][1])
            name = pattern.format(place=place, word=rng.choice(_WORDS) + rng.choice(_WORDS))
            if name not in names:
                names.add(name)
                break
        code = make_uscc(rng, region)
        while code in seen:
            code = make_uscc(rng, region)
        seen.add(code)
        risk = rng.choices(RISK_CLASSES, (40, 35, 18, 7))[0]
        level = RISK_CLASSES.index(risk)
        complaints = rng.choices(range(5), (70 - 15 * level, 15, 8, 4, 3))[0]
        bad = rng.choices(range(4), (80 - 20 * level, 10, 6, 4))[0]
        serious = risk == "D" and rng.random() < 0.4
        status = rng.choices(("active", "deregistered", "revoked", "moved_out"), (97, 1, 1, 1))[0]
        phone = f"0375-{rng.randrange(2000000, 9999999)}"
        notes = rng.choice((None, None, None, "内部备注：联系人为安全负责人，检查前电话预约"))
        out.append(
            TargetRow(
                code, name, kind, region, risk, complaints, bad, serious, status, phone, notes
            )
        )
    return out


def make_city(seed: int = 2023) -> City:
    """The demo city: about 3,000 targets, 60 inspectors, conflicts and past inspections."""
    rng = random.Random(seed)  # noqa: S311 - demo data, never a draw
    units = [OrgUnitRow(CITY_UNIT, f"{CITY}人民防空办公室", "city", None, None)]
    units += [
        OrgUnitRow(f"RFB-{r}", f"{CITY}{name}人民防空办公室", "county", CITY_UNIT, r)
        for r, name in COUNTIES
    ]
    seen: set[str] = set()
    names: set[str] = set()
    targets = sorted(_targets(rng, 2900, seen, names), key=lambda t: t.uscc)
    gone = set(rng.sample([t.uscc for t in targets], 40))  # deregistered or moved away since
    later = [t for t in targets if t.uscc not in gone]
    for i in rng.sample(range(len(later)), 60):  # credit re-rated since
        t = later[i]
        later[i] = TargetRow(**{**_fields(t), "risk_class": rng.choice(RISK_CLASSES)})
    later = sorted(later + _targets(rng, 140, seen, names), key=lambda t: t.uscc)

    people: set[str] = set()
    inspectors = []
    for i in range(60):
        unit = units[0] if i < 12 else units[1 + (i - 12) % len(COUNTIES)]
        start = date(2019 + i % 4, 1 + i % 6, 1)  # valid five years, all valid in 2023
        inspectors.append(
            InspectorEntry(
                id=f"RF{i + 1:04d}",
                cert_no=f"4199{start.year}{i + 1:04d}",
                name=_person(rng, people),
                cert_valid_from=start,
                cert_valid_to=date(start.year + 5, start.month, 1) - timedelta(days=1),
                org_unit=unit.code,
                level=unit.level,
                specialties=tuple(rng.sample(_SPECIALTIES, rng.choice((1, 2, 3)))),
                status="active",
                phone=f"139-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}",
            )
        )
    inspectors_later = []
    for i, p in enumerate(inspectors):
        f = _fields(p)
        if i in (17, 29, 41):  # certificate ran out in 2025: suspended until renewed
            f.update(cert_valid_to=date(2025, 6, 30), status="suspended")
        elif i in (23, 47):  # certificate runs out during 2026: active, left out of later draws
            f.update(cert_valid_to=date(2026, 4, 30))
        elif i == 5:
            f.update(status="retired")
        elif p.cert_valid_to < date(2027, 1, 1):  # renewed: a new certificate for five years
            begin = p.cert_valid_to + timedelta(days=1)
            f.update(
                cert_no=f"4199{begin.year}{i + 1:04d}",
                cert_valid_from=begin,
                cert_valid_to=date(begin.year + 5, begin.month, 1) - timedelta(days=1),
            )
        inspectors_later.append(InspectorEntry(**f))
    inspectors_later += _other_departments(units[0])
    ids = [p.id for p in inspectors]
    codes = [t.uscc for t in targets]
    pairs = {(rng.choice(ids), c) for c in rng.sample(codes, 30)}
    conflicts = [
        ConflictRow(i, c, rng.choice(("（内部）亲属在该单位任职", "（内部）曾在该单位工作")))
        for i, c in sorted(pairs)
    ]
    history = [
        HistoryRow(
            c,
            date(2022, rng.randrange(3, 12), rng.randrange(1, 28)),
            "T2022-001",
            tuple(rng.sample(ids, 2)),
        )
        for c in rng.sample(codes, 120)
    ]
    current = [t.uscc for t in later]
    history_later = [
        HistoryRow(
            c,
            date(2025, rng.randrange(3, 12), rng.randrange(1, 28)),
            "T2025-001",
            tuple(rng.sample(ids, 2)),
        )
        for c in rng.sample(current, 150)
    ]
    for c in rng.sample(current, 4):  # checked twice already: the annual cap excludes them
        for day, task in ((3, "Z2026-01"), (4, "Z2026-02")):
            history_later.append(HistoryRow(c, date(2026, 1, day), task, tuple(rng.sample(ids, 2))))
    return City(
        units, targets, later, inspectors, inspectors_later, conflicts, history, history_later
    )


def _other_departments(city: OrgUnitRow) -> list[InspectorEntry]:
    """住建 and 消防 inspectors, in the registry from the 2026 import on, for the joint task
    (their own random stream, so the office's own registries stay as they were)."""
    rng = random.Random(2026)  # noqa: S311 (fictional data, not secrets)
    people: set[str] = set()
    out = []
    for prefix, department, specialty in (("ZJ", HOUSING, "工程质量"), ("XF", FIRE, "行政执法")):
        for k in range(6):
            out.append(
                InspectorEntry(
                    id=f"{prefix}{k + 1:04d}",
                    cert_no=f"4199{prefix}2024{k + 1:04d}",
                    name=_person(rng, people),
                    cert_valid_from=date(2024, 1, 1),
                    cert_valid_to=date(2028, 12, 31),
                    org_unit=city.code,
                    level=city.level,
                    specialties=(specialty,),
                    status="active",
                    phone=f"138-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}",
                    department=department,
                )
            )
    return out


def _fields(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}
