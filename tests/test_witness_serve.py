"""``lottery witness serve`` (C2SP tlog-witness add-checkpoint) over loopback HTTP.

Three witnesses on their own ports cosign a growing office log; the client retries a wrong
size; a split view is refused by every witness; a restarted witness keeps its state; the
cosignatures pass ``lottery verify --witness``. Witness keys are TEST-ONLY (tmp_path).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from lottery.cli.verify_cmd import open_export
from lottery.cli.witness_cmd import load_cosigner
from lottery.cli.witness_serve import MAX_BODY, Witness, make_server
from lottery.core.checkpoint import Checkpoint, sign_checkpoint
from lottery.core.cosignature import CosignatureVerifier
from lottery.core.merkle import MerkleTree
from lottery.core.note import Signer
from lottery.core.witness_protocol import Cosigned, Refusal
from lottery.service.witness_client import WitnessRefused, export_log, request_cosignature
from tests import lifecycle as lc
from tests import test_witness
from tests.test_witness import (
    AFTER_DRAW,
    BEFORE_BEACON,
    Office,
    _keygen,
    _verify,
    _witnessed,
)

cli = test_witness.cli  # the fixture: runs `lottery` in this process

NAMES = ("jiwei.example/w1", "court.example/w1", "paper.example/w1")


class Clock:
    def __init__(self, when: datetime) -> None:
        self.now = int(when.timestamp())

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def witnesses(cli, tmp_path: Path) -> Iterator[tuple[list[str], list[str], Clock, list[Path]]]:
    """Three witnesses, each on its own loopback port: (vkeys, urls, shared clock, states)."""
    clock = Clock(BEFORE_BEACON)
    servers, vkeys, urls, states = [], [], [], []
    for name in NAMES:
        vkey, key = _keygen(cli, tmp_path, name)
        state = key.with_name("state.json")
        witness = Witness(
            load_cosigner(key), {lc.LOG: [lc.office_signer().verifier()]}, state, clock
        )
        server = make_server(witness, "127.0.0.1", 0, quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        vkeys.append(vkey)
        urls.append(f"http://127.0.0.1:{server.server_port}")
        states.append(state)
    assert len(set(urls)) == 3
    yield vkeys, urls, clock, states
    for server in servers:
        server.shutdown()
        server.server_close()


def _push(office: Office, urls: list[str], vkeys: list[str], known: list[int]) -> list[int]:
    """Ask every witness to cosign the export's checkpoint; publish the lines."""
    note, tree = export_log(open_export(str(office.out)))
    sizes = []
    for url, vkey, size in zip(urls, vkeys, known, strict=True):
        answer = request_cosignature(
            url, note, tree, size, witness=CosignatureVerifier.from_vkey(vkey)
        )
        office.receive(answer.cosigned(note))
        sizes.append(answer.size)
    return sizes


def test_three_witnesses_cosign_a_growing_log_and_verify_passes(
    cli, tmp_path: Path, witnesses
) -> None:
    vkeys, urls, clock, states = witnesses
    office = Office(tmp_path / "export")
    a, b = lc.announced("T2026-001"), lc.announced("T2026-002")
    office.publish(
        a.published.notes[0], b.published.notes[0], blobs={**a.published.blobs, **b.published.blobs}
    )
    assert _push(office, urls, vkeys, [0, 0, 0]) == [2, 2, 2]
    # The log grows; the office remembers 2 for two witnesses and forgot the third (0):
    # that one answers 409 with its size and the client retries with a proof from 2.
    late = lc.announced("T2026-003").published
    office.publish(late.notes[0], blobs=late.blobs)
    clock.now = int(AFTER_DRAW.timestamp())
    assert _push(office, urls, vkeys, [2, 2, 0]) == [3, 3, 3]
    for state in states:
        body = json.loads(state.read_text())
        assert body["version"] == 2 and body["logs"][lc.LOG]["size"] == 3
    assert (office.out / "cosigned" / "list").read_text().split() == ["2", "3"]
    # `lottery monitor compare` reads the served (version 2) state files.
    same = cli("monitor", "compare", str(states[0]), str(states[2]), "--lang", "en")
    assert same.code == 0, same.err
    assert same.out.startswith("consistent: the tree of 3 records is a prefix of the tree of 3")
    code, body = _verify(cli, office.out, *vkeys)
    assert _witnessed(body, "T2026-001") and _witnessed(body, "T2026-002")
    # T2026-003 was only cosigned after the beacon: the one failure, and only for it.
    assert [(f["scope"], f["check"]) for f in body["failures"]] == [
        ("T2026-003", "announcement.witnessed")
    ]
    assert code == 1


