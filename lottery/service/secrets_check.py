"""Which secrets key the database belongs to: the key check value (docs/secrets.md, "Key
check value").

The database holds HMAC-SHA256(key, "lottery secrets key check v1") of the secrets key its
sealed rows are sealed under (table ``secrets_key_check``; never the key). At every start
:func:`open_secrets_keeper` compares it with ``keys/secrets.key`` and refuses another key; a
missing key file is made only for a database that holds no sealed row and no check value (a
new office). Otherwise the key must be restored, or, when it is really lost, replaced on
purpose with ``lottery secrets replace-lost --i-understand`` (:func:`replace_lost_key`,
audited), which records the new key's check value. A database from before the check value
gets the key file's only when that key opens one of its rows; a key file made here that loses
the race to another instance's check value is removed again.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from lottery.core.errors import InputError
from lottery.storage.durable import fsync_dir
from lottery.storage.engine import new_session
from lottery.storage.models import SealedOutcome, TaskSecret

from .audit_trail import record_audit
from .secrets import KEY_FILE, SecretKeeper, archived_key_files, create_key_file
from .secrets_check_row import set_check, stored_check
from .secrets_rotation import SAMPLE_ROWS, sealed_row_sample, settle_secrets_key

REPLACE_LOST = "lottery secrets replace-lost --i-understand"


def sealed_rows(session: Session) -> int:
    """How many ``task_secret`` and ``sealed_outcome`` rows the database holds."""
    secrets = session.exec(select(func.count()).select_from(TaskSecret)).one()
    outcomes = session.exec(select(func.count()).select_from(SealedOutcome)).one()
    return int(secrets) + int(outcomes)


def archived_match(keys_dir: Path, check: str | None) -> Path | None:
    """The archived key file (``keys/archive/secrets-<n>.key``) whose check value is
    ``check``, if any."""
    if check is None:
        return None
    for path in archived_key_files(keys_dir):
        try:
            if SecretKeeper.from_file(path).check_value == check:
                return path
        except InputError:
            continue
    return None


def _mismatch(path: Path, archived: Path | None) -> InputError:
    if archived is not None:
        return InputError(
            f"加密密钥文件 {path} 与数据库记录的密钥校验值不符：数据库中的保密数据属于已存档的 "
            f"{archived}（数据库恢复自 lottery secrets rotate 之前的备份）。请停止服务，把 {path} "
            f"移到别处保存（不要删除），再用 cp -p {archived} {path} 放回该密钥，然后重新启动"
            "（docs/operations.md“Incidents: lost secrets key”）"
        )
    return InputError(
        f"加密密钥文件 {path} 与数据库记录的密钥校验值不符（它不是加密该数据库保密数据的密钥）："
        "请恢复与该数据库配套的 secrets.key 备份；确认原密钥已遗失时，把该文件移到别处保存"
        f"（不要删除），再运行 {REPLACE_LOST}（docs/operations.md“Incidents: lost secrets key”）"
    )


def _opens_none(path: Path, tried: int) -> InputError:
    return InputError(
        f"加密密钥文件 {path} 解不开数据库中的保密数据（试了 {tried} 条，一条也解不开；数据库"
        "还没有记录密钥校验值）：它不是加密该数据库保密数据的密钥，未作任何记录。请恢复与该数据库"
        f"配套的 secrets.key 备份；确认原密钥已遗失时，把该文件移到别处保存（不要删除），再运行 "
        f"{REPLACE_LOST}（docs/operations.md“Incidents: lost secrets key”）"
    )


def _lost_race(path: Path) -> InputError:
    return InputError(
        f"另一个实例（另一个数据目录）同时启动，它的加密密钥已先记录在这个数据库中：本次新建的 "
        f"{path} 没有用过，已删除。请从创建该密钥的实例复制 keys/secrets.key（cp -p，mode 0600）"
        f"到 {path}，再重新启动；不要运行 replace-lost"
    )


def _check_old_rows(engine: Engine, keeper: SecretKeeper, path: Path) -> None:
    """A database from before the check value: its key is the one that opens its rows. Refuse
    when the key file opens none of a sample (naming the archived key that does, if any)."""
    with new_session(engine) as session:
        sample = sealed_row_sample(session, SAMPLE_ROWS)
    if not sample or any(keeper.opens(*row) for row in sample):
        return
    for row in sample:
        archived = keeper.archived_opening(*row)
        if archived is not None:
            raise _mismatch(path, archived)
    raise _opens_none(path, len(sample))


def open_secrets_keeper(engine: Engine, data_dir: Path, now: datetime) -> SecretKeeper:
    """The secrets key of ``data_dir``, checked against the database (module docstring).

    Raises:
        InputError: one line naming ``keys/secrets.key`` and what to do, when the file is
            missing while the database holds sealed rows or a check value, does not match the
            stored check value, opens none of the rows of a database without one, or is
            unreadable or malformed. A key file this call made and that lost the race to
            another instance's is removed again.
    """
    path = Path(data_dir) / "keys" / KEY_FILE
    with new_session(engine) as session:
        stored = stored_check(session)
        rows = sealed_rows(session)
    made = False
    if not os.path.lexists(path):
        if stored is not None or rows:
            archived = archived_match(path.parent, stored)
            hint = (
                f"数据库中的保密数据属于已存档的 {archived}：用 cp -p {archived} {path} 放回"
                if archived is not None
                else f"请从单独的备份中恢复该文件（mode 0600）；确认它已遗失时，运行 {REPLACE_LOST}"
            )
            held = f"已有 {rows} 条用它加密的保密数据" if rows else "记录了它的密钥校验值"
            raise InputError(
                f"缺少加密密钥文件 {path}，而数据库中{held}：{hint}"
                "（docs/operations.md“Incidents: lost secrets key”）"
            )
        made = create_key_file(path)
    keeper = SecretKeeper.from_data_dir(data_dir)
    if stored is None:
        if rows:  # a database from before the check value: ask its rows (records nothing)
            _check_old_rows(engine, keeper, path)
        try:
            with new_session(engine) as session, session.begin():
                if stored_check(session) is None:
                    set_check(session, keeper.check_value, now)
        except IntegrityError:  # another process recorded it first: compare with that
            pass
        with new_session(engine) as session:
            stored = stored_check(session)
    if stored != keeper.check_value:
        if made and keeper.is_file_read():
            path.unlink()  # never used: this call made it and another instance's key won
            fsync_dir(path.parent)
            raise _lost_race(path)
        raise _mismatch(path, archived_match(path.parent, stored))
    return keeper


def replace_lost_key(engine: Engine, data_dir: Path, now: datetime, *, actor: str) -> int:
    """Make a new ``keys/secrets.key`` after the old one was lost and moved aside, and record
    its check value (audited ``secrets-key.replace-lost``): how many sealed rows the database
    holds (they will not open again; docs/operations.md "Incidents: lost secrets key").

    Raises:
        InputError: when ``keys/secrets.key`` is still there (move it aside first), or the
            database's rows belong to an archived key (put that back: nothing is lost).
    """
    settle_secrets_key(engine, data_dir)
    path = Path(data_dir) / "keys" / KEY_FILE
    if os.path.lexists(path):
        raise InputError(
            f"{path} 仍然存在：确认它已损坏或不属于该数据库后，先把它移到别处保存"
            f"（mv {path} {path}.damaged，不要删除），再运行 {REPLACE_LOST}"
        )
    with new_session(engine) as session:
        stored = stored_check(session)
    archived = archived_match(path.parent, stored)
    if archived is not None:
        raise InputError(
            f"数据库中的保密数据属于已存档的 {archived}，密钥没有遗失："
            f"用 cp -p {archived} {path} 放回，不要更换"
        )
    create_key_file(path)
    keeper = SecretKeeper.from_file(path)
    try:
        with new_session(engine) as session, session.begin():
            rows = sealed_rows(session)
            set_check(session, keeper.check_value, now)
            record_audit(
                session,
                now,
                actor,
                "secrets-key.replace-lost",
                f"keys/{KEY_FILE}",
                {"sealed_rows": rows},
            )
    except BaseException:
        path.unlink(missing_ok=True)  # never used: the next attempt makes another
        raise
    return rows
