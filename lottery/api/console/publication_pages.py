"""保密审查 (publication.review): the approved results waiting for the publication review
(with the held results of still-sealed tasks not reviewed yet, which the disclosure publishes,
and the rectification orders and re-checks waiting for it: rectification_review_pages.py),
and the review of one: the publication rules that apply, with the general text the reviewer
writes for each generalised field (docs/results.md, "The publication review").

Reviewing calls ``ResultsService.review_publication`` (publishes the result, audited), as the
JSON API does; the person who entered the result may not review it. A held result names a
still-sealed pick (R6): showing it is audited ``outcome.read`` as on the review pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.core.errors import LotteryError
from lottery.core.publication_rules import ACTION_ZH, FIELD_ZH, PublicationRule, treatment
from lottery.service import org_scope
from lottery.service.held_results import audit_sealed_reads
from lottery.service.lifecycle import Lifecycle
from lottery.service.rectification_review import WHAT
from lottery.service.rectifications import RectificationService
from lottery.service.result_entry import same_person
from lottery.service.results import DIFFERENT_REVIEWER, ResultNotFound, ResultsService
from lottery.service.roles import Perm
from lottery.storage.models import InspectionResult

from . import words
from .inspector_views import names_of, target_name
from .render import page
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
BASE = "/console/publication-review"
HELD_NOTE = "结果封存中：抽取结果公开时随之公开"
DONE = {
    "published": "已完成保密审查并公开。",
    "held": f"已完成保密审查。{HELD_NOTE}。",
}


def _results(service: Lifecycle) -> ResultsService:
    return ResultsService(service.engine, service.log, service.keeper)


@router.get("/publication-review")
def queue(
    user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr, done: str = ""
) -> HTMLResponse:
    """Every approved result waiting for the publication review, oldest first, then the held
    results of still-sealed tasks not reviewed yet (audited: they name sealed picks)."""
    require(user, Perm.PUBLICATION_REVIEW)
    results = _results(service)
    rows = org_scope.rows_for(service, user.name, results.reviewing(), lambda r: r.task)
    held = org_scope.rows_for(service, user.name, results.held_unreviewed(), lambda r: r.task)
    audit_sealed_reads(service.engine, held, now, actor=user.name, remote_addr=addr)
    shown = [(r, target_name(service, r.target)) for r in [*rows, *held]]
    rect = RectificationService(service.engine, service.log).reviewing()
    rect = org_scope.rows_for(service, user.name, rect, lambda r: r[0].task)
    return page(
        "publication_review.html",
        user=user,
        active="publication",
        rows=shown,
        rectifications=[(r, kind, WHAT[kind], target_name(service, r.target)) for r, kind in rect],
        held_note=HELD_NOTE,
        done=DONE.get(done, ""),
    )


def _fields(row: InspectionResult, rules: list[PublicationRule]) -> list[dict[str, str]]:
    return decided_fields(row.fields, rules)


def decided_fields(
    originals: Mapping[str, Any], rules: list[PublicationRule]
) -> list[dict[str, str]]:
    """What the review decides, field by field: the rule, its action and reason, the
    original text (from ``originals``), and whether the reviewer writes a general text."""
    out = []
    for name, rule in treatment(rules).items():
        original = str(originals.get(name, ""))
        out.append(
            {
                "name": name,
                "label": FIELD_ZH.get(name, name),
                "rule": rule.id,
                "action": ACTION_ZH[rule.action],
                "reason": rule.reason,
                "original": original,
                "write": "yes" if rule.action == "generalise" and original.strip() else "",
            }
        )
    return out


def _detail(
    user: ConsoleUser,
    service: Lifecycle,
    row: InspectionResult,
    *,
    status: int = 200,
    error: str = "",
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    rules = _results(service).publication_rules(row.id or 0)
    return page(
        "publication_review_one.html",
        user=user,
        active="publication",
        status=status,
        r=row,
        name=target_name(service, row.target),
        people=names_of(service, [p["id"] for p in row.fields.get("inspectors", [])]),
        rules=[{"id": x.id, "words": x.zh(), "reason": x.reason} for x in rules],
        fields=_fields(row, rules),
        own=same_person(user.name, row.entered_by),
        held_note=HELD_NOTE if row.status == "held" else "",
        error=error,
        values=values or {},
    )


def _load(user: ConsoleUser, service: Lifecycle, result_id: str) -> InspectionResult | None:
    if not result_id.isdigit() or len(result_id) > 18:
        return None
    try:
        row = _results(service).get(int(result_id))
    except ResultNotFound:
        return None
    if row.status not in ("reviewing", "held"):
        return None
    org_scope.check_task(service, user.name, row.task)  # a refusal: the console's 403 page
    return row


def _missing(user: ConsoleUser) -> HTMLResponse:
    return page(
        "message.html",
        user=user,
        status=404,
        heading="找不到待保密审查的检查结果",
        message="找不到这条待保密审查的检查结果：地址可能有误，或已由他人审查。",
        back=BASE,
        back_label="返回保密审查",
    )


@router.get("/publication-review/{result_id}", response_model=None)
def review_one(
    result_id: str, user: User, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> Response:
    """One result waiting for the publication review (or held), with the rules and the form
    (a held one: audited)."""
    require(user, Perm.PUBLICATION_REVIEW)
    row = _load(user, service, result_id)
    if row is None:
        return _missing(user)
    audit_sealed_reads(service.engine, [row], now, actor=user.name, remote_addr=addr)
    return _detail(user, service, row)


@router.post("/publication-review/{result_id}", response_model=None)
def review(
    result_id: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    findings: FormText = "",
    follow_up: FormText = "",
    place: FormText = "",
) -> Response:
    """Apply the rules with the general texts and publish (not by the author)."""
    check_csrf(user, csrf)
    require(user, Perm.PUBLICATION_REVIEW)
    row = _load(user, service, result_id)
    if row is None:
        return _missing(user)
    given = {"findings": findings, "follow_up": follow_up, "place": place}
    wanted = {f["name"] for f in _fields(row, _results(service).publication_rules(row.id or 0))
              if f["write"]}  # fmt: skip
    texts = {k: v for k, v in given.items() if k in wanted}
    try:
        record = _results(service).review_publication(
            row.id or 0, texts, now, reviewer=user.name, remote_addr=addr
        )
    except org_scope.OutOfScope:
        raise
    except LotteryError as exc:
        why = (
            "您是这条结果的录入人，须由另一名人员进行保密审查。未作任何更改。"
            if DIFFERENT_REVIEWER in str(exc)
            else words.error_zh(exc)
        )
        return _detail(user, service, row, status=409, error=why, values=texts)
    done = "held" if record is None else "published"
    return RedirectResponse(f"{BASE}?done={done}", status_code=303)