def test_split_view_is_refused_by_every_witness(cli, tmp_path: Path, witnesses) -> None:
    vkeys, urls, _clock, states = witnesses
    a, b, c = (lc.announced(t).published.notes[0] for t in ("T2026-001", "T2026-002", "T2026-003"))
    office = Office(tmp_path / "export")
    office.publish(a, b)
    _push(office, urls, vkeys, [0, 0, 0])
    remembered = [s.read_bytes() for s in states]
    # The office key signs another history of the same size (B before A) for other eyes...
    fork = Office(tmp_path / "fork")
    fork.publish(b, a)
    # ...or one that grew from it, or one that went back to a single entry.
    grown = Office(tmp_path / "grown-fork")
    grown.publish(b, a, c)
    smaller = Office(tmp_path / "smaller")
    smaller.publish(a)
    for other, status in ((fork, 409), (grown, 422), (smaller, 409)):
        note, tree = export_log(open_export(str(other.out)))
        for url in urls:
            for known in (0, 2):
                with pytest.raises(WitnessRefused) as refused:
                    request_cosignature(url, note, tree, known)
                assert refused.value.status == status, (other.out, url, known)
    assert [s.read_bytes() for s in states] == remembered


def test_http_answers_of_one_witness(cli, tmp_path: Path, witnesses) -> None:
    _vkeys, urls, _clock, states = witnesses
    url = urls[0] + "/add-checkpoint"
    tree = MerkleTree.from_entries([b"a", b"b", b"c"])
    note = sign_checkpoint(Checkpoint(lc.LOG, 3, tree.root()), [lc.office_signer()])
    first = httpx.post(url, content=b"old 0\n\n" + note)
    assert first.status_code == 200 and first.text.startswith("\u2014 jiwei.example/w1 ")
    wrong = httpx.post(url, content=b"old 1\n\n" + note)
    assert (wrong.status_code, wrong.content) == (409, b"3\n")
    assert wrong.headers["content-type"] == "text/x.tlog.size"
    bigger = MerkleTree.from_entries([b"a", b"b", b"c", b"d"])
    note4 = sign_checkpoint(Checkpoint(lc.LOG, 4, bigger.root()), [lc.office_signer()])
    bad_proof = b"old 3\n" + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 3 + b"\n" + note4
    assert httpx.post(url, content=bad_proof).status_code == 422
    stranger = Signer.from_seed(lc.LOG, b"\x07" * 32)  # TEST-ONLY
    forged = sign_checkpoint(Checkpoint(lc.LOG, 4, bigger.root()), [stranger])
    assert httpx.post(url, content=b"old 3\n\n" + forged).status_code == 403
    other = sign_checkpoint(Checkpoint("other.example/log", 3, tree.root()), [lc.office_signer()])
    assert httpx.post(url, content=b"old 0\n\n" + other).status_code == 404
    assert httpx.post(url, content=b"old 4\n\n" + note).status_code == 400
    assert httpx.post(url, content=b"hello").status_code == 400
    assert httpx.post(url, content=b"x" * (MAX_BODY + 1)).status_code == 413
    assert httpx.get(url).status_code == 405
    assert httpx.post(urls[0] + "/elsewhere", content=b"").status_code == 404
    assert json.loads(states[0].read_text())["logs"][lc.LOG]["size"] == 3


