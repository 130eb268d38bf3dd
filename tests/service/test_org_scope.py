"""Org-scoped accounts (issue #16), on SQLite and PostgreSQL: an account acts within its org
unit and the units below it. A county user cannot plan, draw, disclose, cancel or review a
city-wide task, nor see it in lists; a city user acts on county tasks; admins manage only the
accounts of their scope; registry imports are the whole office's."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from lottery.core.draw import TaskParams
from lottery.core.errors import InputError
from lottery.demo.synthetic import Registries
from lottery.service import cancellations, drafts, org_scope, users
from lottery.service.conflicts import declare_conflict
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import PenaltyService
from lottery.service.registries import import_registry
from lottery.service.results import ResultsService
from lottery.storage.models import AuditEvent, Penalty, Target, Task
from tests import lifecycle as lc
from tests.service.test_penalties import _entry
from tests.service.test_results import T_ENTER, outcome  # noqa: F401
from tests.service.test_results import _entry as result_entry

PASSWORD = "org-scope-test-password"  # noqa: S105 - test-only
COUNTY = "county-419901"
OTHER_COUNTY = "county-419902"


def _account(service: Lifecycle, name: str, roles: list[str], unit: str | None) -> None:
    users.create_user(service, name, PASSWORD, roles, lc.T_ANNOUNCE, actor="test", org_unit=unit)


@pytest.fixture
def accounts(service: Lifecycle) -> Lifecycle:
    """A county clerk (planner and reviewer) and admin, a city planner and reviewer."""
    _account(service, "county-clerk", ["planner", "reviewer"], COUNTY)
    _account(service, "county-admin", ["admin"], COUNTY)
    _account(service, "city-planner", ["planner"], "city")
    _account(service, "city-reviewer", ["reviewer"], "city")
    return service


def _audited(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _county_params(regs: Registries, task: str = "T-county") -> TaskParams:
    return replace(lc.params(regs, task), org_units=(COUNTY,))


def test_a_county_user_cannot_plan_a_city_task(accounts: Lifecycle) -> None:
    service = accounts
    with pytest.raises(org_scope.OutOfScope) as refused:
        service.create_task(lc.params(lc.small_registries()), lc.T_ANNOUNCE, actor="county-clerk")
    message = str(refused.value)
    assert "county-clerk" in message and f"「{COUNTY}」" in message and "「市人防办」" in message
    with service.session() as s:
        assert s.get(Task, "T2026-001") is None  # nothing written
    assert _audited(service, "task.create") == []
    # A unit that does not exist is bad input, named as such, not a scope refusal.
    unknown = replace(lc.params(lc.small_registries()), org_units=("nope",))
    with pytest.raises(InputError, match="org_units") as bad:
        service.create_task(unknown, lc.T_ANNOUNCE, actor="county-clerk")
    assert not isinstance(bad.value, org_scope.OutOfScope)
    # Its own county's task is fine, and shows in its lists.
    regs = lc.small_registries()
    service.create_task(_county_params(regs), lc.T_ANNOUNCE, actor="county-clerk")
    service.create_task(lc.params(regs), lc.T_ANNOUNCE, actor="city-planner")
    mine = org_scope.tasks_for(service, "county-clerk", service.list_tasks())
    every = org_scope.tasks_for(service, "city-planner", service.list_tasks())
    assert [t.id for t in mine] == ["T-county"]
    assert {t.id for t in every} == {"T-county", "T2026-001"}
    # Nor may it change the city's draft into its own.
    with pytest.raises(org_scope.OutOfScope):
        drafts.update_draft(
            service, _county_params(regs, "T2026-001"), lc.T_ANNOUNCE, actor="county-clerk"
        )


def test_a_county_user_cannot_act_on_a_city_task(accounts: Lifecycle) -> None:
    service = accounts
    service.create_task(lc.params(lc.small_registries()), lc.T_ANNOUNCE, actor="city-planner")
    with pytest.raises(org_scope.OutOfScope):
        service.announce("T2026-001", lc.T_ANNOUNCE, actor="county-clerk")
    assert service.get_task("T2026-001").state == "draft"
    service.announce("T2026-001", lc.T_ANNOUNCE, actor="city-planner")
    with pytest.raises(org_scope.OutOfScope):
        service.draw("T2026-001", lc.beacon()[1], lc.T_DRAW, actor="county-clerk")
    with pytest.raises(org_scope.OutOfScope):
        cancellations.request_cancel(service, "T2026-001", "原因", "county-clerk", lc.T_DRAW)
    assert cancellations.pending_request(service, "T2026-001") is None
    assert service.get_task("T2026-001").state == "announced"
    service.draw("T2026-001", lc.beacon()[1], lc.T_DRAW, actor="city-planner")
    with pytest.raises(org_scope.OutOfScope):
        service.read_sealed_outcome("T2026-001", "county-clerk", lc.T_DRAW)
    with pytest.raises(org_scope.OutOfScope):
        service.disclose("T2026-001", lc.T_REVEAL, actor="county-clerk")
    assert service.get_task("T2026-001").state == "drawn"
    assert _audited(service, "outcome.read") == []
    service.disclose("T2026-001", lc.T_REVEAL, actor="city-reviewer")
    assert service.get_task("T2026-001").state == "disclosed"


def test_a_city_user_acts_on_a_county_task(accounts: Lifecycle) -> None:
    service = accounts
    service.create_task(_county_params(lc.small_registries()), lc.T_ANNOUNCE, actor="county-clerk")
    record = service.announce("T-county", lc.T_ANNOUNCE, actor="city-planner")
    assert record.body["org_units"] == [COUNTY]
    service.draw("T-county", lc.beacon()[1], lc.T_DRAW, actor="city-planner")
    service.disclose("T-county", lc.T_REVEAL, actor="county-clerk")
    assert service.get_task("T-county").state == "disclosed"
    # A user of another county cannot.
    _account(service, "other-clerk", ["planner"], OTHER_COUNTY)
    with pytest.raises(org_scope.OutOfScope):
        service.read_sealed_outcome("T-county", "other-clerk", lc.T_REVEAL)


def test_a_county_reviewer_cannot_approve_results_of_a_city_task(
    accounts: Lifecycle,
    outcome: object,  # noqa: F811 - fixture: a disclosed city-wide task
) -> None:
    service = accounts
    results = ResultsService(service.engine, service.log)
    rid = results.enter(result_entry(outcome), T_ENTER, actor="inspector-a")  # type: ignore[arg-type]

    def waiting_for(name: str) -> list[int | None]:
        rows = org_scope.rows_for(service, name, results.waiting(), lambda r: r.task)
        return [r.id for r in rows]

    assert waiting_for("county-clerk") == []
    assert waiting_for("city-reviewer") == [rid]
    with pytest.raises(org_scope.OutOfScope):
        results.approve(rid, T_ENTER, reviewer="county-clerk")
    with pytest.raises(org_scope.OutOfScope):
        results.send_back(rid, "请补充", T_ENTER, reviewer="county-clerk")
    assert results.get(rid).status == "entered"
    results.approve(rid, T_ENTER, reviewer="city-reviewer")
    assert results.get(rid).status == "published"


def test_admins_manage_only_the_accounts_of_their_scope(accounts: Lifecycle) -> None:
    service = accounts
    seen = {u.name for u in users.list_users(service, "county-admin")}
    assert seen == {"county-clerk", "county-admin"}
    assert "city-planner" in {u.name for u in users.list_users(service, "city-planner")}
    for change in (
        lambda: users.set_roles(
            service, "city-planner", ["auditor"], lc.T_ANNOUNCE, actor="county-admin"
        ),
        lambda: users.set_active(
            service, "city-planner", False, lc.T_ANNOUNCE, actor="county-admin"
        ),
        lambda: users.reset_password(
            service, "city-planner", PASSWORD + "x", lc.T_ANNOUNCE, actor="county-admin"
        ),
        lambda: users.set_org_unit(
            service, "city-planner", COUNTY, lc.T_ANNOUNCE, actor="county-admin"
        ),
    ):
        with pytest.raises(org_scope.OutOfScope):
            change()
    # It may not lift anyone (itself included) out of its county, nor create a city account.
    with pytest.raises(org_scope.OutOfScope):
        users.set_org_unit(service, "county-admin", "city", lc.T_ANNOUNCE, actor="county-admin")
    with pytest.raises(org_scope.OutOfScope):
        users.create_user(
            service, "new-city", PASSWORD, ["planner"], lc.T_ANNOUNCE, actor="county-admin"
        )
    with pytest.raises(InputError, match="org_unit"):
        users.create_user(
            service, "new-x", PASSWORD, ["planner"], lc.T_ANNOUNCE, actor="test", org_unit="nope"
        )
    assert {u.name for u in users.list_users(service)} == {
        "county-clerk",
        "county-admin",
        "city-planner",
        "city-reviewer",
    }
    # Within its county it manages accounts; the move is audited with before and after.
    users.create_user(
        service,
        "new-clerk",
        PASSWORD,
        ["planner"],
        lc.T_ANNOUNCE,
        actor="county-admin",
        org_unit=COUNTY,
    )
    users.set_org_unit(service, "city-reviewer", COUNTY, lc.T_ANNOUNCE, actor="test")
    [moved] = _audited(service, "user.org-unit")
    assert moved.detail == {"before": "city", "after": COUNTY}
    users.set_roles(service, "city-reviewer", ["auditor"], lc.T_ANNOUNCE, actor="county-admin")


def test_the_last_whole_office_admin_stays(accounts: Lifecycle) -> None:
    service = accounts
    _account(service, "boss", ["admin"], "city")
    with pytest.raises(users.LastAdmin):
        users.set_org_unit(service, "boss", COUNTY, lc.T_ANNOUNCE, actor="boss")
    _account(service, "boss2", ["admin"], None)
    users.set_org_unit(service, "boss", COUNTY, lc.T_ANNOUNCE, actor="boss")
    assert {u.name: u.org_unit for u in users.list_users(service)}["boss"] == COUNTY


def test_registries_and_targets_follow_the_scope(accounts: Lifecycle) -> None:
    service = accounts
    csv = "code,name,level,parent,region\ncity,市人防办,city,,\n".encode()
    with pytest.raises(org_scope.OutOfScope, match="导入名录"):
        import_registry(service, "org-units", csv, actor="county-clerk", now=lc.T_ANNOUNCE)
    assert _audited(service, "registry.import") == []
    with service.session() as s:
        outside = s.exec(select(Target).where(Target.region == "419902")).first()
        inside = s.exec(select(Target).where(Target.region == "419901")).first()
    assert outside is not None and inside is not None
    penalties = PenaltyService(service.engine, service.log)
    with pytest.raises(org_scope.OutOfScope, match="419902"):
        penalties.enter(_entry(outside.uscc, "2026-03-01"), T_ENTER, actor="county-clerk")
    penalties.enter(_entry(inside.uscc, "2026-03-01"), T_ENTER, actor="county-clerk")
    with service.session() as s:
        assert [p.target for p in s.exec(select(Penalty))] == [inside.uscc]
    with pytest.raises(org_scope.OutOfScope):
        declare_conflict(service, "ZF000000", outside.uscc, actor="county-clerk", now=T_ENTER)


def test_a_county_inspector_drawn_for_a_city_task_enters_its_result(
    accounts: Lifecycle,
    outcome: object,  # noqa: F811 - fixture: a disclosed city-wide task
) -> None:
    """The city's task draws inspectors from the counties (its scope covers them): being drawn
    is the right to enter the result, wherever the inspector's account belongs."""
    service = accounts
    _account(service, "county-inspector", ["inspector"], COUNTY)
    results = ResultsService(service.engine, service.log)
    entry = result_entry(outcome)  # type: ignore[arg-type]
    with pytest.raises(org_scope.OutOfScope):
        results.enter(entry, T_ENTER, actor="county-inspector")
    member = entry.inspectors[0].inspector
    rid = results.enter(entry, T_ENTER, actor="county-inspector", as_inspector=member)
    assert results.get(rid).entered_by == "county-inspector"
