"""The item list's risk rules through the API (issue #16, "Risk rules that act")."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import token

URL = "/api/registries/items/risk-rules"
RULES = {
    "raise": [
        {"when": "complaints", "at_least": 3, "to": "C"},
        {"when": "serious_violation", "at_least": 1, "to": "D"},
    ],
    "uncapped": ["D"],
    "key_items_uncapped": True,
}


def test_rules_are_published_as_a_new_item_list_version(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    before = app_client.get(URL, headers=planner).json()
    assert before["raise"] == [] and before["words"] == [] and before["version"] == 1
    put = app_client.put(URL, json=RULES, headers=planner)
    assert put.status_code == 200, put.text
    record = put.json()
    assert record["type"] == "item-list" and record["body"]["version"] == 2
    assert record["body"]["risk_rules"] == RULES
    now = app_client.get(URL, headers=token(app_client, "auditor")).json()
    assert now["version"] == 2 and now["raise"] == RULES["raise"]
    assert "投诉举报次数达到3次的，风险等级至少为较高风险（C类）" in now["words"]
    again = app_client.put(URL, json=RULES, headers=planner)
    assert again.status_code == 422 and "风险规则与现行清单相同" in again.json()["detail"]


def test_bad_rules_name_the_field_and_publish_nothing(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    for body, words in (
        ({**RULES, "raise": [{"when": "complaints", "at_least": 0, "to": "C"}]}, "at_least"),
        ({**RULES, "uncapped": ["D", "D"]}, "uncapped"),
        ({**RULES, "raise": [{"when": "fines", "at_least": 1, "to": "C"}]}, "when"),
        ({**RULES, "extra": 1}, "extra"),
    ):
        r = app_client.put(URL, json=body, headers=planner)
        assert r.status_code == 422, (body, r.text)
        assert words in r.text, r.text
    assert app_client.get(URL, headers=planner).json()["version"] == 1


def test_labels_are_published_with_the_rules(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    for labels, words in (
        ({"A": "低", "B": "低"}, "字段「labels」：两个风险等级不能使用同一名称"),
        ({"A": "很" * 13}, "字段「labels.A」：风险等级名称须为 1 到 12 个字"),
        ({"A": "低\u202e"}, "字段「labels.A」含有不允许的字符 U+202E"),  # as every text field
        ({"E": "低"}, "labels"),
    ):
        r = app_client.put(URL, json={**RULES, "labels": labels}, headers=planner)
        assert r.status_code == 422 and words in r.text, r.text
    assert app_client.get(URL, headers=planner).json()["version"] == 1
    henan = {"A": "低", "B": "中", "C": "中高", "D": "高"}
    put = app_client.put(URL, json={**RULES, "labels": henan}, headers=planner)
    assert put.status_code == 200, put.text
    assert put.json()["body"]["risk_rules"]["labels"] == henan
    now = app_client.get(URL, headers=planner).json()
    assert now["labels"] == henan
    assert "投诉举报次数达到3次的，风险等级至少为中高（C类）" in now["words"]
