"""Committed pools through the API (docs/spec.md §4 "Committed pools", docs/service.md): staff
withhold a target type's identity, list the withheld types, and bad input is a 4xx."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import token

URL = "/api/registries/targets/withheld-types"


def test_a_type_is_withheld_listed_and_named_again(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    assert app_client.get(URL, headers=planner).json() == {"types": [], "labels": []}
    put = app_client.put(URL, json={"type": "人防工程平时使用"}, headers=planner)
    assert put.status_code == 200, put.text
    assert put.json() == {"types": ["peacetime_use"], "labels": ["平时使用"]}
    auditor = token(app_client, "auditor")
    assert app_client.get(URL, headers=auditor).json()["types"] == ["peacetime_use"]
    back = app_client.put(URL, json={"type": "peacetime_use", "withheld": False}, headers=planner)
    assert back.status_code == 200 and back.json()["types"] == []


def test_bad_input_is_refused_with_a_message(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    unknown = app_client.put(URL, json={"type": "不存在的类型"}, headers=planner)
    assert unknown.status_code == 422 and "未知的检查对象类型" in unknown.json()["detail"]
    extra = app_client.put(URL, json={"type": "design", "x": 1}, headers=planner)
    assert extra.status_code == 422
    assert app_client.get(URL, headers=planner).json()["types"] == []
