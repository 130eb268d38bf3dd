"""交叉检查 and the items' minimum ratio: the pure rules (docs/spec.md section 4)."""

from __future__ import annotations

import pytest

from lottery.core import min_ratio
from lottery.core.cross_check import (
    CrossCheck,
    has_specialties,
    own_district_pairs,
    required_specialties,
    split_specialties,
)
from lottery.core.errors import EncodingError
from lottery.core.records import validate_body
from lottery.registry_io import cells as c


def test_an_inspector_is_paired_with_the_targets_of_their_own_units_region_only() -> None:
    regions = {"county-1": "419901", "county-2": "419902", "city": ""}
    pairs = own_district_pairs(
        [("T2", "419902"), ("T1", "419901"), ("T3", "419903")],
        [("I1", "county-1"), ("I2", "county-2"), ("I3", "city"), ("I4", "unknown")],
        regions,
    )
    # City (no region), an unknown unit and a region nobody governs make no pair.
    assert pairs == [("T1", "I1"), ("T2", "I2")]


def test_specialties_every_one_the_items_ask_for() -> None:
    lists = {1: {"RF-01": "工程", "RF-02": None}, 2: {"RF-01": "通信"}}
    assert required_specialties([("RF-02", 1)], lists) == frozenset()
    assert required_specialties([("RF-01", 1), ("RF-01", 2)], lists) == {"工程", "通信"}
    assert required_specialties([("RF-09", 1), ("RF-01", 7)], lists) == frozenset()
    assert has_specialties(["工程", "通信", "化学"], frozenset({"工程", "通信"}))
    assert not has_specialties(["工程"], frozenset({"工程", "通信"}))
    assert has_specialties([], frozenset())
    assert split_specialties("工程、通信") == ["工程", "通信"]
    assert split_specialties("") == []


def test_the_rule_in_the_announcement() -> None:
    assert not CrossCheck().on
    rule = CrossCheck(own_district=True)
    assert rule.on and rule.to_dict() == {"own_district": True, "specialty": False}
    assert CrossCheck.from_announcement({"cross_check": rule.to_dict()}) == rule
    assert CrossCheck.from_announcement({}) == CrossCheck()


def _announcement(**extra: object) -> dict[str, object]:
    return {
        "type": "task-announcement",
        "v": 1,
        "log": "x/y",
        "time": "2026-03-01T02:00:00Z",
        "task": "T1",
        "title": "t",
        "items": [],
        "org_units": ["city"],
        "window": {"start": "2026-03-10", "end": "2026-03-31"},
        "ratios": {"A": 500},
        "team_size": 2,
        "cap": 1,
        "pool": {"sha256": "0" * 64, "candidates": 1, "strata": 1, "picks": 1},
        "inspector_pool": {"sha256": "0" * 64, "inspectors": 2},
        "exclusions": {"sha256": "0" * 64, "count": 0},
        "algorithm": "lottery-v1",
        "beacon": {},
        "commit": "0" * 64,
        "disclosure": "2026-04-01T00:00:00Z",
        **extra,
    }


def test_the_announcement_member_is_optional_and_strict() -> None:
    validate_body(_announcement())
    validate_body(_announcement(cross_check={"own_district": True, "specialty": False}))
    with pytest.raises(EncodingError):
        validate_body(_announcement(cross_check={"own_district": True}))
    with pytest.raises(EncodingError):
        validate_body(_announcement(cross_check={"own_district": 1, "specialty": False}))


MINIMUMS = [("RF-01", 300), ("RF-02", 500), ("RF-03", 400)]


@pytest.mark.parametrize(
    ("picks", "candidates", "minimums", "expected"),
    [
        (5, 100, MINIMUMS, None),  # 5% keeps 3%, 5% and 4%
        (4, 100, MINIMUMS, ("RF-02", 500)),  # the first item it falls short of, in order
        (2, 100, MINIMUMS, ("RF-01", 300)),
        (1, 100, [], None),  # no item with a minimum
        (1, 3, [("RF-01", 3333)], None),  # 10000 >= 9999
        (1, 3, [("RF-01", 3334)], ("RF-01", 3334)),  # 10000 < 10002
    ],
)
def test_the_first_item_whose_minimum_the_share_is_below(
    picks: int,
    candidates: int,
    minimums: list[tuple[str, int]],
    expected: tuple[str, int] | None,
) -> None:
    assert min_ratio.shortfall(picks, candidates, minimums) == expected


def test_cited_minimums_and_percentages() -> None:
    lists = {1: {"RF-01": 500, "RF-02": None}}
    assert min_ratio.cited_minimums([("RF-02", 1), ("RF-01", 1), ("RF-01", 2)], lists) == [
        ("RF-01", 500)
    ]
    assert min_ratio.percent(500) == "5%"
    assert min_ratio.percent(250) == "2.5%"
    assert min_ratio.percent(78, 1093) == "7.13%"  # 7.1363...%, rounded down
    assert min_ratio.percent(1, 3) == "33.33%"


@pytest.mark.parametrize(
    ("text", "bp"),
    [("5%", 500), ("5％", 500), ("不低于5%", 500), ("不少于 2.5%", 250), ("≥10%", 1000)],
)
def test_an_items_ratio_may_say_it_is_a_minimum(text: str, bp: int) -> None:
    assert c.ratio(text) == bp


@pytest.mark.parametrize("text", ["按年度计划确定", "5%-10%", "不高于5%", "不低于"])
def test_a_ratio_that_is_not_a_plain_percentage_is_refused(text: str) -> None:
    with pytest.raises(c.CellError):
        c.ratio(text)


def test_an_items_specialty_is_one_specialty() -> None:
    assert c.specialty(" 工程 ") == "工程"
    with pytest.raises(c.CellError, match="只能填写一个专业"):
        c.specialty("工程、通信")
