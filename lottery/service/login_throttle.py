"""Login throttling kept in the database, and a bound on concurrent password hashing.

Every failed password check (a login, or a wrong old password when changing one) counts
against two keys: the account name (``account:<name>``, whether or not the account exists) and
the caller's address (``address:<ip>``; an IPv6 caller counts by its /64 network, since one
host usually holds a whole /64). Once a key has :attr:`Rule.free` failures, each further failure
locks it for a delay that doubles from :attr:`Rule.base` up to :attr:`Rule.cap`. While a key is
locked, attempts are refused with :class:`Throttled` (HTTP 429, ``Retry-After``) *before* any
password is hashed, and even the right password is refused. A key's count is forgotten
:data:`FORGET_AFTER` after its last failure; a successful login or an admin's password reset
clears the account's count, never the address's (else one valid account would let an address
guess the others' passwords without end). Each lock that starts is an ``auth.lockout`` audit
event; the refused attempts during a lock are not audited, so a flood cannot fill the trail.

The counts live in ``login_throttle`` rows, read and written in the caller's transaction: all
instances on one PostgreSQL database share them. Rows are updated under a row lock (SQLite:
the writer lock every transaction takes), account before address, so concurrent failures do
not lose counts.

Hashing: argon2id costs ~0.2 s of CPU and 64 MiB per check. :func:`hashing_slot` lets at most
:data:`HASH_CONCURRENCY` checks run at once in a process and refuses (429) a caller that cannot
get a slot within :data:`HASH_WAIT_SECONDS`, so anonymous callers cannot take every core from
staff requests. The order of a login is: an address lock this process has already read is
refused from memory (:func:`check_known_address_lock`); then the slot; then the database check
(:func:`check`); then the hash. So neither a locked flood nor one refused for lack of a slot
costs a database transaction, which on SQLite would contend with staff requests for the lock.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from lottery.core.errors import LotteryError
from lottery.core.net_addresses import client_block
from lottery.storage.models import LoginThrottle

from .audit_trail import record_audit

FORGET_AFTER = timedelta(hours=1)
# Half the cores (at least one): argon2 runs in C without the GIL, so the other half stays free
# for staff requests.
HASH_CONCURRENCY = max(1, (os.cpu_count() or 2) // 2)
HASH_WAIT_SECONDS = 1.0
HASH_NICE = 19  # the lowest CPU priority, for the hashing threads only
SLOT_POLL_SECONDS = 0.025
# A refused login is answered only after this pause (without holding a thread): a flooder that
# waits for each answer then sends a few requests a second instead of hundreds.
TARPIT_SECONDS = 1.0
BUSY_RETRY_AFTER = 2  # seconds suggested to a caller refused for lack of a hashing slot


@dataclass(frozen=True)
class Rule:
    """How many failures a key may have before it locks, and for how long it then locks."""

    scope: str  # "account" or "address"
    free: int
    base: timedelta
    cap: timedelta

    def lock_for(self, failures: int) -> timedelta | None:
        """The lock after the ``failures``-th failure (None: no lock yet)."""
        if failures < self.free:
            return None
        doublings = min(failures - self.free, 16)  # 2**16 minutes is far past any cap
        delay: timedelta = self.base * (1 << doublings)
        return min(self.cap, delay)


ACCOUNT = Rule("account", free=5, base=timedelta(minutes=1), cap=timedelta(minutes=15))
# Looser per address: several staff of one office may share an address (NAT).
ADDRESS = Rule("address", free=20, base=timedelta(minutes=1), cap=timedelta(minutes=15))

_SCOPE_ZH = {"account": "该账号", "address": "您的网络地址"}
MAX_KNOWN_LOCKS = 10_000
# Address locks this process has read, per database (engine): see check_known_address_lock.
_ADDRESS_LOCKS: weakref.WeakKeyDictionary[object, dict[str, datetime]] = weakref.WeakKeyDictionary()
_ADDRESS_LOCKS_GUARD = threading.Lock()


class Throttled(LotteryError):
    """Too many failed logins, or too many at once (HTTP 429 with ``Retry-After``)."""

    def __init__(self, message: str, retry_after: int, reason: str = "locked") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reason = reason  # "locked", or "busy": no hashing slot (the login metrics)


def address_key(remote_addr: str | None) -> str | None:
    """The throttle key of a client address (IPv6: its /64; :func:`client_block`), or None
    without an address."""
    if not remote_addr:
        return None
    block = client_block(remote_addr)
    if block is None:
        return f"address:{remote_addr[:180]}"  # e.g. a test client's name: still per caller
    return f"address:{block}"


def _keys(name: str, remote_addr: str | None) -> list[tuple[Rule, str]]:
    keys = [(ACCOUNT, f"account:{name[:150]}")]
    address = address_key(remote_addr)
    if address is not None:
        keys.append((ADDRESS, address))
    return keys


def check(session: Session, now: datetime, name: str, remote_addr: str | None) -> None:
    """Refuse the attempt if the account or the address is locked.

    Raises:
        Throttled: naming what is locked, with the seconds until the later lock ends.
    """
    keys = {key: rule for rule, key in _keys(name, remote_addr)}
    rows = session.exec(
        select(LoginThrottle)
        .where(col(LoginThrottle.key).in_(list(keys)))
        .execution_options(populate_existing=True)
    ).all()
    locked = [(r.key, r.locked_until) for r in rows if r.locked_until and r.locked_until > now]
    if not locked:
        return
    known = _address_locks(session.get_bind())
    with _ADDRESS_LOCKS_GUARD:
        for key, until in locked:
            if keys[key] is ADDRESS:
                known[key] = until
    _refuse(now, [(keys[key].scope, until) for key, until in locked])


def check_known_address_lock(engine: object, now: datetime, remote_addr: str | None) -> None:
    """Refuse, without a database query, an address this process has already seen locked.

    Only address locks are remembered: nothing ends them early (an admin's reset ends an
    account's lock, and another instance's cache would not hear of it).

    Raises:
        Throttled: when the address is locked.
    """
    key = address_key(remote_addr)
    if key is None:
        return
    known = _address_locks(engine)
    with _ADDRESS_LOCKS_GUARD:
        until = known.get(key)
        if until is not None and until <= now:
            del known[key]
            return
    if until is not None:
        _refuse(now, [(ADDRESS.scope, until)])


def _address_locks(engine: object) -> dict[str, datetime]:
    """This process's known address locks for the database of ``engine``."""
    with _ADDRESS_LOCKS_GUARD:
        known = _ADDRESS_LOCKS.get(engine)
        if known is None:
            known = _ADDRESS_LOCKS[engine] = {}
        if len(known) > MAX_KNOWN_LOCKS:  # a cache only: forgetting costs a query, no more
            known.clear()
        return known


