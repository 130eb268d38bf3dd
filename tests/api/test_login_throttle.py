"""Login throttling (issue #23, defect 3): per account and per address, held in the database.

Every test runs on SQLite and on PostgreSQL (``app_client`` is parametrized over both). Time
moves only through the app's injected clock; nothing sleeps. The thresholds and delays asserted
here are the ones docs/service.md ("Authentication") promises: 5 failures per account, 20 per
address, then 1 minute, doubling, at most 15 minutes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import select

from lottery.api import create_app
from lottery.service import login_throttle, users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings
from lottery.storage.models import AuditEvent
from tests.api.conftest import OFFLINE_RELAY, PASSWORD, Clock

WRONG = "definitely-not-it-42"  # a test-only wrong password
ACCOUNT_FREE = 5
ADDRESS_FREE = 20


@pytest.fixture(autouse=True)
def no_tarpit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusals are answered at once here (the pause has its own test below)."""
    monkeypatch.setattr(login_throttle, "TARPIT_SECONDS", 0.0)


def _login(client: TestClient, name: str, password: str) -> tuple[int, dict[str, str], str]:
    r = client.post("/api/auth/login", json={"name": name, "password": password})
    client.cookies.clear()
    return r.status_code, dict(r.headers), r.json().get("detail", "")


def _fail(client: TestClient, name: str, times: int) -> None:
    for i in range(times):
        status, _, _ = _login(client, name, WRONG)
        assert status == 401, f"attempt {i + 1} for {name}: {status}"


