"""The route guards one rule at a time: where the token comes from, the CSRF rule for cookie
sessions, who ``require`` admits, and what ``permission_of`` reads back.

tests/api/test_authorization.py checks every route against the documented matrix through the
whole app; these tests pin the guards' own rules directly (fast enough to run per mutant).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import Request

from lottery.api.deps import (
    COOKIE,
    CSRF_HEADER,
    current_user,
    permission_of,
    require,
    session_user,
    token_of,
)
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import Perm
from lottery.service.users import AuthError, Forbidden, PasswordChangeRequired, StaffUser
from tests.service.conftest import service, settings  # noqa: F401 - fixtures
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only
from tests.storage.conftest import database_url  # noqa: F401 - fixture

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "test-only-password"  # noqa: S105 - test-only


def request(method: str = "GET", headers: dict[str, str] | None = None) -> Request:
    """A bare ASGI request with the given method and headers (and a place for state)."""
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return Request(
        {"type": "http", "method": method, "path": "/api/x", "headers": raw, "query_string": b""}
    )


def bearer(token: str, scheme: str = "Bearer") -> HTTPAuthorizationCredentials:
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=token)


def test_a_bearer_token_is_used_as_sent() -> None:
    assert token_of(request(), bearer("tok-1")) == "tok-1"
    # RFC 6750: the scheme is case-insensitive.
    assert token_of(request("POST"), bearer("tok-2", "bearer")) == "tok-2"
    assert token_of(request("POST"), bearer("tok-3", "BEARER")) == "tok-3"


def test_the_bearer_header_wins_over_a_cookie() -> None:
    req = request("POST", {"cookie": f"{COOKIE}=from-cookie"})
    assert token_of(req, bearer("from-header")) == "from-header"


def test_another_scheme_falls_back_to_the_cookie() -> None:
    req = request("GET", {"cookie": f"{COOKIE}=from-cookie"})
    assert token_of(req, bearer("x", "Basic")) == "from-cookie"
    with pytest.raises(AuthError, match="not logged in"):
        token_of(request("GET"), bearer("x", "Basic"))


def test_no_token_at_all_is_not_logged_in() -> None:
    # The 401 body tells an API client how to authenticate.
    with pytest.raises(AuthError) as missing:
        token_of(request("GET"), None)
    assert str(missing.value) == "not logged in: send Authorization: Bearer <token>"
    with pytest.raises(AuthError, match="not logged in"):
        token_of(request("GET", {"cookie": f"{COOKIE}="}), None)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_cookie_reads_without_the_csrf_header(method: str) -> None:
    req = request(method, {"cookie": f"{COOKIE}=sess"})
    assert token_of(req, None) == "sess"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_cookie_changes_nothing_without_the_csrf_header(method: str) -> None:
    with pytest.raises(AuthError, match=CSRF_HEADER):
        token_of(request(method, {"cookie": f"{COOKIE}=sess"}), None)
    # Only the exact value "1" counts (a cross-site form cannot set custom headers at all).
    with pytest.raises(AuthError, match=CSRF_HEADER):
        token_of(request(method, {"cookie": f"{COOKIE}=sess", CSRF_HEADER: "0"}), None)
    req = request(method, {"cookie": f"{COOKIE}=sess", CSRF_HEADER: "1"})
    assert token_of(req, None) == "sess"


def test_a_cookie_of_another_name_is_ignored() -> None:
    with pytest.raises(AuthError, match="not logged in"):
        token_of(request("GET", {"cookie": "other_session=sess"}), None)


@pytest.mark.parametrize("perm", list(Perm))
def test_require_admits_exactly_the_holders(perm: Perm) -> None:
    check = require(perm)
    admin = StaffUser("ada", ("admin",))
    assert check(admin) is admin
    nobody = StaffUser("nora", ())
    with pytest.raises(Forbidden) as refused:
        check(nobody)
    # The message names the user and the permission, as the 403 body shows them.
    assert "nora" in str(refused.value) and perm.value in str(refused.value)


def test_require_checks_the_permission_it_was_made_for() -> None:
    auditor = StaffUser("audrey", ("auditor",))
    assert require(Perm.AUDIT_READ)(auditor) is auditor
    with pytest.raises(Forbidden, match=r"task\.plan"):
        require(Perm.TASK_PLAN)(auditor)


@pytest.mark.parametrize("perm", list(Perm))
def test_permission_of_reads_back_what_require_checks(perm: Perm) -> None:
    assert require(perm).__name__ == f"require_{perm.name.lower()}"
    assert permission_of(require(perm)) is perm


def test_permission_of_other_dependencies_is_none() -> None:
    def get_thing() -> None:
        return None

    assert permission_of(get_thing) is None
    assert permission_of(object()) is None  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        permission_of(SimpleNamespace(__name__="require_no_such_thing"))  # type: ignore[arg-type]


@pytest.fixture
def logged_in(service: Lifecycle) -> Iterator[tuple[Lifecycle, str]]:  # noqa: F811 - fixture
    users.create_user(service, "rita", PASSWORD, ["reviewer"], NOW, actor="test")
    token, _, _ = users.login(service, "rita", PASSWORD, NOW)
    yield service, token


def test_the_session_user_is_the_token_owner_and_is_remembered(
    logged_in: tuple[Lifecycle, str],
) -> None:
    svc, token = logged_in
    req = request("POST")
    user = session_user(req, svc, NOW, bearer(token))
    assert (user.name, user.roles) == ("rita", ("reviewer",))
    assert req.state.user == user  # the audit trail and the error handler read it there
    cookie_req = request("GET", {"cookie": f"{COOKIE}={token}"})
    assert session_user(cookie_req, svc, NOW, None).name == "rita"


def test_the_session_user_needs_a_valid_token(logged_in: tuple[Lifecycle, str]) -> None:
    svc, token = logged_in
    with pytest.raises(AuthError):
        session_user(request("GET"), svc, NOW, bearer(token + "x"))
    with pytest.raises(AuthError, match="not logged in"):
        session_user(request("GET"), svc, NOW, None)
    cookie_post = request("POST", {"cookie": f"{COOKIE}={token}"})
    with pytest.raises(AuthError, match=CSRF_HEADER):
        session_user(cookie_post, svc, NOW, None)


def test_a_pending_password_change_blocks_everything_else() -> None:
    fresh = StaffUser("neo", ("admin",), must_change_password=True)
    with pytest.raises(PasswordChangeRequired) as pending:
        current_user(fresh)
    # The 403 names the user and the one route that is still open to them.
    message = str(pending.value)
    assert message.startswith("用户 neo 须先修改密码")
    assert "（POST /api/auth/password）" in message
    assert message.endswith("设置新密码，再进行其他操作")
    settled = StaffUser("neo", ("admin",))
    assert current_user(settled) is settled
