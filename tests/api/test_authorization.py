"""The authorization matrix, written out by hand from docs/service.md (sections "Roles" and
"API"), not computed from ``lottery/service/roles.py`` or the route guards it checks.

Every staff route (method + path) has one row: the permission docs/service.md says guards it
and, for each role and for an anonymous caller, the answer that role must get:

- ``ok``: admitted (any answer but 401 and 403; with placeholder ids that is mostly 404/422),
- ``403``: refused, and the message names the row's permission,
- ``401``: not logged in.

A route the app serves that the table lacks fails the suite, and so does a row for a route the
app does not serve: adding a route means deciding, here, who may call it. Below the matrix are
the invariants that must never change whatever the table says (R6 and the auditor's role).
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.api.app import ROUTERS
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent
from tests import lifecycle as lc
from tests.api.conftest import SIGNATURE, T_DRAW, Clock, task_definition, token
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

ROLES = ("admin", "planner", "inspector", "reviewer", "auditor")
ANONYMOUS = "anonymous"
COLUMNS = (*ROLES, ANONYMOUS)

# Transcribed from docs/service.md: the route table gives each route's permission, the
# permission table gives the roles that hold it. "-" = no permission (login, or just logged in).
# Columns: adm(in), pla(nner), ins(pector), rev(iewer), aud(itor), anon(ymous).
MATRIX = """
method path                                   permission      adm  pla  ins  rev  aud  anon
POST   /api/auth/login                        -               ok   ok   ok   ok   ok   ok
POST   /api/auth/logout                       -               ok   ok   ok   ok   ok   401
GET    /api/auth/me                           -               ok   ok   ok   ok   ok   401
POST   /api/auth/password                     -               ok   ok   ok   ok   ok   401
GET    /api/users                             users.manage    ok   403  403  403  403  401
POST   /api/users                             users.manage    ok   403  403  403  403  401
PUT    /api/users/{name}/active               users.manage    ok   403  403  403  403  401
PUT    /api/users/{name}/password             users.manage    ok   403  403  403  403  401
PUT    /api/users/{name}/roles                users.manage    ok   403  403  403  403  401
PUT    /api/users/{name}/inspector            users.manage    ok   403  403  403  403  401
PUT    /api/users/{name}/org-unit             users.manage    ok   403  403  403  403  401
GET    /api/tasks                             task.read       ok   ok   ok   ok   ok   401
GET    /api/tasks/{task_id}                   task.read       ok   ok   ok   ok   ok   401
POST   /api/tasks                             task.plan       ok   ok   403  403  403  401
PUT    /api/tasks/{task_id}                   task.plan       ok   ok   403  403  403  401
DELETE /api/tasks/{task_id}                   task.plan       ok   ok   403  403  403  401
POST   /api/tasks/{task_id}/announce          task.plan       ok   ok   403  403  403  401
POST   /api/tasks/{task_id}/draw              task.draw       ok   ok   403  403  403  401
POST   /api/tasks/{task_id}/numbers           beacon.enter    ok   ok   403  403  403  401
POST   /api/tasks/{task_id}/numbers/confirm   beacon.confirm  ok   ok   403  ok   403  401
POST   /api/tasks/{task_id}/numbers/reject    beacon.confirm  ok   ok   403  ok   403  401
POST   /api/tasks/{task_id}/disclose          task.disclose   ok   ok   403  ok   403  401
POST   /api/tasks/{task_id}/cancel            task.cancel     ok   ok   403  403  403  401
POST   /api/tasks/{task_id}/cancel/confirm    task.cancel     ok   ok   403  403  403  401
POST   /api/tasks/{task_id}/cancel/reject     task.cancel     ok   ok   403  403  403  401
GET    /api/tasks/{task_id}/outcome           outcome.read    ok   ok   ok   403  403  401
GET    /api/tasks/{task_id}/documents         outcome.read    ok   ok   ok   403  403  401
POST   /api/tasks/{task_id}/documents         outcome.read    ok   ok   ok   403  403  401
GET    /api/documents/{doc_id}                outcome.read    ok   ok   ok   403  403  401
POST   /api/registries/{kind}/import          registry.write  ok   ok   403  403  403  401
POST   /api/registries/{kind}/check           registry.write  ok   ok   403  403  403  401
GET    /api/registries/{kind}/export          registry.read   ok   ok   ok   ok   ok   401
POST   /api/registries/{registry}/snapshot    registry.write  ok   ok   403  403  403  401
GET    /api/registries/items/risk-rules       registry.read   ok   ok   ok   ok   ok   401
PUT    /api/registries/items/risk-rules       registry.write  ok   ok   403  403  403  401
GET    /api/registries/items/publication-rules registry.read  ok   ok   ok   ok   ok   401
PUT    /api/registries/items/publication-rules registry.write ok   ok   403  403  403  401
GET    /api/registries/targets/withheld-types registry.read   ok   ok   ok   ok   ok   401
PUT    /api/registries/targets/withheld-types registry.write  ok   ok   403  403  403  401
GET    /api/plans                             registry.read   ok   ok   ok   ok   ok   401
GET    /api/plans/{year}                      registry.read   ok   ok   ok   ok   ok   401
POST   /api/plans/{year}                      registry.write  ok   ok   403  403  403  401
POST   /api/plans/{year}/import               registry.write  ok   ok   403  403  403  401
GET    /api/plans/{year}/export               registry.read   ok   ok   ok   ok   ok   401
GET    /api/tasks/{task_id}/checklist         task.read       ok   ok   ok   ok   ok   401
GET    /api/tasks/{task_id}/results           task.read       ok   ok   ok   ok   ok   401
POST   /api/tasks/{task_id}/results           result.enter    ok   403  ok   403  403  401
POST   /api/results/{record_id}/corrections   result.enter    ok   403  ok   403  403  401
POST   /api/results/{result_id}/approve       result.review   ok   403  403  ok   403  401
GET    /api/results/waiting                   result.review   ok   403  403  ok   403  401
POST   /api/results/{result_id}/send-back     result.review   ok   403  403  ok   403  401
GET    /api/results/reviewing                 publication.review ok 403 403  ok   403  401
POST   /api/results/{result_id}/publication-review publication.review ok 403 403 ok 403 401
GET    /api/rectifications                    task.read       ok   ok   ok   ok   ok   401
GET    /api/tasks/{task_id}/rectifications    task.read       ok   ok   ok   ok   ok   401
POST   /api/results/{record_id}/rectification result.review   ok   403  403  ok   403  401
POST   /api/rectifications/{rectification_id}/check result.enter ok 403 ok   403  403  401
POST   /api/rectifications/{rectification_id}/check/approve result.review ok 403 403 ok 403 401
GET    /api/rectifications/reviewing          publication.review ok 403 403  ok   403  401
POST   /api/rectifications/{row_id}/publication-review publication.review ok 403 403 ok 403 401
POST   /api/results/{record_id}/withdraw      result.review   ok   403  403  ok   403  401
POST   /api/rectifications/records/{record_id}/withdraw result.review ok 403 403 ok 403 401
GET    /api/objections                        task.read       ok   ok   ok   ok   ok   401
POST   /api/results/{record_id}/objections    result.review   ok   403  403  ok   403  401
POST   /api/objections/{objection_id}/decide  result.review   ok   403  403  ok   403  401
GET    /api/tasks/{task_id}/target-reports    task.read       ok   ok   ok   ok   ok   401
PUT    /api/tasks/{task_id}/target-reports/{target} report.write ok ok 403  403  403  401
POST   /api/tasks/{task_id}/report/draft      report.write    ok   ok   403  403  403  401
PUT    /api/tasks/{task_id}/report            report.write    ok   ok   403  403  403  401
POST   /api/tasks/{task_id}/report/approve    result.review   ok   403  403  ok   403  401
POST   /api/penalties                         penalty.write   ok   ok   403  403  403  401
POST   /api/penalties/{penalty_id}/approve    result.review   ok   403  403  ok   403  401
POST   /api/penalties/{penalty_id}/withdraw   penalty.write   ok   ok   403  403  403  401
POST   /api/penalties/withdraw-expired        penalty.write   ok   ok   403  403  403  401
POST   /api/penalties/{penalty_id}/revoked    penalty.write   ok   ok   403  403  403  401
GET    /api/exchange/exports                  task.read       ok   ok   ok   ok   ok   401
POST   /api/exchange/exports                  report.write    ok   ok   403  403  403  401
POST   /api/exchange/exports/{export_id}/sent report.write    ok   ok   403  403  403  401
GET    /api/calendar/{year}                   task.read       ok   ok   ok   ok   ok   401
PUT    /api/calendar/{year}                   calendar.write  ok   ok   403  403  403  401
GET    /api/workdays/add                      task.read       ok   ok   ok   ok   ok   401
GET    /api/deadlines                         task.read       ok   ok   ok   ok   ok   401
GET    /api/audit                             audit.read      ok   403  403  403  ok   401
GET    /api/site/status                       task.read       ok   ok   ok   ok   ok   401
POST   /api/site/publish                      task.disclose   ok   ok   403  ok   403  401
GET    /api/witnesses                         audit.read      ok   403  403  403  ok   401
GET    /api/alerts                            task.read       ok   ok   ok   ok   ok   401
POST   /api/witnesses/policy                  users.manage    ok   403  403  403  403  401
"""

# The roles docs/service.md lets read the sealed picked list (R6: "access to it is restricted").
SEALED_OUTCOME_READERS = ("admin", "planner", "inspector")
LOGIN = ("POST", "/api/auth/login")
LOGOUT = ("POST", "/api/auth/logout")
OWN_PASSWORD = ("POST", "/api/auth/password")
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def _matrix() -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert tuple(header[3:]) == ("adm", "pla", "ins", "rev", "aud", "anon"), header
    table: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    for method, path, perm, *answers in rows:
        assert len(answers) == len(COLUMNS), (method, path)
        assert set(answers) <= {"ok", "403", "401"}, (method, path, answers)
        assert (method, path) not in table, f"{method} {path} is listed twice"
        table[method, path] = (perm, dict(zip(COLUMNS, answers, strict=True)))
    return table


EXPECTED = _matrix()


def _served_routes(client: TestClient) -> set[tuple[str, str]]:
    """Every (method, path) under /api/ the app serves: its OpenAPI schema and its routers."""
    served = {
        (method.upper(), path)
        for path, ops in client.get("/openapi.json").json()["paths"].items()
        if path.startswith("/api/")
        for method in ops
        if method in HTTP_METHODS
    }
    for route in (r for router in ROUTERS for r in router.routes):
        if isinstance(route, APIRoute) and route.path.startswith("/api/"):
            served |= {(m, route.path) for m in route.methods or ()}
    return served


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X-1", path)


def _in_order() -> list[tuple[str, str]]:
    """The table's routes, logout last (it ends the session the others use)."""
    return sorted(EXPECTED, key=lambda key: key == LOGOUT)


