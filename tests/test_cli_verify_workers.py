"""`lottery verify --workers`: a pool above the parallel threshold verifies the same either way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lottery.demo.synthetic import make_registries
from lottery.export.write import write_export
from lottery.runtime import forking
from lottery.service import inmemory
from tests.lifecycle import LOG, T_DRAW, T_REVEAL, announced, beacon, office_signer
from tests.test_cli_service import run_main

LOTTERY = [sys.executable, "-m", "lottery"]


def _verify(export: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LOTTERY, "verify", str(export), "--key", office_signer().vkey, *extra],
        capture_output=True,
        text=True,
        check=False,
    )


def test_verify_with_and_without_a_worker(tmp_path: Path) -> None:
    regs = make_registries(forking.MIN_PARALLEL + 2_000, 300, n_regions=4, seed=11)
    run = announced("T2026-BIG", regs)
    inmemory.draw(run, beacon()[1], T_DRAW)
    inmemory.reveal(run, T_REVEAL)
    assert run.prepared.pool.candidates >= forking.MIN_PARALLEL  # the forked path
    signer = office_signer()
    out = tmp_path / "export"
    notes, blobs = run.published.notes, run.published.blobs
    write_export(out, notes, blobs, signer, origin=LOG, public_keys=[signer.vkey])

    # The serial runs in this process; the forked ones in a real process (a fork of a test
    # worker would carry its threads and connections).
    serial = run_main("verify", str(out), "--key", signer.vkey, "--json", "--workers", "1")
    forked = _verify(out, "--json", "--workers", "2")
    assert serial.returncode == 0, serial.stderr
    assert forked.returncode == 0, forked.stderr
    assert json.loads(forked.stdout) == json.loads(serial.stdout)
    assert json.loads(forked.stdout)["tasks"]["T2026-BIG"]["status"] == "disclosed"

    # A tampered outcome fails the same way with a worker.
    digest = run.result.outcome_sha256  # type: ignore[union-attr]
    blob = out / "blobs" / digest
    data = blob.read_bytes()
    first = run.result.teams[0]  # type: ignore[union-attr]
    swapped = data.replace(
        f'"inspectors":["{first.inspectors[0]}","{first.inspectors[1]}"]'.encode(),
        f'"inspectors":["{first.inspectors[1]}","{first.inspectors[0]}"]'.encode(),
        1,
    )
    assert swapped != data
    blob.write_bytes(swapped)
    bad_serial = run_main("verify", str(out), "--key", signer.vkey, "--json", "--workers", "1")
    bad_forked = _verify(out, "--json", "--workers", "2")
    assert bad_serial.returncode == bad_forked.returncode == 1
    assert json.loads(bad_forked.stdout)["failures"] == json.loads(bad_serial.stdout)["failures"]


def test_verify_rejects_a_bad_worker_count(tmp_path: Path) -> None:
    # In this process: no worker is started (the forked runs above are real processes).
    out = run_main("verify", str(tmp_path), "--key", office_signer().vkey, "--workers", "0")
    assert out.returncode != 0
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert "--workers" in out.stderr
