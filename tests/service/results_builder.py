"""Shared set-ups of the result tests: a drawn or disclosed task of the small registries, an
entry for one of its picks (the drawn team present, 实地检查, 未发现问题 unless told), and
results held or published in one call. Tests pass what matters to them (dates, categories,
findings...) as keywords; the defaults are a valid entry of a pick."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from lottery.core.outcome import Outcome, decode_outcome
from lottery.service.lifecycle import Lifecycle
from lottery.service.params import TaskParams
from lottery.service.results import Present, ResultEntry, ResultsService
from tests import lifecycle as lc

TASK = "T2026-001"
INSPECTED = date(2026, 3, 20)  # within the task's window, after the draw
T_HELD = datetime(2026, 3, 23, 2, 0, tzinfo=UTC)  # drawn, before the disclosure
REVIEWER = "reviewer-li"


def drawn_task(
    service: Lifecycle, task: str = TASK, *, params: TaskParams | None = None, early: bool = False
) -> Outcome:
    """Create, announce and draw ``task`` (default parameters of the small registries, or
    ``params``; ``early``: disclose_early); returns its sealed outcome."""
    chosen = params or lc.params(lc.small_registries(), task)
    if early:
        chosen = replace(chosen, disclose_early=True)
    service.create_task(chosen, lc.T_ANNOUNCE, actor="planner")
    service.announce(task, lc.T_ANNOUNCE)
    service.draw(task, lc.beacon()[1], lc.T_DRAW)
    return decode_outcome(service.read_sealed_outcome(task, "test", lc.T_DRAW))


def disclosed_task(
    service: Lifecycle, task: str = TASK, *, params: TaskParams | None = None
) -> Outcome:
    """:func:`drawn_task`, then disclosed on time; returns the published outcome."""
    drawn_task(service, task, params=params)
    reveal = service.disclose(task, lc.T_REVEAL)
    with service.session() as s:
        blob = service.log.blobs_by_digest(s, [reveal.body["outcome"]])
    return decode_outcome(blob[reveal.body["outcome"]])


def entry(
    outcome: Outcome,
    i: int = 0,
    *,
    task: str = TASK,
    day: date = INSPECTED,
    categories: Sequence[str] = ("未发现问题",),
    **kw: object,
) -> ResultEntry:
    """A result for pick ``i``: its drawn team present on ``day``, 实地检查, ``categories``;
    any other field of :class:`ResultEntry` as a keyword."""
    team = outcome.teams[i]
    base = ResultEntry(
        task=task,
        target=team.target,
        dates=[day],
        inspectors=[Present(x) for x in team.inspectors],
        methods=["实地检查"],
        categories=list(categories),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def results_of(service: Lifecycle) -> ResultsService:
    """The results service with the secret keeper (entries of a drawn task need it)."""
    return ResultsService(service.engine, service.log, service.keeper)


def hold(
    service: Lifecycle,
    outcome: Outcome,
    count: int | None = None,
    *,
    entries: Sequence[ResultEntry] | None = None,
) -> list[int]:
    """Enter (as a drawn inspector) and approve the results of the first ``count`` picks of a
    drawn task (``entries``: instead of :func:`entry` of each), a minute apart from
    :data:`T_HELD`; each is held. Returns their ids."""
    results = results_of(service)
    chosen = list(entries) if entries is not None else [
        entry(outcome, i) for i in range(len(outcome.teams[:count]))
    ]  # fmt: skip
    ids = []
    for i, one in enumerate(chosen):
        at = T_HELD + timedelta(minutes=i)
        me = next(t.inspectors[0] for t in outcome.teams if t.target == one.target)
        rid = results.enter(one, at, actor=f"insp-{me}", as_inspector=me)
        assert results.approve(rid, at, reviewer=REVIEWER) is None
        ids.append(rid)
    return ids


def publish(
    service: Lifecycle, one: ResultEntry, at: datetime, *, actor: str = "inspector-wang"
) -> str:
    """Enter and approve ``one`` for a disclosed task (published at once); its record id."""
    results = ResultsService(service.engine, service.log)
    record = results.approve(results.enter(one, at, actor=actor), at, reviewer=REVIEWER)
    assert record is not None  # a disclosed task: published at once
    return record.id