def _check(client: TestClient, who: str, headers: dict[str, str]) -> None:
    wrong = []
    for method, path in _in_order():
        perm, answers = EXPECTED[method, path]
        response = client.request(method, _url(path), json={}, headers=headers)
        got = response.status_code
        want = answers[who]
        if want == "ok" and got in (401, 403):
            wrong.append(f"{method} {path}: {got}, expected admitted ({response.text})")
        elif want == "403" and (got != 403 or perm not in response.json()["detail"]):
            wrong.append(f"{method} {path}: {got} {response.text}, expected 403 for {perm}")
        elif want == "401" and got != 401:
            wrong.append(f"{method} {path}: {got}, expected 401")
    assert not wrong, f"{who}:\n" + "\n".join(wrong)


def test_the_table_lists_exactly_the_routes_the_app_serves(app_client: TestClient) -> None:
    served = _served_routes(app_client)
    assert len(served) >= 30  # the walk found the routers at all
    unlisted = sorted(served - set(EXPECTED))
    assert not unlisted, f"routes missing from the authorization table: {unlisted}"
    missing = sorted(set(EXPECTED) - served)
    assert not missing, f"the authorization table lists routes the app does not serve: {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_answers_in_the_table(
    app_client: TestClient, service: Lifecycle, role: str
) -> None:
    # An account enters results only as a registered inspector: the accounts holding
    # result.enter are linked to one, so that "ok" means the permission admitted them (an
    # unlinked account's 403 is tested in test_results_api.py).
    first, second = lc.small_registries().inspectors[:2]
    for account, inspector in (("admin", first.id), ("inspector", second.id)):
        users.set_inspector(service, account, inspector, lc.T_ANNOUNCE, actor="test")
    _check(app_client, role, token(app_client, role))


