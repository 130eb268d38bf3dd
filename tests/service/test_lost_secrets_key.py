"""docs/operations.md, "Incidents: lost secrets key", on SQLite and PostgreSQL: a damaged key
file stops the start with one line naming it; moved aside, the start is still refused (the
database holds sealed rows: a key is never made silently) until ``lottery secrets replace-lost
--i-understand`` makes a new ``secrets.key`` and records its check value (audited); new tasks
are announced, drawn and disclosed under it, and the old tasks' secrets are lost (the
lost-secret cancellation is then allowed)."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from sqlmodel import select

from lottery.cli import key_cmd
from lottery.core.errors import InputError
from lottery.service.lifecycle import SECRET_DOES_NOT_OPEN, Lifecycle
from lottery.service.lost_secrets import lost_secret_tasks
from lottery.service.secrets import SecretKeeper
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, SecretsKeyCheck
from tests import lifecycle as lc

OLD, NEW = "T2026-K01", "T2026-K02"


def _create(service: Lifecycle, task: str) -> None:
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")


def test_a_new_key_after_the_lost_one_is_moved_aside(
    service: Lifecycle, settings: Settings, run_cli
) -> None:
    _create(service, OLD)
    service.announce(OLD, lc.T_ANNOUNCE)
    service.draw(OLD, lc.beacon()[1], lc.T_DRAW)
    service.engine.dispose()
    keys = settings.data_dir / "keys"
    lost = (keys / "secrets.key").read_bytes()
    (keys / "secrets.key").unlink()  # the key is gone (no backup holds it) ...
    fd = os.open(keys / "secrets.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"\x00" * 65)  # ... and a damaged file is in its place
    os.close(fd)
    with pytest.raises(InputError, match=r"secrets\.key does not hold a hex key"):
        Lifecycle.open(settings)
    (keys / "secrets.key").rename(keys / "secrets.key.damaged")  # moved aside, never deleted
    # The database holds sealed rows: no new key without the operator's explicit command.
    with pytest.raises(InputError, match=r"缺少加密密钥文件 .*keys/secrets\.key.*replace-lost"):
        Lifecycle.open(settings)
    assert not (keys / "secrets.key").exists()
    code, _, err = run_cli(key_cmd, lc.T_DRAW, "secrets", "replace-lost")
    assert code != 0 and "--i-understand" in err and not (keys / "secrets.key").exists()
    code, out, err = run_cli(
        key_cmd, lc.T_DRAW, "secrets", "replace-lost", "--i-understand", "--actor", "director"
    )
    assert code == 0, err
    assert "2 sealed rows" in out  # the old task's secret and sealed outcome

    restarted = Lifecycle.open(settings)
    try:
        new = keys / "secrets.key"
        assert new.read_bytes() != lost
        with restarted.session() as session:
            check = session.get(SecretsKeyCheck, 1)
            assert check is not None
            assert check.check_value == SecretKeeper.from_file(new).check_value
            events = session.exec(
                select(AuditEvent).where(AuditEvent.action == "secrets-key.replace-lost")
            ).all()
            assert [(e.actor, e.detail) for e in events] == [("director", {"sealed_rows": 2})]
        assert stat.S_IMODE(new.stat().st_mode) == 0o600
        assert (keys / "secrets.key.damaged").read_bytes() == b"\x00" * 65
        # New tasks work under the new key, from the announcement to the disclosure.
        _create(restarted, NEW)
        restarted.announce(NEW, lc.T_ANNOUNCE + timedelta(minutes=1))
        restarted.draw(NEW, lc.beacon()[1], lc.T_DRAW)
        restarted.disclose(NEW, lc.T_REVEAL)
        assert restarted.get_task(NEW).state == "disclosed"
        # The old task's secret does not open: it is listed, and may be cancelled as lost.
        assert [(t.task, t.reason) for t in lost_secret_tasks(restarted)] == [
            (OLD, SECRET_DOES_NOT_OPEN)
        ]
        with restarted.session() as session:
            assert restarted.secret_lost(session, OLD) == SECRET_DOES_NOT_OPEN
        record = restarted.cancel(
            OLD, "密钥文件损坏，秘密值无法恢复", lc.T_REVEAL, actor="director", secret_lost=True
        )
        assert record.body["secret_lost"] is True and record.body["secret"] is None
        assert lost_secret_tasks(restarted) == []
    finally:
        restarted.engine.dispose()
