"""Staff accounts for the demo city, one per role, so a newcomer can log in to the console.

Each password is made fresh by ``secrets`` when the demo runs, printed once and written to
``DIR/demo-accounts.txt`` (readable by its owner only) beside the demo's private data; none is
in the code or the repository. The accounts are the service's own (the same creation path and
password policy as `lottery user add`) and their creation is in the audit trail.

Each account belongs to an org unit (issue #16): the city's office for all but
``county-clerk``, a planner whose scope is one county (:data:`COUNTY_CLERK_UNIT`, the unit of
the demo's cancelled task): it sees and acts on that county's tasks only.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from lottery.core.outcome import decode_outcome
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import ROLE_NAMES_ZH, Role
from lottery.service.users import create_user, set_inspector
from lottery.storage.models import OrgUnit

# Login name -> role: one account per role, named after what the person does.
ACCOUNTS: dict[str, Role] = {
    "admin": Role.ADMIN,
    "planner": Role.PLANNER,
    "reviewer": Role.REVIEWER,
    "inspector": Role.INSPECTOR,
    "auditor": Role.AUDITOR,
    "county-clerk": Role.PLANNER,
}
COUNTY_CLERK_UNIT = "RFB-419905"  # 青岚市…区: the unit of the demo's task T2026-003
FILE_NAME = "demo-accounts.txt"


@dataclass(frozen=True)
class DemoAccount:
    """One demo login: its name, role and the password made for this run."""

    name: str
    role: Role
    password: str
    unit_name: str = ""  # the org unit the account acts within

    def line(self) -> str:
        """``name  password  角色（单位）`` for the printed list."""
        unit = f"（{self.unit_name}）" if self.unit_name else ""
        return f"{self.name:<12} {self.password}  {ROLE_NAMES_ZH[self.role]}{unit}"


def create_demo_accounts(lc: Lifecycle, now: datetime, out: Path) -> list[DemoAccount]:
    """Create one account per role with a fresh password; write the list to ``out``.

    Raises:
        InputError: when an account exists already (the demo starts from an empty directory).
    """
    with lc.session() as session:
        units = {u.code: u for u in session.exec(select(OrgUnit))}
    root = next(code for code, u in units.items() if u.parent is None)
    unit_of = {name: COUNTY_CLERK_UNIT if name == "county-clerk" else root for name in ACCOUNTS}
    accounts = [
        DemoAccount(name, role, secrets.token_urlsafe(12), units[unit_of[name]].name)
        for name, role in ACCOUNTS.items()
    ]
    for account in accounts:
        create_user(
            lc,
            account.name,
            account.password,
            [account.role],
            now,
            actor="demo",
            org_unit=unit_of[account.name],
        )
    path = out / FILE_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("演示账号（仅供本机演示；每次运行 lottery demo 重新生成）\n")
        fh.writelines(f"{a.line()}\n" for a in accounts)
    return accounts


def link_demo_inspector(lc: Lifecycle, task: str, now: datetime) -> str:
    """Link the ``inspector`` account to the first inspector drawn in the disclosed ``task``,
    so that 我的检查任务 shows that inspector's targets; returns the inspector id."""
    with lc.session() as session:
        reveal = lc.log.task_record(session, task, "reveal")
        if reveal is None:
            raise ValueError(f"{task} is not disclosed")
        digest = reveal.body["outcome"]
        blob = lc.log.blobs_by_digest(session, [digest])[digest]
    inspector = decode_outcome(blob).teams[0].inspectors[0]
    set_inspector(lc, "inspector", inspector, now, actor="demo")
    return inspector