def test_anonymous_callers_get_exactly_the_answers_in_the_table(app_client: TestClient) -> None:
    _check(app_client, ANONYMOUS, {})
    for method, path in EXPECTED:
        if (method, path) == LOGIN:
            continue
        response = app_client.request(method, _url(path), json={})
        assert response.headers.get("www-authenticate") == "Bearer", (method, path)
    bogus = {"Authorization": "Bearer not-a-token"}
    assert app_client.get("/api/tasks", headers=bogus).status_code == 401


# -- invariants: whatever the table above says, these must hold --------------------------------


def test_anonymous_gets_nothing_but_login(app_client: TestClient) -> None:
    # Every route the app serves (not only the table's): a new route is covered at once.
    for method, path in sorted(_served_routes(app_client) - {LOGIN}):
        response = app_client.request(method, _url(path), json={})
        assert response.status_code == 401, (method, path, response.text)
    assert app_client.post("/api/auth/login", json={}).status_code == 422  # reached, bad body


def test_an_auditor_changes_nothing(app_client: TestClient) -> None:
    headers = token(app_client, "auditor")
    # Logging in and out, and changing one's own password, only change the auditor's own
    # session and account.
    changing = sorted(
        (method, path)
        for method, path in _served_routes(app_client) - {LOGIN, LOGOUT, OWN_PASSWORD}
        if method != "GET"
    )
    assert len(changing) >= 20
    for method, path in changing:
        response = app_client.request(method, _url(path), json={}, headers=headers)
        assert response.status_code == 403, (method, path, response.text)


