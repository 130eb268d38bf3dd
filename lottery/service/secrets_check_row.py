"""The ``secrets_key_check`` row: the check value of the secrets key the sealed rows belong to
(:mod:`.secrets_check`; written by :mod:`.secrets_rotation` in the rotation's transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from lottery.storage.models import SecretsKeyCheck


def stored_check(session: Session) -> str | None:
    """The check value the database holds (None: none recorded yet)."""
    row = session.get(SecretsKeyCheck, 1)
    return None if row is None else row.check_value


def set_check(session: Session, value: str, now: datetime) -> None:
    """Record ``value`` as the check value of the key in force (in the caller's transaction)."""
    row = session.get(SecretsKeyCheck, 1)
    if row is None:
        row = SecretsKeyCheck(id=1, check_value=value, updated_at=now)
    else:
        row.check_value, row.updated_at = value, now
    session.add(row)
