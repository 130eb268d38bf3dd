"""Visits and the annual cap, from the words of docs/spec.md section 8 ("Visits and the annual
cap"): results sharing a date are one visit; a result of several days is one visit; a visit
counts in every year one of its dates falls in; exempt visits do not count."""

from __future__ import annotations

from lottery.core.visits import Dated, counted, joint_tasks, over_cap, visits


def _sizes(results: list[Dated], year: int) -> list[int]:
    return sorted(len(v) for v in visits(results, year))


def test_results_sharing_a_date_are_one_visit_and_a_chain_joins_them_all() -> None:
    a = Dated("T1", ("2026-03-12",))
    b = Dated("T2", ("2026-03-12",))  # joint with a
    c = Dated("T3", ("2026-05-01", "2026-05-02"))  # two days, one visit
    d = Dated("T4", ("2026-05-02", "2026-05-03"))  # shares 05-02 with c
    e = Dated("T5", ("2026-05-03",))  # shares 05-03 with d, not with c: still one visit
    f = Dated(None, ("2026-01-15",))  # an imported inspection
    assert _sizes([a, b, c, d, e, f], 2026) == [1, 2, 3]
    # The order the results come in does not matter.
    assert _sizes([e, c, f, a, d, b], 2026) == [1, 2, 3]


def test_a_visit_counts_in_every_year_one_of_its_dates_falls_in() -> None:
    new_year = Dated("T1", ("2025-12-31", "2026-01-01"))
    assert len(visits([new_year], 2025)) == 1
    assert len(visits([new_year], 2026)) == 1
    assert visits([new_year], 2027) == []


def test_joint_with_names_the_other_tasks_of_a_shared_day_sorted_once() -> None:
    others = [
        Dated("T9", ("2026-03-12",)),
        Dated("T2", ("2026-03-11", "2026-03-12")),
        Dated("T2", ("2026-03-12",)),
        Dated("T3", ("2026-03-13",)),  # another day
        Dated("T1", ("2026-03-12",)),  # the result's own task
        Dated(None, ("2026-03-12",)),  # imported: no task to name
    ]
    assert joint_tasks(["2026-03-12"], "T1", others) == ["T2", "T9"]
    assert joint_tasks(["2026-03-14"], "T1", others) == []


def test_the_cap_is_two_visits_a_year_and_an_exempt_visit_does_not_count() -> None:
    two = [Dated("T1", ("2026-03-12",)), Dated("T2", ("2026-04-12",))]
    joint = [*two, Dated("T3", ("2026-04-12",))]  # the third result joins the second visit
    third = [*two, Dated("T3", ("2026-05-12",))]
    excused = [*two, Dated("T3", ("2026-05-12",), exempt=True)]
    other_year = [*two, Dated("T3", ("2027-01-05",))]
    assert over_cap(two) == []
    assert over_cap(joint) == []
    assert over_cap(third) == [(2026, 3)]
    assert over_cap(excused) == []
    assert over_cap(other_year) == []
    # An exempt result makes its whole visit exempt, a joint one included.
    assert over_cap([*third, Dated("T4", ("2026-05-12",), exempt=True)]) == []


def test_counted_visits_leave_out_the_exempt_ones() -> None:
    results = [
        Dated("T1", ("2026-03-12",)),
        Dated("T2", ("2026-03-12",), exempt=True),  # joint with T1: that visit is exempt
        Dated("T3", ("2026-04-01",)),
        Dated(None, ("2026-01-15",)),
    ]
    assert len(visits(results, 2026)) == 3
    assert counted(results, 2026) == 2
