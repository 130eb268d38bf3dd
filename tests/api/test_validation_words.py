"""Request validation errors in Chinese, naming the field, in FastAPI's documented shape."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lottery.api.validation_words import field_name, worded
from tests.api.conftest import token
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only


def test_the_field_is_named_as_staff_write_it() -> None:
    assert field_name(("body", "cross_check", "own_district")) == "cross_check.own_district"
    assert field_name(("body", "evidence", 0, "sha256")) == "evidence[1].sha256"
    assert field_name(("query", "limit")) == "limit"
    assert field_name(("body",)) == ""


def test_each_error_says_what_is_wrong_and_keeps_its_type() -> None:
    missing = worded({"loc": ("body", "title"), "msg": "Field required", "type": "missing"})
    assert missing == {
        "loc": ["body", "title"],
        "msg": "字段「title」：必须填写",
        "type": "missing",
    }
    query = worded({"loc": ("query", "limit"), "msg": "x", "type": "int_parsing"})
    assert query["msg"] == "查询参数 字段「limit」：应为整数"
    whole = worded({"loc": ("body",), "msg": "x", "type": "json_invalid"})
    assert whole["msg"] == "字段「请求正文」：不是有效的 JSON"
    # A kind without a wording keeps pydantic's text after the field, never nothing.
    other = worded({"loc": ("body", "x"), "msg": "Value error, too odd", "type": "value_error"})
    assert other["msg"] == "字段「x」：不符合要求（too odd）"


def test_the_api_answers_422_in_chinese(app_client: TestClient) -> None:
    planner = token(app_client, "planner")
    refused = app_client.post("/api/tasks", json={"task": 5}, headers=planner)
    assert refused.status_code == 422
    errors = refused.json()["detail"]
    assert errors and all(e["msg"].startswith("字段「") for e in errors)
    assert {"loc", "msg", "type"} <= set(errors[0])
    assert all(
        ord(c) < 0x3000 for e in errors for c in e["loc"][-1] if isinstance(e["loc"][-1], str)
    )