def test_serve_command_restarts_with_its_state(cli, tmp_path: Path) -> None:
    vkey, key = _keygen(cli, tmp_path, NAMES[0])
    state = tmp_path / "state.json"
    office = Office(tmp_path / "export")
    pa, pb = (lc.announced(t).published for t in ("T2026-001", "T2026-002"))
    a, b = pa.notes[0], pb.notes[0]
    office.publish(a, blobs=pa.blobs)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, "-m", "lottery", "witness", "serve", "--key", str(key)]
    args += ["--state", str(state), "--log", f"{lc.LOG}={lc.office_signer().vkey}", "--port"]

    def start() -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen([*args, "0"], stderr=subprocess.PIPE, text=True, env=env)
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "listening on http://127.0.0.1:" in line, line
        return proc, line.split("listening on ")[1].strip().removesuffix("/add-checkpoint")

    verifier = CosignatureVerifier.from_vkey(vkey)
    proc, url = start()
    try:
        note, tree = export_log(open_export(str(office.out)))
        assert request_cosignature(url, note, tree, witness=verifier).size == 1
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
    office.publish(b, blobs=pb.blobs)
    proc, url = start()  # a new process, same state file
    try:
        # From size 0 the witness answers 409 with 1; the client retries with a proof.
        out = tmp_path / "cosigned.txt"
        pushed = cli(
            "witness", "push", str(office.out), "--url", url, "--witness", vkey, "--out", str(out)
        )
        assert "cosigned checkpoint 2" in pushed.out
        office.receive(out.read_bytes())
        fork = Office(tmp_path / "fork")
        fork.publish(b, a)
        note, tree = export_log(open_export(str(fork.out)))
        with pytest.raises(WitnessRefused):
            request_cosignature(url, note, tree, 2, witness=verifier)
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
    assert json.loads(state.read_text())["logs"][lc.LOG]["size"] == 2
    # The published line verifies (log.cosigned); it is only too late for the 2026 beacons.
    _code, body = _verify(cli, office.out, vkey)
    assert {f["check"] for f in body["failures"]} == {"announcement.witnessed"}


def test_serve_bad_options_are_one_line(cli, tmp_path: Path) -> None:
    _vkey, key = _keygen(cli, tmp_path, NAMES[0])
    bad = cli(
        "witness",
        "serve",
        "--key",
        str(key),
        "--state",
        str(tmp_path / "s.json"),
        "--log",
        "no-equals-sign",
        ok=False,
    )
    assert bad.code == 2 and "ORIGIN=OFFICE_VKEY" in bad.err
    assert len(bad.err.strip().splitlines()) == 1
    (tmp_path / "s.json").write_text("{not json")
    bad = cli(
        "witness",
        "serve",
        "--key",
        str(key),
        "--state",
        str(tmp_path / "s.json"),
        "--log",
        f"{lc.LOG}={lc.office_signer().vkey}",
        ok=False,
    )
    assert bad.code == 2 and "not valid" in bad.err and "Traceback" not in bad.err


def test_concurrent_requests_cannot_roll_the_witness_back(cli, tmp_path: Path) -> None:
    """The spec's race: check and record are one step, so exactly one of 8 racing requests
    from size 0 is cosigned and the others get 409 naming the size it recorded."""
    _vkey, key = _keygen(cli, tmp_path, NAMES[0])
    state = tmp_path / "state.json"
    witness = Witness(
        load_cosigner(key), {lc.LOG: [lc.office_signer().verifier()]}, state, lambda: 1
    )
    tree = MerkleTree.from_entries([b"entry %d" % i for i in range(8)])
    bodies = [
        b"old 0\n\n" + sign_checkpoint(Checkpoint(lc.LOG, n, tree.root(n)), [lc.office_signer()])
        for n in range(1, 9)
    ]
    answers: list[Cosigned | Refusal | None] = [None] * 8
    start = threading.Barrier(8)

    def run(i: int) -> None:
        start.wait()
        answers[i] = witness.handle(bodies[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [a for a in answers if isinstance(a, Cosigned)]
    assert len(winners) == 1
    size = winners[0].checkpoint.size
    refused = [a for a in answers if isinstance(a, Refusal)]
    assert [(a.status, a.size) for a in refused] == [(409, size)] * 7
    assert json.loads(state.read_text())["logs"][lc.LOG]["size"] == size
