"""A page per target (issue #17): everything the site publishes about one company, in one place.

``targets/<USCC>/`` exists for every target that a *published* record names: a pick of an
outcome the public can read (a disclosed task, or a task cancelled after its draw, whose
outcome is published with the cancellation), an inspection result, a penalty in force, a
rectification order or re-check. It lists the tasks that drew the target (never a task whose
outcome is still sealed: its picks are not public), its results (a correction replaces the
result it corrects, as on the results page; a withdrawn result keeps only its public fields),
its rectifications and re-checks and its penalties in force. A withdrawn penalty is not on the
page: its target is part of its sealed content (docs/spec.md §2.1), gone with the withdrawal.

A target of the registry that no published record names has no page; the lookup says so
(``assets/lottery/lookup.js`` links a hit to its page only when :data:`PAGES_FILE` lists it).
The page's title is the company's full name; the page has **one** search entry (title = the
name; text = name, USCC, district and its results), boosted, so Material's search ranks it
first for that name (docs/site.md, "A page per target"). The pages are HTML written into the
theme's shell after ``mkdocs build`` (:mod:`publisher.target_shell`), not Markdown pages:
through MkDocs they were 96% of a large site's pages and most of its build time
(docs/decisions.md, "Company pages outside MkDocs").
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pymdownx.slugs import slugify

from lottery.core.canonical import canonical_json
from lottery.core.records import Record
from publisher.collector import paused
from publisher.model import SiteModel, TaskView
from publisher.names import Places
from publisher.objection_rows import OBJECTION_HEADERS, objection_rows, objection_status
from publisher.pages import STATUS, has_page, link, log_link
from publisher.render import code, escape, plain, render, url_part
from publisher.result_pages import (
    _GROUNDS,
    RECTIFICATION_HEADERS,
    _opened,
    _rows_with_payloads,
    deadline_text,
    rectification_rows,
)
from publisher.snapshot import FIELD_NAMES

# The list of targets with a page, for the lookup (under the site's targets/data/).
PAGES_FILE = "pages.json"
# Material's search: a document boost multiplies the page's score, so a company's own page
# (its name is the title, boosted 1,000 by the theme) comes before the task and result pages
# that name it in their text.
SEARCH_BOOST = 10
# From a page at targets/<USCC>/ to the site root.
ROOT = "../../"
# The page's sections (h2), in order: their text is their id, as Markdown's toc made them.
SECTIONS = ("名录信息", "抽中该对象的抽查任务", "检查结果", "整改和复查", "行政处罚", "异议")
# The h1's id as mkdocs.yml's toc extension makes it from the heading's text.
_SLUG = slugify(case="lower")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class TargetPage:
    """One company's page: its name (plain text: the title), the article's HTML (escaped
    throughout) and the text of its one search entry (plain: name, USCC, district, results)."""

    name: str
    anchor: str
    body: str
    search_text: str


@dataclass
class Draw:
    """One public pick of the target: the task, its stratum, ticket prefix and team."""

    view: TaskView
    stratum: str
    ticket: str
    team: list[str]


@dataclass
class TargetFacts:
    """The published records that name one target."""

    draws: list[Draw] = field(default_factory=list)
    results: list[Record] = field(default_factory=list)
    penalties: list[Record] = field(default_factory=list)  # in force, opened
    rectifications: set[str] = field(default_factory=set)  # the tasks that have some
    objections: set[str] = field(default_factory=set)  # the tasks with an objection outcome


def _draws(model: SiteModel, facts: Callable[[Any], TargetFacts | None]) -> None:
    """The public picks: of disclosed tasks and of tasks cancelled after their draw. A drawn
    task's outcome is sealed (the verification has none until the reveal or a cancellation
    publishes it); the status check makes that explicit."""
    people = model.inspector_names()
    for view in sorted(model.tasks.values(), key=lambda v: v.task):
        outcome = view.verification.outcome if view.verification else None
        if outcome is None or view.status not in ("disclosed", "cancelled"):
            continue
        teams = {t.target: t.inspectors for t in outcome.teams}
        opened = view.verification.openings if view.verification else {}
        for key, picks in outcome.strata:
            for p in picks:
                # A committed pick's page is its opened USCC's (spec §4 "Committed pools").
                entry = facts(opened[p.target].uscc if p.target in opened else p.target)
                if entry is None:
                    continue
                team = [f"{i} {people[i]}" if i in people else i for i in teams.get(p.target, ())]
                entry.draws.append(Draw(view, key, p.ticket.hex()[:16] + "…", team))


def _facts_of(out: dict[str, TargetFacts]) -> Callable[[Any], TargetFacts | None]:
    """The facts of a key from a record (made in ``out`` on first use); None for a key that
    cannot name a page (:func:`publisher.pages.has_page`)."""
    refused: set[str] = set()

    def facts(target: Any) -> TargetFacts | None:
        # Called once per pick and per record (about 100,000 times at the size):
        # a key seen before is one look-up, a new one is checked once.
        if not isinstance(target, str):
            return None  # never a page
        entry = out.get(target)
        if entry is None and target not in refused:
            if has_page(target):
                entry = out[target] = TargetFacts()
            else:
                refused.add(target)
        return entry

    return facts


def collect(model: SiteModel) -> dict[str, TargetFacts]:
    """Every target a published record names, with those records (sealed picks never)."""
    out: dict[str, TargetFacts] = {}
    facts = _facts_of(out)

    _draws(model, facts)
    for task in sorted(model.results):
        for record in model.results[task]:
            entry = facts(record.body["target"])
            if entry is not None:
                entry.results.append(record)
    for task in sorted(model.rectifications):
        for record in model.rectifications[task]:
            entry = facts(record.body["target"])
            if entry is not None:
                entry.rectifications.add(task)
    for task in sorted(model.objections):
        for record in model.objections[task]:
            entry = facts(record.body["target"])
            if entry is not None:
                entry.objections.add(task)
    for record in model.penalties:
        if record.id in model.withdrawals:
            continue  # its target went with its sealed content
        content = _opened(model, record)
        entry = facts(content.body.get("target"))
        if entry is not None:
            entry.penalties.append(content)
    return out


def pages_json(targets: dict[str, TargetFacts]) -> bytes:
    """The lookup's list of targets with a page: ``{"type": "target-pages", "v": 1,
    "targets": [USCC, ...]}``, sorted, canonical JSON."""
    return canonical_json({"type": "target-pages", "v": 1, "targets": sorted(targets)})


def _registry_rows(model: SiteModel) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    latest = model.latest_snapshot("targets")
    if latest is None:
        return (), {}
    snap = latest[1]
    return snap.fields, {row[0]: row for row in snap.rows}


def _draw_rows(model: SiteModel, draws: list[Draw]) -> list[list[Any]]:
    return [
        [
            link(d.view.task, f"{ROOT}tasks/{url_part(d.view.task)}/"),
            d.view.announcement["title"],
            STATUS.get(d.view.status, d.view.status)
            + ("（抽取结果随取消一并公开，未实施检查）" if d.view.status == "cancelled" else ""),
            model.task_places(d.view.announcement).stratum(d.stratum),
            code(d.ticket),
            "、".join(d.team),
        ]
        for d in draws
    ]


def _results(model: SiteModel, records: list[Record]) -> dict[str, Any] | None:
    """The target's results: a corrected one replaced by its correction, a withdrawn one
    with its public fields and the withdrawal (its sealed content is gone)."""
    superseded = {r.body.get("supersedes") for r in records} - {None}
    current = [r for r in records if r.id not in superseded]
    if not current:
        return None
    lead = []
    for r in current:
        gone = model.report.sealed.withdrawal_of(r)
        if gone is not None:
            ground = _GROUNDS.get(gone.ground, gone.ground)
            state = f"内容已于 {gone.date} 撤回公示（{ground}：{gone.reason}）"
        elif r.body.get("supersedes"):
            state = "更正后的结果"
        else:
            state = "有效"
        said = objection_status(model, r)
        if said:
            state = f"{state}；{said}"
        task = r.body["task"]
        lead.append([link(task, f"{ROOT}results/{url_part(task)}/"), state])
    table = _rows_with_payloads(
        model,
        [_opened(model, r) for r in current],
        ["抽查任务", "状态"],
        lead,
        {"task", "target", "target_name"},
        ROOT,
    )
    table["corrected"] = [log_link(model, r, ROOT) for r in records if r.id in superseded]
    return table


def _penalties(model: SiteModel, records: list[Record]) -> dict[str, Any] | None:
    if not records:
        return None
    lead = [[r.body["decision"], *deadline_text(r.body)] for r in records]
    shown = {"decision", "target", "entity", "deadline"}
    return _rows_with_payloads(
        model, records, ["决定书文号", "公开时限", "公开情况"], lead, shown, ROOT
    )


def _registry_value(places: Places, column: str, value: str) -> str:
    """A registry cell as a reader reads it: the district's name with its code, the risk
    class's label (the code inside it); any other field as it is."""
    if column == "region":
        return places.region_with_code(value)
    if column == "risk_class":
        return places.risk(value)
    return value