@pytest.fixture
def drawn_task(app_client: TestClient, clock: Clock) -> str:
    """A task drawn through the API: its outcome exists and is still sealed."""
    planner = token(app_client, "planner")
    definition = task_definition()
    assert app_client.post("/api/tasks", json=definition, headers=planner).status_code == 201
    task = definition["task"]
    announced = app_client.post(f"/api/tasks/{task}/announce", headers=planner)
    assert announced.status_code == 200, announced.text
    clock.now = T_DRAW
    drawn = app_client.post(
        f"/api/tasks/{task}/draw", json={"drand_signature": SIGNATURE}, headers=planner
    )
    assert drawn.status_code == 200, drawn.text
    return str(task)


def test_only_admin_planner_and_inspector_ever_read_a_sealed_outcome(
    app_client: TestClient, service: Lifecycle, drawn_task: str
) -> None:
    url = f"/api/tasks/{drawn_task}/outcome"
    seeds = set()
    for role in ROLES:
        response = app_client.get(url, headers=token(app_client, role))
        if role in SEALED_OUTCOME_READERS:
            assert response.status_code == 200, (role, response.text)
            seeds.add(response.json()["seed"])
        else:
            assert response.status_code == 403, (role, response.text)
    assert app_client.get(url).status_code == 401
    (seed,) = seeds  # the same sealed outcome for every reader
    # Every read is recorded with who read it (R6), and only the admitted ones happened.
    with service.session() as s:
        reads = s.exec(select(AuditEvent).where(AuditEvent.action == "outcome.read")).all()
    assert sorted(e.actor for e in reads) == sorted(SEALED_OUTCOME_READERS)
    assert {e.object for e in reads} == {drawn_task}
    # No other route hands the sealed outcome to a role that may not read it: its seed (known
    # to nobody until disclosure) appears in no answer of any GET route.
    for role in (r for r in ROLES if r not in SEALED_OUTCOME_READERS):
        headers = token(app_client, role)
        for method, path in sorted(_served_routes(app_client)):
            if method != "GET":
                continue
            concrete = path.replace("{task_id}", drawn_task)
            response = app_client.get(_url(concrete), headers=headers)
            assert seed not in response.text, (role, path)
