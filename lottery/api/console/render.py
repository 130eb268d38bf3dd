"""Rendering the console's pages: one Jinja2 environment, autoescaped, and the navigation.

Every string from a record or a user reaches a page through ``{{ … }}`` and is escaped;
templates never mark data safe. The navigation shows only what the user's roles may do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from lottery.api.errors import status_of
from lottery.core.canonical import parse_time
from lottery.core.errors import LotteryError
from lottery.service import registry_browse
from lottery.service.item_list import ITEM_FIELDS_ZH
from lottery.service.roles import Perm

from . import words
from .session import ConsoleUser


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation: shown to users holding ``perm`` or ``alt`` (None:
    everyone)."""

    key: str
    label: str
    href: str
    perm: Perm | None
    alt: Perm | None = None

    def shown_to(self, user: ConsoleUser) -> bool:
        """Whether ``user`` may use this entry."""
        if self.perm is None:
            return True
        return user.can(self.perm) or (self.alt is not None and user.can(self.alt))


NAV = (
    NavItem("dashboard", "工作台", "/console/", Perm.TASK_READ),
    NavItem("tasks", "抽查任务", "/console/tasks", Perm.TASK_READ),
    NavItem("sealed", "封存结果", "/console/sealed", Perm.OUTCOME_READ),
    NavItem("my", "我的检查任务", "/console/my", Perm.RESULT_ENTER),
    NavItem("review", "结果审核", "/console/review", Perm.RESULT_REVIEW),
    NavItem("publication", "保密审查", "/console/publication-review", Perm.PUBLICATION_REVIEW),
    NavItem("registries", "名录管理", "/console/registries", Perm.REGISTRY_READ),
    NavItem("items", "抽查事项清单", "/console/items", Perm.REGISTRY_READ),
    NavItem("plans", "年度抽查计划", "/console/plans", Perm.REGISTRY_READ),
    NavItem("snapshots", "名录快照", "/console/snapshots", Perm.REGISTRY_WRITE),
    NavItem("rectifications", "整改和复查", "/console/rectifications", Perm.TASK_READ),
    NavItem("objections", "异议", "/console/objections", Perm.TASK_READ),
    NavItem("penalties", "行政处罚", "/console/penalties", Perm.PENALTY_WRITE, Perm.RESULT_REVIEW),
    NavItem("exchange", "平台报送", "/console/exchange", Perm.TASK_READ),
    NavItem("calendar", "节假日安排", "/console/calendar", Perm.TASK_READ),
    NavItem("site", "网站发布", "/console/site", Perm.TASK_READ),
    NavItem("audit", "审计记录", "/console/audit", Perm.AUDIT_READ),
    NavItem("users", "用户管理", "/console/users", Perm.USERS_MANAGE),
    NavItem("password", "修改密码", "/console/password", None),
)


def nav_for(user: ConsoleUser | None) -> list[NavItem]:
    """The navigation entries ``user`` may use (none before login)."""
    if user is None:
        return []
    return [item for item in NAV if item.shown_to(user)]


@cache
def environment() -> Environment:
    """The templates of ``lottery/api/console/templates``, autoescaped."""
    env = Environment(
        loader=PackageLoader("lottery.api.console", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["time_zh"] = words.time_zh
    env.filters["date_zh"] = words.date_zh
    env.filters["state_zh"] = words.state_zh
    env.filters["roles_zh"] = words.roles_zh
    env.filters["yuan_zh"] = words.yuan_zh
    env.filters["parse_time"] = parse_time
    env.globals["label"] = registry_browse.label
    env.globals["item_fields_zh"] = ITEM_FIELDS_ZH
    return env


def page(
    template: str,
    *,
    user: ConsoleUser | None,
    active: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` with the user, their navigation and ``context``.

    Pages are never cached: they show the current state and, behind a login, private data.
    """
    html = (
        environment()
        .get_template(template)
        .render(user=user, nav=nav_for(user), active=active, **context)
    )
    all_headers = {"Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return HTMLResponse(html, status_code=status, headers=all_headers)


def refusal_page(user: ConsoleUser, exc: LotteryError, back: str, back_label: str) -> HTMLResponse:
    """A service's refusal in Chinese, with the status the JSON API gives it (4xx or 503)."""
    return page(
        "message.html",
        user=user,
        status=refusal_status(exc),
        heading="操作未完成",
        message=words.error_zh(exc),
        back=back,
        back_label=back_label,
    )


def refusal_status(exc: LotteryError) -> int:
    """The JSON API's status for a service error, kept to 400-503 (a refusal is never a 500)."""
    return min(max(status_of(exc), 400), 503)


def redirect_done(path: str, **query: object) -> RedirectResponse:
    """The answer to a form's action that succeeded: 303 to the page at ``path`` with what was
    done in its query (the page says it in words)."""
    return RedirectResponse(f"{path}?{urlencode(query)}", status_code=303)