def _name(model: SiteModel, target: str, facts: TargetFacts) -> str:
    """The name from the latest snapshot, else as a result or a penalty names it."""
    names = model.target_names()
    if names.get(target):
        return names[target]
    opened = model.opened_names()
    if opened.get(target):
        return opened[target]
    for r in facts.results:
        if r.body.get("target_name"):
            return str(r.body["target_name"])
    for r in facts.penalties:
        if r.body.get("entity"):
            return str(r.body["entity"])
    return target


def _cell_text(cell: Any) -> str:
    """A table cell (escaped HTML, or a value) as the plain text a reader sees."""
    return html.unescape(_TAG.sub(" ", str(escape(cell))))


def _search_text(name: str, target: str, district: str, results: dict[str, Any] | None) -> str:
    """What a citizen would search a company by: its name, USCC and district, and its
    results' public fields (task, state, findings; not the time and log index columns)."""
    parts = [name, target, district]
    if results is not None:
        parts += [_cell_text(c) for row in results["rows"] for c in row[:-2]]
    return plain(" ".join(p for p in parts if p))


@paused()  # many objects, freed by reference counting (publisher/collector.py)
def target_pages(model: SiteModel, targets: dict[str, TargetFacts]) -> dict[str, TargetPage]:
    """One page per target of ``targets`` (from :func:`collect`), by USCC."""
    fields, rows = _registry_rows(model)
    region = fields.index("region") if "region" in fields else None
    places = model.places()
    opened = model.opened_targets()
    out = {}
    for target, facts in targets.items():
        row = rows.get(target)
        if row is None and target in opened:
            # An opened pick's row is under its commitment id, without a name (spec §4).
            committed = rows.get(opened[target].id)
            row = (target, opened[target].name, *committed[2:]) if committed else None
        registry = (
            [
                [FIELD_NAMES.get(f, f), _registry_value(places, f, v)]
                for f, v in zip(fields, row, strict=True)
            ][1:]
            if row
            else None
        )
        rectifications = [
            # The USCC and the name are the page's own; the task leads instead.
            [link(task, f"{ROOT}results/{url_part(task)}/"), *row[2:]]
            for task in sorted(facts.rectifications)
            for row in rectification_rows(model, task, {}, target)
        ]
        objections = [
            [link(task, f"{ROOT}results/{url_part(task)}/"), *row[2:]]
            for task in sorted(facts.objections)
            for row in objection_rows(model, task, {}, target)
        ]
        result_tasks = sorted({r.body["task"] for r in facts.results})
        name = plain(_name(model, target, facts))
        results = _results(model, facts.results)
        district = places.region(row[region]) if row and region is not None else ""
        anchor = _SLUG(name, "-") or "name"
        body = render(
            "target.html",
            root=ROOT,
            sections=SECTIONS,
            anchor=anchor,
            target=target,
            name=name,
            registry=registry,
            draws=_draw_rows(model, facts.draws),
            results=results,
            result_tasks=result_tasks,
            rectifications=rectifications,
            rectification_headers=["抽查任务", *RECTIFICATION_HEADERS[2:]],
            penalties=_penalties(model, facts.penalties),
            objections=objections,
            objection_headers=["抽查任务", *OBJECTION_HEADERS[2:]],
        )
        out[target] = TargetPage(name, anchor, body, _search_text(name, target, district, results))
    return out
