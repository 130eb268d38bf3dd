"""The pusher: the service sends each new checkpoint to real witness servers (loopback).

Three ``lottery witness serve`` witnesses run in threads on 127.0.0.1 ports, pinned to the
service's office key; the service runs on SQLite and PostgreSQL. Witness keys are TEST-ONLY
(made from fixed seeds here).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from lottery.core.records import open_record
from lottery.service.lifecycle import Lifecycle
from lottery.service.scheduler import start_scheduler, stop_scheduler
from lottery.service.site_publishing import SitePublisher
from lottery.service.witness_policy import publish_policy
from lottery.service.witness_push import backoff, push_once, quorum_size, witness_status
from lottery.settings import Settings
from lottery.storage.models import AuditEvent, CosignatureRow, LogEntry
from tests.service.witnesses import Running, running_witnesses, witness_configs

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def witnesses(service: Lifecycle, tmp_path: Path) -> Iterator[list[Running]]:
    with running_witnesses(service, tmp_path, 1, lambda: int(NOW.timestamp())) as running:
        yield running


def _settings(settings: Settings, running: list[Running], quorum: int) -> Settings:
    configs = witness_configs(running)
    return settings.model_copy(update={"witnesses": configs, "witness_quorum": quorum})


def _latest(service: Lifecycle) -> int:
    with service.session() as session:
        return service.log.size(session)


def test_pusher_cosigns_backs_off_alerts_and_survives_a_restart(
    service: Lifecycle, settings: Settings, witnesses: list[Running]
) -> None:
    paper = witnesses[2]
    paper.stop()
    config = _settings(settings, witnesses, quorum=2)
    record = publish_policy(service, config, actor="boss", now=NOW, require_admin=False)
    assert record.body["quorum"] == 2 and [w["name"] for w in record.body["witnesses"]] == [
        "jiwei",
        "court",
        "paper",
    ]
    size = _latest(service)
    done = push_once(service, config, NOW)
    assert done["jiwei"] == done["court"] == f"cosigned {size}"
    assert "cannot reach" in done["paper"]
    with service.session() as session:
        rows = session.exec(select(CosignatureRow).where(CosignatureRow.size == size)).all()
        assert {r.name for r in rows} == {"jiwei.example/w", "court.example/w"}
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "checkpoint.cosignature")
        ).all()
        assert {e.actor for e in events} == {"witness-pusher"}
    assert quorum_size(service, config) == size
    status = witness_status(service, config, NOW)
    assert status.met and not any(w.unreachable for w in status.witnesses)
    down = status.witnesses[2]
    assert down.behind and down.failing_since == NOW and down.next_attempt == NOW + backoff(1)
    # Within the backoff nothing is tried; a witness that is up to date is not asked again.
    assert push_once(service, config, NOW + timedelta(seconds=1)) == {}

    # A new checkpoint while court is down too: one cosignature, the quorum is not met, and
    # after the configured time staff are told both are unreachable.
    witnesses[1].stop()
    publish_policy(
        service,
        config.model_copy(update={"witness_margin": 600}),
        actor="boss",
        now=NOW + timedelta(minutes=1),
        require_admin=False,
    )
    later = NOW + timedelta(minutes=2)
    done = push_once(service, config, later)
    assert done["jiwei"] == f"cosigned {size + 1}" and set(done) == {"jiwei", "court", "paper"}
    assert quorum_size(service, config) == size
    late = later + timedelta(seconds=config.witness_alert_after)
    status = witness_status(service, config, late)
    assert not status.met and status.cosigned == size and status.latest == size + 1
    assert [w.unreachable for w in status.witnesses] == [False, True, True]

    # Restart: a new Lifecycle on the same database; the witnesses come back on the same
    # state files (new ports). The pusher resumes from the stored sizes: court cosigned
    # `size` before, so it gets a consistency proof from there (no 409 needed).
    service.engine.dispose()
    again = Lifecycle.open(settings)
    try:
        for r in witnesses[1:]:
            r.port = 0
            r.start()
        config = _settings(settings, witnesses, quorum=2)
        done = push_once(again, config, late + timedelta(minutes=11))
        assert done == {"court": f"cosigned {size + 1}", "paper": f"cosigned {size + 1}"}
        assert quorum_size(again, config) == size + 1
        status = witness_status(again, config, late + timedelta(minutes=11))
        assert status.met and not any(w.unreachable or w.behind for w in status.witnesses)
        with again.session() as session:
            notes = session.exec(select(LogEntry.note).where(LogEntry.type == "witness-policy"))
            margins = [open_record(n, [again.log.verifier]).body["margin"] for n in notes]
        assert margins == [300, 600]
    finally:
        again.engine.dispose()


def test_scheduler_job_pushes_new_checkpoints(
    service: Lifecycle, settings: Settings, witnesses: list[Running]
) -> None:
    config = _settings(settings, witnesses, quorum=3)
    rt = start_scheduler(config, service, push_every=timedelta(seconds=0.2))
    try:
        size = _latest(service)
        deadline = time.monotonic() + 20
        while quorum_size(service, config) != size and time.monotonic() < deadline:
            time.sleep(0.1)
        assert quorum_size(service, config) == size
    finally:
        stop_scheduler(rt)


def _fake_build(export: Path, out: Path, work: Path) -> int:
    size = int((export / "checkpoint").read_text().splitlines()[1])
    out.mkdir(parents=True)
    (out / "index.html").write_text(f"checkpoint {size}", encoding="utf-8")
    return 1


def test_the_site_waits_for_the_quorum(
    service: Lifecycle, settings: Settings, witnesses: list[Running], tmp_path: Path
) -> None:
    """The site job publishes the log only once the quorum cosigned its latest checkpoint;
    staff asking for a publication still get one (docs/site-publishing.md)."""
    config = _settings(settings, witnesses, quorum=2)
    site = SitePublisher(
        service,
        tmp_path / "www" / "site",
        tmp_path / "export",
        clock=lambda: NOW,
        build=_fake_build,
        witnesses=config,
    )
    witnesses[1].stop()
    witnesses[2].stop()
    push_once(service, config, NOW)  # one of the two cosignatures needed
    assert site.status().waiting_for_witnesses and not site.due()
    assert site.publish_if_due() is None
    witnesses[1].port = 0
    witnesses[1].start()
    config = _settings(settings, witnesses, quorum=2)
    push_once(service, config, NOW + timedelta(minutes=1))
    site.witnesses = config
    assert not site.status().waiting_for_witnesses and site.due()
    run = site.publish_if_due()
    assert run is not None and run.error is None and run.size == _latest(service)
    assert (tmp_path / "www" / "site" / "index.html").read_text() == f"checkpoint {run.size}"
