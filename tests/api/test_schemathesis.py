"""Schemathesis against the OpenAPI schema (bounded examples): no 500, no response that
breaks the schema, every status documented — as an admin (so every route is reached)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from lottery.api import create_app
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from tests import lifecycle as lc
from tests.api.conftest import OFFLINE_RELAY, PASSWORD, T_ANNOUNCE, Clock, task_definition
from tests.service.conftest import load_registries


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data = Path(tmp_path_factory.mktemp("schemathesis"))
    cfg = get_settings(data_dir=data, log_origin=lc.LOG, drand_relays=[OFFLINE_RELAY])
    service = Lifecycle.open(cfg)
    load_registries(service, lc.small_registries())
    users.create_user(service, "admin", PASSWORD, ["admin"], T_ANNOUNCE, actor="test")
    defn = task_definition("T-fuzz")
    from lottery.service.taskfile import parse_definition

    service.create_task(parse_definition(defn).to_params(), T_ANNOUNCE, actor="test")
    app = create_app(cfg, service=service, clock=Clock())
    yield app
    service.engine.dispose()


@pytest.fixture(scope="module")
def admin_headers(api_app: FastAPI) -> dict[str, str]:
    from fastapi.testclient import TestClient

    with TestClient(api_app) as client:
        r = client.post("/api/auth/login", json={"name": "admin", "password": PASSWORD})
        return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture(scope="module")
def api_schema(api_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


def test_api_conforms_to_its_schema(
    api_schema: schemathesis.BaseSchema, admin_headers: dict[str, str]
) -> None:
    # One bounded hypothesis run per operation (the pytest plugin's fixture loader does not
    # support this pytest version, so the loop is ours).
    ran = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/auth/logout":
            continue  # would end the admin session the other operations use

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            # Schema-valid but meaningless requests (a task for unknown org units, a draw of a
            # draft) are rightly refused with a 4xx, so "positive data is accepted" is off.
            case.call_and_validate(
                headers=admin_headers, excluded_checks=[positive_data_acceptance]
            )

        check()
        ran.append(f"{operation.method.upper()} {operation.path}")
    assert len(ran) >= 14, ran
