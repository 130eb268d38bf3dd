"""Benchmark: re-deriving a task's pools from registry snapshots vs verifying the announcement.

    .venv/bin/python bench/bench_pool_membership.py                    # 100,000 targets, 3 runs
    .venv/bin/python bench/bench_pool_membership.py --targets 1000000 --runs 1

On synthetic registries (``lottery.demo.synthetic``), one announced task (in memory) and the
three snapshot blobs the service would publish with it. Timed, in the same process:

- ``verify``: ``verify_task`` on the announcement alone (blobs parsed, counts, feasibility:
  what ``lottery verify`` already did for an announced task);
- ``full``: ``verify_task`` on the disclosed task (announcement, draw, reveal: the re-draw
  included), what ``lottery verify`` does for each disclosed task;
- ``membership``: ``MembershipAudit`` on the snapshots and the announcement (the three
  snapshot blobs parsed, the candidates and eligible inspectors re-derived, compared with the
  pool, exclusions and team-input blobs), the check docs/spec.md section 4 added.

Prints the median of each and the ratios membership / verify and membership / full.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from datetime import UTC, datetime

from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.draw import TaskParams
from lottery.core.note import Signer
from lottery.core.pool_membership import SNAPSHOT_FIELDS, MembershipAudit
from lottery.core.records import make_record, open_record
from lottery.core.verify import verify_task
from lottery.demo.recorded import numbers_beacon
from lottery.demo.synthetic import Registries, make_registries
from lottery.service import inmemory

LOG = "bench.example/lottery"
_KEY_SEED = hashlib.sha256(b"lottery bench key (test only)").digest()
_SECRET = hashlib.sha256(b"lottery bench secret (test only)").digest()
AT = datetime(2026, 3, 1, tzinfo=UTC)


def _snapshot(registry: str, rows: list[list[str]]) -> bytes:
    rows.sort(key=lambda r: r[0])
    fields = list(SNAPSHOT_FIELDS[registry])
    doc = {"type": "registry-snapshot", "registry": registry, "fields": fields, "rows": rows}
    return canonical_json(doc)


def _blobs(regs: Registries) -> dict[str, bytes]:
    units = [["city", "市", "市级", "", ""]]
    units += [[u, u, "县级", "city", u.removeprefix("county-")] for u in regs.org_units[1:]]
    targets = [[c.id, "公司", "平时使用", c.region, c.risk, "正常"] for c in regs.candidates]
    people = [
        [
            i.id,
            "人员",
            f"C{i.id}",
            i.cert_valid_from,
            i.cert_valid_to,
            i.org_unit,
            "一级",
            "",
            "在岗",
        ]
        for i in regs.inspectors
    ]
    return {
        "org-units": _snapshot("org-units", units),
        "targets": _snapshot("targets", targets),
        "inspectors": _snapshot("inspectors", people),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--inspectors", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    regs = make_registries(args.targets, args.inspectors)
    signer = Signer.from_seed(LOG, _KEY_SEED)
    spec, value = numbers_beacon("2026-03-02", "基准", (408, (2, 7, 11, 19, 26, 30)))
    params = TaskParams(
        task="BENCH-1",
        title="基准测试任务",
        org_units=tuple(regs.org_units),
        window_start="2026-03-10",
        window_end="2026-03-31",
        ratios=dict.fromkeys(("A", "B", "C", "D"), 300),
        team_size=2,
        disclosure="2026-04-01T00:00:00Z",
        beacon=spec,
    )
    run = inmemory.announce(
        LOG,
        signer,
        params,
        regs.candidates,
        regs.inspectors,
        _SECRET,
        AT,
        exclusions=regs.exclusions,
        conflicts=regs.conflicts,
        previous=regs.previous,
    )
    blobs = dict(run.published.blobs)
    snaps = []
    for registry, blob in _blobs(regs).items():
        blobs[sha256_hex(blob)] = blob
        fields = {
            "registry": registry,
            "blob": sha256_hex(blob),
            "rows": 1,
            "as_of": "2026-03-01T00:00:00Z",
        }
        snaps.append(
            open_record(
                make_record("registry-snapshot", LOG, AT, fields, [signer]), [signer.verifier()]
            )
        )
    body = {k: v for k, v in run.announcement.body.items() if k not in ("type", "v", "log", "time")}
    body["registries"] = {s.body["registry"]: s.id for s in snaps}
    note = make_record("task-announcement", LOG, AT, body, [signer])
    ann = open_record(note, [signer.verifier()])
    full_run = run  # drawn and revealed: its own notes, announcement without registries
    inmemory.draw(full_run, value, datetime(2026, 3, 3, tzinfo=UTC))
    inmemory.reveal(full_run, datetime(2026, 4, 1, 1, tzinfo=UTC))
    verify_s, member_s, full_s = [], [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        verify_task([note], blobs, [signer.verifier()], log=LOG)
        verify_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        audit = MembershipAudit(blobs.__getitem__)
        for record in (*snaps, ann):
            audit.add(record)
        member_s.append(time.perf_counter() - start)
        assert not audit.failures and "BENCH-1" in audit.passed, audit.failures
        start = time.perf_counter()
        verify_task(full_run.published.notes, full_run.published.blobs, [signer.verifier()])
        full_s.append(time.perf_counter() - start)
    v, m, f = (statistics.median(x) for x in (verify_s, member_s, full_s))
    print(f"targets {args.targets:,}, inspectors {args.inspectors:,}, runs {args.runs}")
    print(f"verify (announcement)  {v:8.3f} s")
    print(f"membership             {m:8.3f} s")
    print(f"verify (disclosed task) {f:8.3f} s")
    print(f"ratio membership/verify {m / v:6.2f}")
    print(f"ratio membership/full   {m / f:6.2f}")


if __name__ == "__main__":
    main()
