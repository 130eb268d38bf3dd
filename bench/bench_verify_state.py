"""Benchmark: ``lottery verify`` in full vs going on from a state (``--state``) after one new
record, on the demo city's log.

    .venv/bin/python bench/bench_verify_state.py              # builds the demo (~40 s), 5 runs
    .venv/bin/python bench/bench_verify_state.py --demo DIR   # an existing demo (make demo)

The demo's log cut one record short (a prefix export signed with the demo office's key) is
verified once in full to make the state; then, in the same process and alternating, the whole
log is verified in full (no state) and incrementally from that state (the state file parsed,
the audit, the new state serialised). One warm-up full run first, so imports are not timed.
Prints medians of wall and CPU seconds and the ratios incremental / full.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lottery.core.audit import state_after
from lottery.core.audit_state import AuditState
from lottery.core.note import NoteVerifier, Signer
from lottery.core.sharing import SERIAL
from lottery.demo.city import demo_settings, run_demo
from lottery.export.read import file_getter
from lottery.verifier.run import Audit, run_audit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' export helpers

from tests.export_prefix import log_entries, write_prefix  # noqa: E402


def _audit(export: Path, keys: list[str], state: AuditState | None) -> Audit:
    return run_audit(
        file_getter(export),
        [NoteVerifier.from_vkey(k) for k in keys],
        pinned=True,
        policy=None,
        task=None,
        workers=SERIAL,
        prior=state.prior() if state is not None else None,
    )


def _timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="an existing demo directory")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = args.demo
        if demo is None:
            demo = Path(tmp) / "demo"
            run_demo(demo, documents=False)
        export = demo / "export"
        key = (demo_settings(demo).keys_dir / "office.key").read_text("utf-8").strip()
        keys = (export / "keys" / "office.vkey").read_text("utf-8").split()
        origin = (export / "checkpoint").read_bytes().split(b"\n", 1)[0].decode()
        entries = log_entries(export)
        cut = write_prefix(
            export,
            Path(tmp) / "cut",
            entries[:-1],
            Signer.from_private_key_string(key),
            origin=origin,
        )
        first = _audit(cut, keys, None)
        assert first.report.ok, first.report.failures
        saved = state_after(first.report, keys, pinned=True).to_json()
        _audit(export, keys, None)  # warm-up: imports, the BLS code
        full_wall, full_cpu, inc_wall, inc_cpu = [], [], [], []
        for _ in range(args.runs):
            full, wall, cpu = _timed(lambda: _audit(export, keys, None))
            full_wall.append(wall)
            full_cpu.append(cpu)

            def incremental() -> Audit:
                state = AuditState.from_json(saved)
                audit = _audit(export, keys, state)
                state_after(audit.report, keys, pinned=True, previous=state).to_json()
                return audit

            inc, wall, cpu = _timed(incremental)
            inc_wall.append(wall)
            inc_cpu.append(cpu)
            assert full.report.ok and inc.report.ok
            assert [c.detail for c in inc.report.checks] == [c.detail for c in full.report.checks]
        med = statistics.median
        print(
            json.dumps(
                {
                    "records": len(entries),
                    "new_records": 1,
                    "tasks": len(full.report.tasks),
                    "tasks_carried_over": len(inc.report.carried),
                    "full_wall_s": round(med(full_wall), 4),
                    "full_cpu_s": round(med(full_cpu), 4),
                    "incremental_wall_s": round(med(inc_wall), 4),
                    "incremental_cpu_s": round(med(inc_cpu), 4),
                    "ratio_wall": round(med(inc_wall) / med(full_wall), 4),
                    "ratio_cpu": round(med(inc_cpu) / med(full_cpu), 4),
                    "runs": args.runs,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
