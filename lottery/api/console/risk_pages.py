"""风险规则 (the item list's risk rules, issue #16): shown in plain Chinese, edited in a form.

Reading needs ``registry.read``; publishing ``registry.write``. The form has one rule per
condition (投诉举报次数, 不良记录次数, 严重违法违规记录), the classes the annual cap does not apply
to, whether tasks citing a key item are capped, and the office's own name for each class
(optional; blank: the standard 低风险（A类）...). Publishing is
:func:`registries.set_risk_rules`: a new item-list version with the same items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.digits import ascii_int
from lottery.core.errors import LotteryError
from lottery.core.risk_rules import (
    CONDITIONS,
    LABEL_MAX,
    RISK_LABELS,
    RISK_ORDER,
    RaiseRule,
    RiskRules,
    label_problem,
)
from lottery.service import registries
from lottery.service.lifecycle import Lifecycle
from lottery.service.risk_policy import current_rules, current_version
from lottery.service.roles import Perm

from . import words
from .render import page
from .session import ConsoleUser, User, check_csrf, require

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]


@dataclass
class RiskForm:
    """The form's values (text as typed) and its errors by field name."""

    at_least: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CONDITIONS, ""))
    to: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CONDITIONS, ""))
    uncapped: list[str] = field(default_factory=list)
    key_items_uncapped: bool = False
    labels: dict[str, str] = field(default_factory=lambda: dict.fromkeys(RISK_ORDER, ""))
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: RiskRules) -> RiskForm:
        form = cls(uncapped=list(rules.uncapped), key_items_uncapped=rules.key_items_uncapped)
        form.labels.update(dict(rules.labels))
        for rule in rules.raise_rules:  # the form holds one rule per condition: the first
            if not form.to[rule.when]:
                form.at_least[rule.when], form.to[rule.when] = str(rule.at_least), rule.to
        return form

    def rules(self) -> RiskRules | None:
        """The rules, or None with ``errors`` filled in."""
        found: list[RaiseRule] = []
        for when, name in CONDITIONS.items():
            to, count = self.to[when], self.at_least[when].strip()
            if when == "serious_violation":
                count = "1"
            if not to:
                continue
            if to not in RISK_ORDER:
                self.errors[f"to_{when}"] = f"{name}：请选择风险等级"
            elif not 1 <= (ascii_int(count, 7) or 0) <= 1_000_000:
                self.errors[f"at_least_{when}"] = f"{name}：次数须为 1 到 1000000 的整数"
            else:
                found.append(RaiseRule(when, int(count), to))
        bad = [c for c in self.uncapped if c not in RISK_ORDER]
        if bad:
            self.errors["uncapped"] = "请只选择列出的风险等级"
        labels: dict[str, str] = {}
        for code in RISK_ORDER:
            text = self.labels.get(code, "").strip()
            if not text:
                continue
            problem = label_problem(text, zh=True)
            if problem is not None:
                self.errors[f"label_{code}"] = f"{RISK_LABELS[code]}的名称{problem}"
            elif text in labels.values():
                self.errors[f"label_{code}"] = f"名称“{text}”已用于另一个风险等级"
            else:
                labels[code] = text
        if self.errors:
            return None
        return RiskRules(
            tuple(found),
            tuple(dict.fromkeys(self.uncapped)),
            self.key_items_uncapped,
            tuple(labels.items()),
        )


def _page(
    user: ConsoleUser, service: Lifecycle, form: RiskForm | None, status: int = 200
) -> HTMLResponse:
    with service.session() as session:
        rules, version = current_rules(session), current_version(session)
    return page(
        "risk_rules.html",
        user=user,
        active="items",
        status=status,
        version=version,
        words_zh=rules.zh_lines(),
        form=form or RiskForm.of(rules),
        can_write=user.can(Perm.REGISTRY_WRITE),
        conditions=CONDITIONS,
        classes=[(c, rules.label(c)) for c in RISK_ORDER],
        standard=RISK_LABELS,
        label_max=LABEL_MAX,
    )


@router.get("/items/risk-rules")
def risk_rules_page(user: User, service: ServiceDep) -> HTMLResponse:
    """The rules in force, and the form to change them."""
    require(user, Perm.REGISTRY_READ)
    return _page(user, service, None)


@router.post("/items/risk-rules", response_model=None)
def risk_rules_submit(
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
    csrf: FormText = "",
    at_least_complaints: FormText = "",
    to_complaints: FormText = "",
    at_least_bad_records: FormText = "",
    to_bad_records: FormText = "",
    to_serious_violation: FormText = "",
    uncapped: FormList = [],  # noqa: B006 - FastAPI copies form defaults
    key_items_uncapped: FormText = "",
    label_A: FormText = "",
    label_B: FormText = "",
    label_C: FormText = "",
    label_D: FormText = "",
) -> Response:
    """Publish a new item-list version with the rules of the form."""
    check_csrf(user, csrf)
    require(user, Perm.REGISTRY_WRITE)
    form = RiskForm(
        at_least={
            "complaints": at_least_complaints,
            "bad_records": at_least_bad_records,
            "serious_violation": "1",
        },
        to={
            "complaints": to_complaints,
            "bad_records": to_bad_records,
            "serious_violation": to_serious_violation,
        },
        uncapped=list(uncapped),
        key_items_uncapped=key_items_uncapped == "1",
        labels={"A": label_A, "B": label_B, "C": label_C, "D": label_D},
    )
    rules = form.rules()
    if rules is None:
        return _page(user, service, form, status=422)
    try:
        record = registries.set_risk_rules(
            service, rules, actor=user.name, now=now, remote_addr=addr
        )
    except LotteryError as exc:
        form.errors["form"] = words.error_zh(exc)
        return _page(user, service, form, status=422)
    return RedirectResponse(f"/console/items?published={record.body['version']}", status_code=303)
