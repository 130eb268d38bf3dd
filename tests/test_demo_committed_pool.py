"""The demo's committed pool (issue #18, docs/spec.md §4 "Committed pools"): T2026-008 draws
from the shelter users (人防工程平时使用), whose identity the office withholds from its
announcement on. Its snapshot and blobs name them by commitment ids only; the reveal opens
exactly the picks; ``lottery verify`` checks it; staff still work with USCCs; the site names
the picks and nothing else of the withheld targets."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from lottery.core.committed import decode_openings, is_commitment_id
from lottery.core.outcome import decode_outcome
from lottery.core.records import Record, open_record
from lottery.demo.city import demo_settings
from lottery.service.committed_pool import staff_outcome
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import LogEntry, Target, TargetCommitment

TASK = "T2026-008"


@pytest.fixture(scope="module")
def service(demo_city: Path) -> Iterator[Lifecycle]:
    lc = Lifecycle.open(demo_settings(demo_city))
    yield lc
    lc.engine.dispose()


def _blob(demo_city: Path, digest: str) -> bytes:
    return (demo_city / "export" / "blobs" / digest).read_bytes()


@pytest.fixture(scope="module")
def published(service: Lifecycle, demo_city: Path) -> dict[str, Any]:
    with service.session() as s:
        ann = service.log.task_record(s, TASK, "announce")
        reveal = service.log.task_record(s, TASK, "reveal")
        withheld = list(s.exec(select(Target).where(Target.type == "peacetime_use")))
        commitments = {c.uscc: c for c in s.exec(select(TargetCommitment))}
    assert ann is not None and reveal is not None
    a = ann.body
    snap_id = a["registries"]["targets"]
    snap_record = next(r for r in _records(service) if r.id == snap_id)
    return {
        "ann": a,
        "reveal": reveal.body,
        "withheld": withheld,
        "commitments": commitments,
        "blobs": [
            _blob(demo_city, d)
            for d in (
                snap_record.body["blob"],
                a["pool"]["sha256"],
                a["exclusions"]["sha256"],
                a["inspector_pool"]["sha256"],
                reveal.body["outcome"],
            )
        ],
        "openings": _blob(demo_city, reveal.body["openings"]),
    }


def _records(service: Lifecycle) -> list[Record]:
    with service.session() as s:
        notes = [e.note for e in s.exec(select(LogEntry))]
    return [open_record(n, [service.log.verifier]) for n in notes]


def test_the_snapshot_and_the_blobs_name_no_withheld_target(published: dict[str, Any]) -> None:
    snapshot, pool, *rest = published["blobs"]
    rows = json.loads(snapshot)["rows"]
    withheld = published["withheld"]
    assert len(withheld) > 100
    ids = {published["commitments"][t.uscc].id for t in withheld if t.status != "removed"}
    # Every withheld target keeps its row (the registry stays complete), by id and no name.
    by_key = {r[0]: r for r in rows}
    assert ids <= by_key.keys()
    assert all(by_key[i][1] == "" and by_key[i][2] == "平时使用" for i in ids)
    for data in (snapshot, pool, *rest):
        text = data.decode()
        leaked = [t.uscc for t in withheld if t.uscc in text or t.name in text]
        assert leaked == []
    candidates = [c for st in json.loads(pool)["strata"] for c in st["candidates"]]
    assert candidates and all(is_commitment_id(c) for c in candidates)


def test_the_reveal_opens_exactly_the_picks(published: dict[str, Any]) -> None:
    outcome = decode_outcome(published["blobs"][-1])
    task, openings = decode_openings(published["openings"])
    assert task == TASK
    assert sorted(o.id for o in openings) == sorted(outcome.picks())
    assert all(o.opens() for o in openings)
    names = {t.uscc: t.name for t in published["withheld"]}
    assert all(names[o.uscc] == o.name for o in openings)


def test_staff_see_the_picks_by_uscc(service: Lifecycle, published: dict[str, Any]) -> None:
    with service.session() as s:
        staff = staff_outcome(s, published["blobs"][-1])
    usccs = {t.uscc for t in published["withheld"]}
    assert staff.picks() and set(staff.picks()) <= usccs
    assert {t.target for t in staff.teams} == set(staff.picks())


def test_lottery_verify_checks_the_openings(demo_city: Path) -> None:
    site = demo_city / "site"
    key = site / "export" / "keys" / "office.vkey"
    out = subprocess.run(
        [sys.executable, "-m", "lottery", "verify", str(site), "--key", str(key), "--task", TASK],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    lines = [line for line in out.stdout.splitlines() if "pool.openings" in line]
    assert len(lines) == 1 and lines[0].startswith("ok") and f"[{TASK}]" in lines[0]


def test_the_site_names_the_picks_and_no_other_withheld_target(
    demo_city: Path, published: dict[str, Any]
) -> None:
    site = demo_city / "site"
    page = (site / "tasks" / TASK / "index.html").read_text("utf-8")
    assert "本任务抽查对象名单以承诺值公开，仅公开被抽中的对象" in page
    _, openings = decode_openings(published["openings"])
    assert all(o.uscc in page and o.name in page for o in openings)
    # An opened pick has its company page: its name, the task, its registry row (the type).
    own = (site / "targets" / openings[0].uscc / "index.html").read_text("utf-8")
    assert openings[0].name in own and TASK in own and "信用风险分类" in own
    # A withheld target never picked by a task (nor named by a result) has no page, and
    # neither its name nor its code is in the targets lookup's data.
    picked = {o.uscc for o in openings}
    listed = set(json.loads((site / "targets" / "data" / "pages.json").read_bytes())["targets"])
    assert picked <= listed
    quiet = [t for t in published["withheld"] if t.uscc not in picked | listed][:20]
    assert quiet
    lookup = b"".join(p.read_bytes() for p in (site / "targets" / "data").rglob("*") if p.is_file())
    for t in quiet:
        assert not (site / "targets" / t.uscc).exists()
        assert t.uscc.encode() not in lookup and t.name.encode() not in lookup
