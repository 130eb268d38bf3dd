"""The public site publishes itself (docs/site-publishing.md), on SQLite and PostgreSQL.

Jobs are driven directly (``run_site_publish(rt=...)``, ``run_disclose(...)``) on a scheduler
that is never started, with a settable service clock: nothing here waits on the wall clock or
measures time. Most tests build with a small stand-in for ``build_site`` that writes a page
naming the export's checkpoint; the first one builds the real site with MkDocs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from lottery.core.audit import audit_export
from lottery.export.read import file_getter
from lottery.service import scheduler as sch
from lottery.service import site_swap
from lottery.service.lifecycle import Lifecycle
from lottery.service.metrics import ServiceMetrics
from lottery.service.site_publishing import (
    PublicationBusy,
    SitePublisher,
    unconfigured_status,
)
from lottery.settings import Settings
from lottery.storage.models import SiteLease, SitePublication
from publisher.pages import STATUS
from tests import lifecycle as lc

TASK = "T2026-001"


class Clock:
    """A service clock the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeBuild:
    """Stands in for ``build_site``: one page naming the export's checkpoint size.

    ``during(out)`` runs mid-build (after the first file is written); ``fail`` is raised then.
    """

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.fail: Exception | None = None
        self.during: Callable[[Path], None] | None = None

    def __call__(self, export: Path, out: Path, work: Path) -> int:
        size = int((export / "checkpoint").read_text().splitlines()[1])
        self.sizes.append(size)
        out.mkdir(parents=True)
        (out / "index.html").write_text(f"checkpoint {size}", encoding="utf-8")
        if self.during is not None:
            self.during(out)
        if self.fail is not None:
            raise self.fail
        (out / "export").mkdir()
        return 1


@pytest.fixture
def site_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"site_dir": tmp_path / "www" / "site"})


@pytest.fixture
def clock() -> Clock:
    return Clock(lc.T_ANNOUNCE)


@pytest.fixture
def started() -> Iterator[list[sch.Scheduler]]:
    made: list[sch.Scheduler] = []
    yield made
    for s in made:
        if s.aps.running:
            sch.stop_scheduler(s, wait=True)


def _scheduler(
    settings: Settings, service: Lifecycle, clock: Clock, made: list[sch.Scheduler]
) -> sch.Scheduler:
    rt = sch.start_scheduler(settings, service, clock=clock, fetch=_no_fetch, start=False)
    made.append(rt)
    return rt


def _no_fetch(_: object) -> object:
    raise AssertionError("these tasks use public numbers: no drand fetch")


def _fake(rt: sch.Scheduler) -> FakeBuild:
    assert rt.site is not None
    fake = FakeBuild()
    rt.site.build = fake
    return fake


def _drawn(service: Lifecycle, task: str = TASK) -> None:
    service.create_task(lc.params(lc.small_registries(), task), lc.T_ANNOUNCE, actor="planner")
    service.announce(task, lc.T_ANNOUNCE, actor="planner")
    service.draw(task, lc.beacon()[1], lc.T_DRAW)


def _published_once(
    settings: Settings, service: Lifecycle, clock: Clock, made: list[sch.Scheduler]
) -> tuple[sch.Scheduler, FakeBuild]:
    """A scheduler with a fake build that has published a drawn task once."""
    rt = _scheduler(settings, service, clock, made)
    fake = _fake(rt)
    _drawn(service)
    sch.run_site_publish(rt=rt)
    return rt, fake


def _runs(service: Lifecycle) -> list[SitePublication]:
    with service.session() as s:
        return list(s.exec(select(SitePublication).order_by(col(SitePublication.id))))


def _served(site: Path) -> str:
    return (site / "index.html").read_text(encoding="utf-8")


