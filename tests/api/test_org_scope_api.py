"""Org-scoped accounts through the JSON API and the console (issue #16), on SQLite and
PostgreSQL: a county user gets a 403 with a Chinese message naming its unit when it plans or
acts on a city-wide task, and does not see the city's tasks; a county admin sees and manages
only its county's accounts; the console shows the user's unit."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from tests.api.conftest import PASSWORD, T_ANNOUNCE, task_definition, token
from tests.api.test_console import _csrf, login

COUNTY = "county-419901"


def _county_accounts(service: Lifecycle) -> None:
    for name, roles in (("county-clerk", ["planner", "reviewer"]), ("county-admin", ["admin"])):
        users.create_user(service, name, PASSWORD, roles, T_ANNOUNCE, actor="test", org_unit=COUNTY)


def test_a_county_user_cannot_act_on_the_city(app_client: TestClient, service: Lifecycle) -> None:
    _county_accounts(service)
    clerk = token(app_client, "county-clerk")
    planner = token(app_client, "planner")  # no unit: the whole office
    assert app_client.get("/api/auth/me", headers=clerk).json()["org_unit"] == COUNTY

    refused = app_client.post("/api/tasks", json=task_definition("T-city"), headers=clerk)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "OutOfScope"
    detail = refused.json()["detail"]
    assert f"「{COUNTY}」" in detail and "「市人防办」" in detail and "超出其范围" in detail

    assert app_client.post("/api/tasks", json=task_definition("T-city"), headers=planner).is_success
    county = task_definition("T-county") | {"org_units": [COUNTY]}
    assert app_client.post("/api/tasks", json=county, headers=clerk).status_code == 201

    assert [t["id"] for t in app_client.get("/api/tasks", headers=clerk).json()] == ["T-county"]
    every = {t["id"] for t in app_client.get("/api/tasks", headers=planner).json()}
    assert every == {"T-city", "T-county"}
    for method, path in (
        ("get", "/api/tasks/T-city"),
        ("post", "/api/tasks/T-city/announce"),
        ("get", "/api/tasks/T-city/results"),
        ("post", "/api/tasks/T-city/report/approve"),
    ):
        response = app_client.request(method.upper(), path, headers=clerk)
        assert response.status_code == 403, (path, response.text)
        assert f"「{COUNTY}」" in response.json()["detail"]
    assert app_client.get("/api/tasks/T-city", headers=planner).json()["state"] == "draft"
    # The whole office acts on the county's task.
    done = app_client.post("/api/tasks/T-county/announce", headers=planner)
    assert done.status_code == 200, done.text


def test_a_county_admin_manages_only_its_county(app_client: TestClient, service: Lifecycle) -> None:
    _county_accounts(service)
    county_admin = token(app_client, "county-admin")
    admin = token(app_client, "admin")
    listed = {
        u["name"]: u["org_unit"] for u in app_client.get("/api/users", headers=county_admin).json()
    }
    assert listed == {"county-admin": COUNTY, "county-clerk": COUNTY}
    assert "planner" in {u["name"] for u in app_client.get("/api/users", headers=admin).json()}

    roles = app_client.put(
        "/api/users/planner/roles", json={"roles": ["auditor"]}, headers=county_admin
    )
    assert roles.status_code == 403 and f"「{COUNTY}」" in roles.json()["detail"]
    body = {"name": "new-city", "password": PASSWORD + "-x", "roles": ["planner"]}
    city = app_client.post("/api/users", json=body | {"org_unit": "city"}, headers=county_admin)
    assert city.status_code == 403, city.text
    unknown = app_client.post("/api/users", json=body | {"org_unit": "nope"}, headers=admin)
    assert unknown.status_code == 422 and "org_unit" in unknown.json()["detail"]
    made = app_client.post("/api/users", json=body | {"org_unit": COUNTY}, headers=county_admin)
    assert made.status_code == 201 and made.json()["org_unit"] == COUNTY

    moved = app_client.put("/api/users/planner/org-unit", json={"org_unit": COUNTY}, headers=admin)
    assert moved.status_code == 200 and moved.json()["org_unit"] == COUNTY
    up = app_client.put(
        "/api/users/county-admin/org-unit", json={"org_unit": "city"}, headers=county_admin
    )
    assert up.status_code == 403  # no one lifts themselves out of their unit


def test_the_console_shows_the_unit_and_scopes_its_pages(
    app_client: TestClient, service: Lifecycle
) -> None:
    _county_accounts(service)
    planner = token(app_client, "planner")
    assert app_client.post("/api/tasks", json=task_definition("T-city"), headers=planner).is_success
    app_client.headers.clear()
    login(app_client, "county-clerk")
    board = app_client.get("/console/")
    assert "county-clerk（" in board.text and f"；{COUNTY}）" in board.text
    assert "T-city" not in app_client.get("/console/tasks").text
    page = app_client.get("/console/tasks/T-city")
    assert page.status_code == 403 and "超出其范围" in page.text and f"「{COUNTY}」" in page.text
    for path in ("/console/tasks/T-city/announce", "/console/tasks/T-city/edit"):
        refused = app_client.get(path)
        assert refused.status_code == 403 and "超出其范围" in refused.text, path
    wizard = app_client.get("/console/tasks/new").text  # offers only the clerk's own county
    assert f'value="{COUNTY}"' in wizard and 'value="city"' not in wizard

    app_client.cookies.clear()
    login(app_client, "county-admin")
    users_page = app_client.get("/console/users")
    assert "county-clerk" in users_page.text and ">planner<" not in users_page.text
    assert "所属单位" in users_page.text and "全办公室" not in users_page.text
    refused = app_client.post(
        "/console/users/county-clerk/unit",
        data={"csrf": _csrf(users_page.text), "org_unit": "city"},
    )
    assert refused.status_code == 403 and "超出其范围" in refused.text
    assert re.search(r"<option value=\"county-419901\" selected>", users_page.text)


def test_a_county_reviewer_cannot_read_a_city_result_through_the_review_forms(
    app_client: TestClient, service: Lifecycle
) -> None:
    from tests.api.test_console_results import T_ENTER, TASK, _drawn, _results
    from tests.service.results_builder import entry, results_of

    outcome = _drawn(service)  # a city-wide task, still sealed
    team = outcome.teams[0]
    rid = results_of(service).enter(
        entry(outcome, task=TASK), T_ENTER, actor="insp", as_inspector=team.inspectors[0]
    )
    _county_accounts(service)
    login(app_client, "county-clerk")
    csrf = _csrf(app_client.get("/console/").text)
    assert app_client.get(f"/console/review/{rid}").status_code == 403
    for action, data in (("send-back", {"reason": ""}), ("approve", {})):
        r = app_client.post(f"/console/review/{rid}/{action}", data={"csrf": csrf, **data})
        assert r.status_code == 403, (action, r.status_code)
        assert team.target not in r.text
    history = app_client.get(f"/console/history/{TASK}/{team.target}")
    assert history.status_code == 403 and team.target not in history.text
    assert [r.status for r in _results(service)] == ["entered"]