def _refuse(now: datetime, locked: list[tuple[str, datetime]]) -> None:
    until = max(u for _, u in locked)
    seconds = max(1, math.ceil((until - now).total_seconds()))
    scopes = "和".join(_SCOPE_ZH[scope] for scope in sorted({scope for scope, _ in locked}))
    raise Throttled(
        f"登录失败次数过多，{scopes}已被暂时锁定，请在 {_human(seconds)}后再试", seconds
    )


def _human(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} 秒"
    return f"{math.ceil(seconds / 60)} 分钟"


def _locked_row(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The row of ``key`` (created if missing), locked for update until the commit."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.exec(
        insert(LoginThrottle)
        .values(key=key, failures=0, last_failure=now, locked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return session.exec(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def record_failure(
    session: Session, now: datetime, name: str, remote_addr: str | None
) -> list[str]:
    """Count a failed password check against the account and the address; lock and audit.

    Returns the keys that this failure locked.
    """
    locked: list[str] = []
    for rule, key in _keys(name, remote_addr):
        row = _locked_row(session, key, now)
        lock_over = row.locked_until is None or row.locked_until <= now
        if row.failures and lock_over and now - row.last_failure >= FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure = now
        delay = rule.lock_for(row.failures)
        if delay is not None:
            row.locked_until = now + delay
            locked.append(key)
            detail = {
                "scope": rule.scope,
                "failures": row.failures,
                "seconds": int(delay.total_seconds()),
                "until": row.locked_until.isoformat(),
            }
            record_audit(session, now, name[:100], "auth.lockout", key, detail, remote_addr)
        session.add(row)
    # Forget stale rows here, where a flood of made-up names would create them.
    session.exec(
        delete(LoginThrottle)
        .where(col(LoginThrottle.last_failure) < now - FORGET_AFTER - ACCOUNT.cap)
        .where(col(LoginThrottle.locked_until).is_(None) | (col(LoginThrottle.locked_until) <= now))
    )
    return locked


def clear_account(session: Session, name: str) -> None:
    """Forget the account's failures (a successful login, or an admin's reset)."""
    session.exec(delete(LoginThrottle).where(col(LoginThrottle.key) == f"account:{name[:150]}"))


_SLOTS = threading.BoundedSemaphore(HASH_CONCURRENCY)
T = TypeVar("T")


def at_low_priority(work: Callable[[], T]) -> T:
    """Run ``work`` (a password hash) in a short-lived thread at the lowest CPU priority.

    Linux gives each thread its own nice value: staff requests, at normal priority, take the
    CPU from a hash whenever they need it, and hashes use the time left. A fresh thread per
    call (~0.1 ms against ~200 ms of hashing) leaves no thread behind (lottery.runtime.forking
    forks only from single-threaded processes). Where the priority cannot be lowered, the
    work runs at normal priority.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        with suppress(OSError, AttributeError):  # AttributeError: no setpriority (not Unix)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICE)
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="login-hash", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _busy() -> Throttled:
    return Throttled("登录请求过多，服务器正忙，请稍后再试", BUSY_RETRY_AFTER, "busy")


@contextmanager
def hashing_slot(wait: float = HASH_WAIT_SECONDS, *, held: bool = False) -> Iterator[None]:
    """Hold one of the process's password-hashing slots (``held``: the caller holds one).

    Raises:
        Throttled: when no slot frees up within ``wait`` seconds.
    """
    if held:
        yield
        return
    if not _SLOTS.acquire(timeout=wait):
        raise _busy()
    try:
        yield
    finally:
        _SLOTS.release()


@asynccontextmanager
async def hashing_slot_async(wait: float = HASH_WAIT_SECONDS) -> AsyncIterator[None]:
    """:func:`hashing_slot` for the event loop: waiting holds no thread of the pool.

    It polls (every :data:`SLOT_POLL_SECONDS`) rather than using an asyncio semaphore, which
    would bound each event loop apart instead of the whole process.

    Raises:
        Throttled: when no slot frees up within ``wait`` seconds.
    """
    deadline = time.monotonic() + wait
    while not _SLOTS.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise _busy()
        await asyncio.sleep(SLOT_POLL_SECONDS)
    try:
        yield
    finally:
        _SLOTS.release()
