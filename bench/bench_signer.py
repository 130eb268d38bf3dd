"""Benchmark: what the signer process (``LOTTERY_SIGNER_SOCKET``) costs against the key in
process (issue #25; docs/decisions.md "Keeping the office key out of the web process").

    .venv/bin/python bench/bench_signer.py            # 300 records, 200 checkpoints, 3 tasks
    .venv/bin/python bench/bench_signer.py --quick    # 50, 50, 1

Measured in the same run, in-process key (the baseline) against the signer on a Unix socket
(in a thread of this process, as the tests run it; the real one is another process, which
adds no round trip):

- **record**: one record text signed (the signer parses it, fsyncs a line to its audit file);
- **checkpoint**: one checkpoint of a log growing by one entry (the signer asks nothing more
  of the client than one ``state`` round trip and the consistency proof; it fsyncs its
  last-checkpoint file and its audit line before answering);
- **task**: one task created, announced, drawn and disclosed on SQLite with the small test
  registries (tests/lifecycle.py), every signature through the configured signer;
- **fsync**: one 100-byte append and ``fsync`` in the same folder: the floor of the signer's
  durability, since its state must be on disk before a signature leaves.

Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lottery.core.checkpoint import Checkpoint  # noqa: E402 - after the path set-up
from lottery.core.merkle import MerkleTree  # noqa: E402
from lottery.core.records import record_text  # noqa: E402
from lottery.service.lifecycle import Lifecycle  # noqa: E402
from lottery.service.office_signer import KeyFileSigner, OfficeSigner, SocketSigner  # noqa: E402
from lottery.settings import Settings, get_settings  # noqa: E402
from lottery.storage.checkpoint_file import checkpoint_path  # noqa: E402
from lottery.storage.keys import generate_keypair  # noqa: E402
from tests import lifecycle as lc  # noqa: E402
from tests.service.conftest import load_registries  # noqa: E402
from tests.service.signer_helpers import running_signer  # noqa: E402

CALENDAR = {"year": 2026, "holidays": [], "workdays": [], "notice": "", "supersedes": None}


def _records(signer: OfficeSigner, n: int) -> float:
    text = record_text("calendar", lc.LOG, datetime(2026, 3, 1, tzinfo=UTC), CALENDAR)
    start = time.perf_counter()
    for _ in range(n):
        signer.sign_record(text)
    return (time.perf_counter() - start) / n


def _checkpoints(signer: OfficeSigner, n: int, salt: str) -> float:
    entries: list[bytes] = []
    total = 0.0
    for i in range(n):
        entries.append(f"entry {salt} {i}\n".encode())
        tree = MerkleTree.from_entries(entries)
        start = time.perf_counter()
        signer.sign_checkpoint(Checkpoint(lc.LOG, tree.size, tree.root()), tree)
        total += time.perf_counter() - start
    return total / n


def _tasks(settings: Settings, n: int) -> float:
    svc = Lifecycle.open(settings)
    try:
        start = time.perf_counter()
        for i in range(n):
            task = f"T2026-{i + 1:03d}"
            at = lc.T_ANNOUNCE + timedelta(minutes=i)
            svc.create_task(lc.params(lc.small_registries(), task), at, actor="planner")
            svc.announce(task, at, actor="planner")
            svc.draw(task, lc.beacon()[1], lc.T_DRAW)
            svc.disclose(task, lc.T_REVEAL)
        return (time.perf_counter() - start) / n
    finally:
        svc.engine.dispose()


def _fsync(folder: Path, n: int = 50) -> float:
    fd = os.open(folder / "fsync-probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        start = time.perf_counter()
        for _ in range(n):
            os.write(fd, b"x" * 100)
            os.fsync(fd)
        return (time.perf_counter() - start) / n
    finally:
        os.close(fd)


def _service(base: Path, name: str) -> Settings:
    settings = get_settings(data_dir=base / name, database_url=None, log_origin=lc.LOG)
    svc = Lifecycle.open(settings)
    try:
        load_registries(svc, lc.small_registries())
    finally:
        svc.engine.dispose()
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    records, checkpoints, tasks = (50, 50, 1) if args.quick else (300, 200, 3)
    base = Path(tempfile.mkdtemp(prefix="bench-signer-"))
    try:
        key = generate_keypair(base / "signer" / "keys", lc.LOG, "office")
        local = KeyFileSigner(key)
        rows: list[tuple[str, float, float]] = []
        socket_path = base / "s.sock"
        with running_signer(base / "signer", socket_path, first_log=True):
            remote = SocketSigner(socket_path)
            rows.append(("record", _records(local, records), _records(remote, records)))
            rows.append(
                (
                    "checkpoint",
                    _checkpoints(local, checkpoints, "a"),
                    _checkpoints(remote, checkpoints, "b"),
                )
            )
        # A task: the same service twice, its key in process, then moved to a signer.
        in_process = _service(base, "in-process")
        on_socket = _service(base, "on-socket")
        signer_dir = base / "task-signer"
        (signer_dir / "keys").mkdir(parents=True, mode=0o700)
        (signer_dir / "state").mkdir(mode=0o700)
        for name in ("office.key", "office.pub"):
            shutil.move(on_socket.keys_dir / name, signer_dir / "keys" / name)
        shutil.copy2(checkpoint_path(on_socket.data_dir), checkpoint_path(signer_dir))
        baseline = _tasks(in_process, tasks)
        with running_signer(signer_dir, base / "t.sock"):
            moved = on_socket.model_copy(update={"signer_socket": base / "t.sock"})
            rows.append(("task (announce, draw, disclose)", baseline, _tasks(moved, tasks)))
        fsync = _fsync(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    counts = f"records {records}, checkpoints {checkpoints}, tasks {tasks}"
    print(f"{counts}; fsync {fsync * 1e3:.2f} ms")
    print("| operation | key in process | signer socket | ratio |")
    print("|---|---:|---:|---:|")
    for name, a, b in rows:
        print(f"| {name} | {a * 1e3:.2f} ms | {b * 1e3:.2f} ms | {b / a:.1f}× |")


if __name__ == "__main__":
    main()
