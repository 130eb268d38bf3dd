"""Publishing the witness policy: a signed ``witness-policy`` record from the settings.

The configured witnesses (``LOTTERY_WITNESSES``: name, URL, vkey), the quorum and the margin
become a ``witness-policy`` record (docs/records.md; the URLs stay private). Publishing is an
admin's act, audited (``witness.policy``); the same policy twice in a row is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from lottery.core.errors import EncodingError, InputError
from lottery.core.records import Record, open_record
from lottery.settings import Settings
from lottery.storage.models import User

from .audit_trail import record_audit
from .calendar import publish_record
from .lifecycle import Lifecycle
from .log import PublicLog, last_entry_of_type

KIND = "witness-policy"


def policy_fields(settings: Settings) -> dict[str, Any]:
    """The record's fields from the settings.

    Raises:
        InputError: when no witness is configured or the quorum is out of range.
    """
    if not settings.witnesses:
        raise InputError("没有配置见证方（LOTTERY_WITNESSES），无法发布见证方策略")
    n = len(settings.witnesses)
    if not 1 <= settings.quorum <= n:
        raise InputError(f"见证方法定数（LOTTERY_WITNESS_QUORUM）应在 1 至 {n} 之间")
    return {
        "witnesses": [{"name": w.name, "vkey": w.vkey} for w in settings.witnesses],
        "quorum": settings.quorum,
        "margin": settings.witness_margin,
    }


def latest_policy(session: Session, log: PublicLog) -> Record | None:
    """The latest published ``witness-policy`` record, opened, or None."""
    last = last_entry_of_type(session, KIND)
    if last is None:
        return None
    return open_record(last[1], log.office_keys, log=log.origin)


def publish_policy(
    lc: Lifecycle,
    settings: Settings,
    *,
    actor: str,
    now: datetime,
    remote_addr: str | None = None,
    require_admin: bool = True,
) -> Record:
    """Publish the configured policy as a signed record (and a new checkpoint).

    Raises:
        InputError: for a policy that is not valid or equals the latest published one, or an
            actor who is not an admin (``require_admin``).
    """
    fields = policy_fields(settings)
    with lc.session() as session, session.begin():
        if require_admin:
            user = session.get(User, actor)
            if user is None or "admin" not in (user.roles or []):
                raise InputError(f"只有管理员可以发布见证方策略（{actor} 不是管理员）")
        lc.log.lock(session)
        last = latest_policy(session, lc.log)
        if last is not None and {k: last.body[k] for k in fields} == fields:
            raise InputError("与现行见证方策略相同，无需重新发布")
        try:
            record = publish_record(lc.log, session, KIND, fields, now)
        except EncodingError as exc:
            raise InputError(f"见证方策略不合格式：{exc}") from exc
        detail = {
            "record": record.id,
            "witnesses": [w["name"] for w in fields["witnesses"]],
            "quorum": fields["quorum"],
            "margin": fields["margin"],
        }
        record_audit(session, now, actor, "witness.policy", "witness-policy", detail, remote_addr)
        lc.log.sign_checkpoint(session, now)
    return record
