"""``lottery secrets rotate``: re-encrypt every sealed row under a new secrets key
(docs/secrets.md "Rotation", docs/operations.md).

The new key is written to ``keys/secrets-next.key``; one transaction opens every
``task_secret`` and ``sealed_outcome`` row with the old key, seals it again with the new one
(checking that it opens) and records the audit event; only after the commit is the old key
hard-linked into ``keys/archive/`` and the new one renamed over ``keys/secrets.key``. Until
then the old key stays in force. A crash leaves ``secrets-next.key`` behind, and
:func:`settle_secrets_key` (run at every start) decides from the rows which key they open with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lottery.core.errors import InputError
from lottery.storage.engine import new_session
from lottery.storage.key_archive import archive_and_switch_files
from lottery.storage.models import SealedOutcome, TaskSecret

from .audit_trail import record_audit
from .secrets import (
    KEY_FILE,
    NEXT_KEY_FILE,
    SecretKeeper,
    SecretStoreError,
    create_key_file,
)
from .secrets_check_row import set_check, stored_check

_PURPOSES: tuple[tuple[Any, str], ...] = (
    (TaskSecret, "office-secret"),
    (SealedOutcome, "outcome"),
)


@dataclass(frozen=True)
class SecretsRotation:
    """What a rotation re-encrypted."""

    secrets: int
    outcomes: int


def _keys_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "keys"


def _switch(keys_dir: Path) -> None:
    """Archive the current key (hard link) and rename the next key over it; idempotent."""
    key, pending = Path(KEY_FILE), Path(NEXT_KEY_FILE)
    archive_and_switch_files(keys_dir, key.stem, pending.stem, (key.suffix,))


SAMPLE_ROWS = 8
"""Rows of each sealed table asked which key a database without a check value belongs to."""


def sealed_row_sample(
    session: Session, per_table: int = SAMPLE_ROWS
) -> list[tuple[str, str, bytes]]:
    """(purpose, task, ciphertext) of up to ``per_table`` rows of each sealed table: the rows
    that decide which key a database without a key check value belongs to (a key that opens
    one of them), at a start and when a rotation is settled alike."""
    found = []
    for model, purpose in _PURPOSES:
        rows = session.exec(select(model).order_by(col(model.task)).limit(per_table))
        found += [(purpose, row.task, row.ciphertext) for row in rows]
    return found


def _reseal(new: SecretKeeper, purpose: str, task: str, plain: bytes) -> bytes:
    sealed = new.seal(purpose, task, plain)
    if new.open(purpose, task, sealed) != plain:  # pragma: no cover - a broken library
        raise SecretStoreError(f"re-sealing the {purpose} of task {task} failed")
    return sealed


def settle_secrets_key(engine: Engine, data_dir: Path) -> str | None:
    """Finish or undo a rotation a crash interrupted: what was done (None: nothing pending).

    The database's key check value decides (written in the rotation's transaction): when it is
    the pending key's the switch is finished, otherwise the pending key is removed. A database
    without one (written before it existed) is decided by its rows the same way: the switch is
    finished when the pending key opens one row of :func:`sealed_row_sample` (the rows a start
    asks), so one damaged row cannot make the key that opens the others be removed.
    """
    keys_dir = _keys_dir(data_dir)
    pending = keys_dir / NEXT_KEY_FILE
    if not pending.exists():
        return None
    with new_session(engine) as session:
        sample = sealed_row_sample(session)
        check = stored_check(session)
    keeper = SecretKeeper.from_file(pending)
    if keeper.check_value == check or (check is None and any(keeper.opens(*row) for row in sample)):
        _switch(keys_dir)
        return "finished"
    pending.unlink()
    return "undone"


def rotate_secrets_key(
    engine: Engine, data_dir: Path, now: datetime, *, actor: str
) -> SecretsRotation:
    """Re-encrypt every sealed row under a new key (module docstring). Run it with the service
    stopped: a process still holding the old key refuses to seal or open afterwards.

    Raises:
        InputError: when the current key file is missing or unreadable.
        SecretStoreError: when a row does not open with the current key (nothing changes).
    """
    keys_dir = _keys_dir(data_dir)
    settle_secrets_key(engine, data_dir)
    if not (keys_dir / KEY_FILE).is_file():
        raise InputError(f"no secrets key file {keys_dir / KEY_FILE}: nothing to rotate")
    old = SecretKeeper.from_data_dir(data_dir)
    create_key_file(keys_dir / NEXT_KEY_FILE)
    new = SecretKeeper.from_file(keys_dir / NEXT_KEY_FILE)
    counts: dict[str, int] = {}
    committing = False
    try:
        with new_session(engine) as session:
            session.begin()
            for model, purpose in _PURPOSES:
                rows = session.exec(select(model).order_by(col(model.task)).with_for_update()).all()
                for row in rows:
                    plain = old.open(purpose, row.task, row.ciphertext)
                    row.ciphertext = _reseal(new, purpose, row.task, plain)
                    session.add(row)
                counts[purpose] = len(rows)
            set_check(session, new.check_value, now)
            session.flush()
            record_audit(
                session,
                now,
                actor,
                "secrets-key.rotate",
                f"keys/{KEY_FILE}",
                {"secrets": counts["office-secret"], "outcomes": counts["outcome"]},
            )
            committing = True
            session.commit()
    except BaseException:
        if not committing:
            (keys_dir / NEXT_KEY_FILE).unlink(missing_ok=True)  # the old key stays in force
        raise
    _switch(keys_dir)
    return SecretsRotation(counts["office-secret"], counts["outcome"])