@pytest.fixture
def hash_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every password verification the service performs (the real argon2 still runs)."""
    calls: list[str] = []
    real = users._verify

    def spy(stored: str | None, password: str) -> bool:
        calls.append(password)
        return real(stored, password)

    monkeypatch.setattr(users, "_verify", spy)
    return calls


def _events(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_account_locks_after_failures_even_for_the_right_password(
    app_client: TestClient, service: Lifecycle, clock: Clock, hash_calls: list[str]
) -> None:
    _fail(app_client, "planner", ACCOUNT_FREE)
    hashed = len(hash_calls)
    status, headers, detail = _login(app_client, "planner", PASSWORD)
    assert status == 429
    assert headers["retry-after"] == "60"
    assert "登录失败次数过多" in detail and "该账号" in detail
    assert len(hash_calls) == hashed, "a locked caller was refused only after hashing"
    # Other accounts from the same address are not locked by one account's failures.
    assert _login(app_client, "auditor", PASSWORD)[0] == 200
    # The lock ends after its time, and then the right password works at once.
    clock.now += timedelta(seconds=59)
    assert _login(app_client, "planner", PASSWORD)[0] == 429
    clock.now += timedelta(seconds=1)
    assert _login(app_client, "planner", PASSWORD)[0] == 200
    (lockout,) = _events(service, "auth.lockout")
    assert (lockout.actor, lockout.object) == ("planner", "account:planner")
    assert lockout.detail["scope"] == "account" and lockout.detail["seconds"] == 60
    assert lockout.detail["failures"] == ACCOUNT_FREE


def test_delays_grow_and_are_capped(app_client: TestClient, clock: Clock) -> None:
    _fail(app_client, "reviewer", ACCOUNT_FREE)
    for expected in (120, 240, 480, 900, 900):  # each further failure after the lock ends
        _, headers, _ = _login(app_client, "reviewer", PASSWORD)
        lock = int(headers["retry-after"])
        clock.now += timedelta(seconds=lock)
        _fail(app_client, "reviewer", 1)
        status, headers, _ = _login(app_client, "reviewer", PASSWORD)
        assert (status, headers["retry-after"]) == (429, str(expected))
    # An hour without failures after the lock ends: the count starts again from zero.
    clock.now += timedelta(seconds=900) + login_throttle.FORGET_AFTER
    _fail(app_client, "reviewer", ACCOUNT_FREE - 1)
    assert _login(app_client, "reviewer", PASSWORD)[0] == 200


def test_unknown_and_known_accounts_lock_alike(app_client: TestClient) -> None:
    _fail(app_client, "planner", ACCOUNT_FREE)
    _fail(app_client, "nobody-here", ACCOUNT_FREE)
    known = _login(app_client, "planner", WRONG)
    unknown = _login(app_client, "nobody-here", WRONG)
    assert known[0] == unknown[0] == 429
    assert known[1]["retry-after"] == unknown[1]["retry-after"]
    assert known[2] == unknown[2]


def test_success_clears_the_account_count(app_client: TestClient) -> None:
    _fail(app_client, "inspector", ACCOUNT_FREE - 1)
    assert _login(app_client, "inspector", PASSWORD)[0] == 200
    _fail(app_client, "inspector", ACCOUNT_FREE - 1)  # would lock had the count stayed
    assert _login(app_client, "inspector", PASSWORD)[0] == 200


def test_an_address_locks_across_accounts(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    attacker = TestClient(app_client.app, client=("203.0.113.7", 40000))
    staff = TestClient(app_client.app, client=("198.51.100.20", 40001))
    for i in range(ADDRESS_FREE):  # one guess per name: no account reaches its own limit
        status, _, _ = _login(attacker, f"guess-{i}", WRONG)
        assert status == 401, i
    status, headers, detail = _login(attacker, "admin", PASSWORD)
    assert status == 429 and headers["retry-after"] == "60"
    assert "您的网络地址" in detail
    assert _login(staff, "admin", PASSWORD)[0] == 200  # another address is unaffected
    # Now that this instance has read the lock, it refuses the address without any query.
    statements: list[str] = []

    def record(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        statements.append(sql)

    event.listen(service.engine, "before_cursor_execute", record)
    try:
        status, headers, _ = _login(attacker, "guess-0", PASSWORD)
    finally:
        event.remove(service.engine, "before_cursor_execute", record)
    assert status == 429 and headers["retry-after"] == "60"
    assert statements == []
    lockouts = _events(service, "auth.lockout")
    assert [(e.object, e.remote_addr) for e in lockouts] == [("address:203.0.113.7", "203.0.113.7")]
    assert lockouts[0].detail["failures"] == ADDRESS_FREE
    # A successful login from the address does not clear the address's count.
    clock.now += timedelta(seconds=60)
    assert _login(attacker, "admin", PASSWORD)[0] == 200
    _fail(attacker, "guess-x", 1)
    _, headers, _ = _login(attacker, "admin", PASSWORD)
    assert headers["retry-after"] == "120"


def test_ipv6_callers_count_by_their_64_network() -> None:
    a = login_throttle.address_key("2001:db8:1:2::1")
    b = login_throttle.address_key("2001:db8:1:2:ffff::9")
    c = login_throttle.address_key("2001:db8:1:3::1")
    assert a == b == "address:2001:db8:1:2::/64" and a != c
    assert login_throttle.address_key("::ffff:192.0.2.1") == "address:192.0.2.1"
    assert login_throttle.address_key(None) is None


@pytest.fixture
def second_app(settings: Settings, app_client: TestClient, clock: Clock) -> Iterator[TestClient]:
    """A second instance: its own service (engine, connections) on the same database."""
    other = Lifecycle.open(settings)
    offline = settings.model_copy(update={"drand_relays": [OFFLINE_RELAY]})
    yield TestClient(create_app(offline, service=other, clock=clock))
    other.engine.dispose()


def test_two_instances_share_the_throttle(
    app_client: TestClient, second_app: TestClient, service: Lifecycle
) -> None:
    assert app_client.app is not second_app.app
    _fail(app_client, "planner", 3)
    _fail(second_app, "planner", ACCOUNT_FREE - 3)
    assert _login(app_client, "planner", PASSWORD)[0] == 429
    assert _login(second_app, "planner", PASSWORD)[0] == 429
    assert len(_events(service, "auth.lockout")) == 1


def test_a_caller_without_a_free_hashing_slot_is_refused_before_hashing(
    app_client: TestClient, hash_calls: list[str]
) -> None:
    held = threading.Event()
    release = threading.Event()

    def hold_every_slot() -> None:
        with _all_slots():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_every_slot)
    holder.start()
    try:
        assert held.wait(10)
        status, headers, detail = _login(app_client, "planner", PASSWORD)
    finally:
        release.set()
        holder.join()
    assert status == 429
    assert headers["retry-after"] == str(login_throttle.BUSY_RETRY_AFTER)
    assert "服务器正忙" in detail
    assert hash_calls == []
    assert _login(app_client, "planner", PASSWORD)[0] == 200  # the slots are back


@contextmanager
def _all_slots() -> Iterator[None]:
    """Hold every hashing slot of the process."""
    for held in range(login_throttle.HASH_CONCURRENCY):
        assert login_throttle._SLOTS.acquire(timeout=5), f"slot {held} stayed busy"
    try:
        yield
    finally:
        for _ in range(login_throttle.HASH_CONCURRENCY):
            login_throttle._SLOTS.release()


def test_refusals_are_answered_after_a_pause(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(login_throttle, "TARPIT_SECONDS", 0.3)
    _fail(app_client, "auditor", ACCOUNT_FREE)
    for _ in range(2):  # refused by the database check, then by the same check again
        t0 = time.monotonic()
        assert _login(app_client, "auditor", PASSWORD)[0] == 429
        assert time.monotonic() - t0 >= 0.3
