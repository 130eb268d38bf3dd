"""Changing a user's roles: audited with before and after; never leaves the office without an
active admin. Passwords here are TEST-ONLY values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from lottery.core.errors import InputError
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent, User

NOW = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)
PASSWORD = "test-only-password"  # noqa: S105 - test-only


def _roles(service: Lifecycle, name: str) -> list[str]:
    with service.session() as session:
        user = session.get(User, name)
        assert user is not None
        return list(user.roles)


def test_roles_are_replaced_and_audited(service: Lifecycle) -> None:
    users.create_user(service, "chen", PASSWORD, ["inspector"], NOW, actor="t")
    assert users.set_roles(service, "chen", ["reviewer", "inspector"], NOW, actor="root") == [
        "inspector",
        "reviewer",
    ]
    assert _roles(service, "chen") == ["inspector", "reviewer"]
    with service.session() as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "user.roles"))
    assert (event.actor, event.object) == ("root", "chen")
    assert event.detail == {"before": ["inspector"], "after": ["inspector", "reviewer"]}
    # The same roles again change nothing and record nothing.
    users.set_roles(service, "chen", ["reviewer", "inspector"], NOW, actor="root")
    with service.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "user.roles"))
        assert len(list(events)) == 1


def test_bad_roles_and_unknown_users_are_refused(service: Lifecycle) -> None:
    users.create_user(service, "chen", PASSWORD, ["inspector"], NOW, actor="t")
    with pytest.raises(InputError, match="at least one role"):
        users.set_roles(service, "chen", [], NOW, actor="root")
    with pytest.raises(InputError, match="unknown role"):
        users.set_roles(service, "chen", ["boss"], NOW, actor="root")
    with pytest.raises(InputError, match="no user"):
        users.set_roles(service, "nobody", ["inspector"], NOW, actor="root")
    assert _roles(service, "chen") == ["inspector"]


def test_the_last_active_admin_keeps_the_admin_role(service: Lifecycle) -> None:
    users.create_user(service, "root", PASSWORD, ["admin"], NOW, actor="t")
    users.create_user(service, "wang", PASSWORD, ["admin", "planner"], NOW, actor="t")
    users.set_active(service, "wang", False, NOW, actor="root")
    with pytest.raises(users.LastAdmin, match="last active admin"):
        users.set_roles(service, "root", ["planner"], NOW, actor="root")
    assert _roles(service, "root") == ["admin"]
    # A disabled admin's role can go (it leaves the active admins as they were) ...
    users.set_roles(service, "wang", ["planner"], NOW, actor="root")
    # ... and with a second active admin, the first may step down.
    users.create_user(service, "li", PASSWORD, ["admin"], NOW, actor="t")
    users.set_roles(service, "root", ["planner"], NOW, actor="root")
    assert _roles(service, "root") == ["planner"]


def test_the_last_active_admin_cannot_be_disabled(service: Lifecycle) -> None:
    users.create_user(service, "root", PASSWORD, ["admin"], NOW, actor="t")
    users.create_user(service, "wang", PASSWORD, ["admin"], NOW, actor="t")
    users.set_active(service, "wang", False, NOW, actor="root")  # root is still an admin
    with pytest.raises(users.LastAdmin):
        users.set_active(service, "root", False, NOW, actor="wang")
    assert [u.name for u in users.list_users(service) if u.active] == ["root"]
    users.set_active(service, "wang", True, NOW, actor="root")
    users.set_active(service, "root", False, NOW, actor="wang")  # wang is an admin again
    users.set_active(service, "root", False, NOW, actor="wang")  # already disabled: no refusal