def test_a_disclosure_reaches_the_built_site_without_a_command(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    site = site_settings.site_dir
    assert site is not None
    _drawn(service)
    rt = _scheduler(site_settings, service, clock, started)
    sch.run_site_publish(rt=rt)  # the real build_site
    page = site / "tasks" / TASK / "index.html"
    assert STATUS["drawn"] in page.read_text(encoding="utf-8")

    clock.now = lc.T_REVEAL + timedelta(minutes=1)
    assert sch.schedule_task(rt, service.get_task(TASK)) == f"disclose:{TASK}"
    sch.run_disclose(TASK, rt=rt)  # the scheduler discloses at the disclosure time
    assert service.get_task(TASK).state == "disclosed"
    sch.run_site_publish(rt=rt)

    shown = page.read_text(encoding="utf-8")
    assert STATUS["disclosed"] in shown
    assert STATUS["drawn"] not in shown
    report = audit_export(file_getter(site / "export"), [service.log.verifier], origin=lc.LOG)
    assert report.ok, report.failures
    with service.session() as s:
        size = service.log.size(s)
    assert [(r.size, r.error) for r in _runs(service)] == [(size - 1, None), (size, None)]
    assert rt.site is not None
    status = rt.site.status()
    assert status.up_to_date and status.published_size == size and not status.running
    assert status.last is not None and status.last.duration_s is not None
    # Only the served build and the one before it stay on disk.
    assert sorted(p.name for p in site_swap.builds_dir(site).iterdir()) == [
        r.build for r in _runs(service)
    ]


def test_a_burst_of_records_makes_one_build(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    rt = _scheduler(site_settings, service, clock, started)
    assert rt.aps.get_job("site") is not None
    fake = _fake(rt)
    sch.run_site_publish(rt=rt)
    assert fake.sizes == [1]  # the item list the fixture published
    sch.run_site_publish(rt=rt)
    assert fake.sizes == [1]  # nothing new: no second build
    for n in range(1, 4):
        _drawn(service, f"T2026-00{n}")
    sch.run_site_publish(rt=rt)
    sch.run_site_publish(rt=rt)  # nothing new since: no second build
    with service.session() as s:
        size = service.log.size(s)
    assert fake.sizes == [1, size]
    assert _served(site_settings.site_dir or Path()) == f"checkpoint {size}"


def test_a_restart_publishes_what_it_missed(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    first = _scheduler(site_settings, service, clock, started)
    _fake(first)
    _drawn(service)
    sch.run_site_publish(rt=first)
    started.remove(first)  # the process stops (never started: nothing to shut down)
    clock.now = lc.T_REVEAL
    service.disclose(TASK, clock.now)  # while no scheduler runs
    second = _scheduler(site_settings, service, clock, started)
    fake = _fake(second)
    sch.run_site_publish(rt=second)
    with service.session() as s:
        assert fake.sizes == [service.log.size(s)]


def test_two_instances_never_build_at_once(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    one = _scheduler(site_settings, service, clock, started)
    other = _scheduler(site_settings, service, clock, started)
    fake_one, fake_other = _fake(one), _fake(other)
    _drawn(service)
    inside: list[bool] = []

    def other_instance_tries(_: Path) -> None:
        assert other.site is not None
        sch.run_site_publish(rt=other)  # its job fires while this one builds
        with pytest.raises(PublicationBusy):
            other.site.publish("staff")
        inside.append(other.site.status().running)

    fake_one.during = other_instance_tries
    sch.run_site_publish(rt=one)
    assert inside == [True]
    assert fake_other.sizes == []
    assert len(fake_one.sizes) == 1
    assert [r.error for r in _runs(service)] == [None]


def test_a_crashed_builders_lease_lapses(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    one = _scheduler(site_settings, service, clock, started)
    other = _scheduler(site_settings, service, clock, started)
    fake_one, fake_other = _fake(one), _fake(other)
    _drawn(service)
    assert one.site is not None
    one.site._acquire("crashed", "scheduler")  # taken, then the process died
    sch.run_site_publish(rt=other)
    assert fake_other.sizes == []
    clock.now += one.site.lease_time + timedelta(seconds=1)
    sch.run_site_publish(rt=other)
    assert len(fake_other.sizes) == 1
    assert fake_one.sizes == []
    assert _served(site_settings.site_dir or Path()).startswith("checkpoint")


def test_a_failed_build_is_recorded_and_the_previous_site_stays(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    site = site_settings.site_dir or Path()
    service.metrics = ServiceMetrics()  # runs are measured by outcome (docs/operations.md)
    rt, fake = _published_once(site_settings, service, clock, started)
    before = _served(site)
    good = site_swap.current_build(site)

    clock.now = lc.T_REVEAL
    service.disclose(TASK, clock.now)
    fake.fail = OSError("disk full")
    sch.run_site_publish(rt=rt)
    last = _runs(service)[-1]
    assert last.error == "OSError: disk full"
    assert last.finished_at == clock.now and last.build is None
    assert _served(site) == before
    assert site_swap.current_build(site) == good
    assert [p.name for p in site_swap.builds_dir(site).iterdir()] == [good.name if good else ""]
    assert rt.site is not None
    status = rt.site.status()
    assert not status.up_to_date and status.last is not None and status.last.error

    sch.run_site_publish(rt=rt)  # not retried at once by the job
    assert len(_runs(service)) == 2
    fake.fail = None
    clock.now += rt.site.retry_after_failure
    sch.run_site_publish(rt=rt)  # retried after the pause
    assert _runs(service)[-1].error is None
    assert _served(site) != before
    sample = service.metrics.registry.get_sample_value
    duration = "lottery_site_publication_duration_seconds_count"
    assert sample(duration, {"outcome": "ok"}) == 2
    assert sample(duration, {"outcome": "failed"}) == 1
    jobs = "lottery_scheduler_jobs_total"
    assert sample(jobs, {"job": "site", "outcome": "done"}) == 2
    assert sample(jobs, {"job": "site", "outcome": "failed"}) == 1
    assert sample(jobs, {"job": "site", "outcome": "idle"}) == 1  # the run during the pause


def test_the_swap_never_shows_a_half_built_site(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    site = site_settings.site_dir or Path()
    rt, fake = _published_once(site_settings, service, clock, started)
    first = _served(site)
    seen: list[tuple[bool, str]] = []

    def look(out: Path) -> None:  # mid-build: the site path is the old, complete build
        seen.append((site.is_symlink(), _served(site)))
        assert site_swap.current_build(site) != out.resolve()

    fake.during = look
    clock.now = lc.T_REVEAL
    service.disclose(TASK, clock.now)
    sch.run_site_publish(rt=rt)
    assert seen == [(True, first)]
    assert site.is_symlink() and (site / "export").is_dir()  # the complete new build
    assert _served(site) != first
    assert not any(
        p.name.endswith((site_swap.PARTIAL, site_swap.WORK))
        for p in site_swap.builds_dir(site).iterdir()
    )


def test_a_hand_built_site_folder_is_replaced_by_the_link(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    site = site_settings.site_dir or Path()
    site.mkdir(parents=True)
    (site / "index.html").write_text("by hand", encoding="utf-8")
    _published_once(site_settings, service, clock, started)
    assert site.is_symlink() and _served(site).startswith("checkpoint")
    kept = site_swap.builds_dir(site) / site_swap.HAND_BUILT
    assert (kept / "index.html").read_text(encoding="utf-8") == "by hand"


def test_staff_ask_for_a_publication_now(
    service: Lifecycle, site_settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    rt, fake = _published_once(site_settings, service, clock, started)
    assert rt.site is not None
    rt.site.request("planner")
    assert rt.site.status().requested
    sch.run_site_publish(rt=rt)  # up to date, but asked for
    assert len(fake.sizes) == 2
    assert not rt.site.status().requested
    assert [r.actor for r in _runs(service)] == ["scheduler", "scheduler"]
    assert rt.site.publish("planner").error is None  # the CLI: at once, synchronously
    assert _runs(service)[-1].actor == "planner"


def test_nothing_is_published_without_a_site_dir(
    service: Lifecycle, settings: Settings, clock: Clock, started: list[sch.Scheduler]
) -> None:
    assert settings.site_dir is None
    rt = _scheduler(settings, service, clock, started)
    assert rt.site is None
    assert rt.aps.get_job("site") is None
    assert SitePublisher.from_settings(settings, service, clock) is None
    _drawn(service)
    sch.run_site_publish(rt=rt)
    assert _runs(service) == []
    status = unconfigured_status(service)
    assert not status.configured and status.log_size > 0


def test_of_many_racing_for_the_lease_one_wins(
    service: Lifecycle, site_settings: Settings, clock: Clock
) -> None:
    site = SitePublisher.from_settings(site_settings, service, clock)
    assert site is not None
    start = threading.Barrier(8)
    won: list[str] = []
    refused: list[str] = []

    def take(n: int) -> None:
        start.wait()
        try:
            site._acquire(f"holder-{n}", "scheduler")
            won.append(f"holder-{n}")
        except PublicationBusy:
            refused.append(f"holder-{n}")

    threads = [threading.Thread(target=take, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(refused) == 7
    with service.session() as s:
        lease = s.exec(select(SiteLease)).one()
    assert lease.holder == won[0]


def test_a_build_no_longer_kept_is_handed_over_as_the_spare(tmp_path: Path) -> None:
    site = tmp_path / "site"
    root = site_swap.builds_dir(site)
    for name in ("000001-5", "000002-6", "000003-7", "000004-8", "000005.work", "000006.partial"):
        (root / name).mkdir(parents=True)
    handed: list[str] = []
    site_swap.prune(site, root / "000004-8", root / "000003-7", lambda p: handed.append(p.name))
    assert handed == ["000002-6"]  # the newest complete build not kept
    assert sorted(p.name for p in root.iterdir()) == ["000003-7", "000004-8"]


def test_the_spare_is_a_numbered_build_and_its_failure_is_only_housekeeping(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A folder built by hand (moved aside at the first publication) is never the spare,
    though its name sorts last; a spare that could not be kept is logged, and the pruning
    goes on (the new build is served already: review of issue #19's spare tree)."""
    site = tmp_path / "site"
    root = site_swap.builds_dir(site)
    for name in ("000001-5", "000002-6", site_swap.HAND_BUILT, "000003-7"):
        (root / name).mkdir(parents=True)

    def failing(path: Path) -> None:
        handed.append(path.name)
        raise OSError(28, "No space left on device")

    handed: list[str] = []
    site_swap.prune(site, root / "000003-7", None, failing)
    assert handed == ["000002-6"]
    assert sorted(p.name for p in root.iterdir()) == ["000003-7"]  # pruned all the same
    assert "spare tree" in caplog.text
