"""Schemathesis against the OpenAPI schema, run as a child process of the suite.

Usage: ``python -m tests.api.schemathesis_worker DATA_DIR``. Exits non-zero on any failure.
Run apart from the suite's process because schemathesis's ASGI client leaves an asyncio
portal thread behind, and later tests need a process without threads to fork.
"""

from __future__ import annotations

import sys
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from lottery.api import create_app
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.taskfile import parse_definition
from lottery.settings import get_settings
from tests import lifecycle as lc
from tests.api.conftest import OFFLINE_RELAY, PASSWORD, T_ANNOUNCE, Clock, task_definition
from tests.service.conftest import load_registries


def main(data: Path) -> int:
    cfg = get_settings(data_dir=data, log_origin=lc.LOG, drand_relays=[OFFLINE_RELAY])
    service = Lifecycle.open(cfg)
    load_registries(service, lc.small_registries())
    users.create_user(service, "admin", PASSWORD, ["admin"], T_ANNOUNCE, actor="test")
    defn = parse_definition(task_definition("T-fuzz"))
    service.create_task(defn.to_params(), T_ANNOUNCE, actor="test")
    app = create_app(cfg, service=service, clock=Clock())
    with TestClient(app) as client:
        r = client.post("/api/auth/login", json={"name": "admin", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    ran = []
    for result in schema.get_all_operations():
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
            # draft) are rightly refused with a 4xx, so "positive data is accepted" is off;
            # every other default check (no 500, documented statuses, schemas) is on.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
        ran.append(f"{operation.method.upper()} {operation.path}")
    service.engine.dispose()
    print(f"schemathesis: {len(ran)} operations checked")
    return 0 if len(ran) >= 14 else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
