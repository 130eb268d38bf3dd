"""The office's signer process (lottery/service/signer_server.py): what it signs and what it
refuses, on a real Unix socket under ``tmp_path`` (docs/deploy.md "The signer").

The threat: a compromised web process asks the signer for anything. It must get only records
of this log, and checkpoints that extend the last one the signer signed: no fork, no rollback,
not even after the signer restarts.
"""

from __future__ import annotations

import json
import socket
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lottery.core.canonical import b64encode, sha256_hex
from lottery.core.checkpoint import Checkpoint, open_checkpoint
from lottery.core.merkle import MerkleTree
from lottery.core.records import open_record, record_text
from lottery.service.office_signer import SignerRefused, SignerUnavailable, SocketSigner
from lottery.service.signer_protocol import read_message, write_message
from lottery.service.signer_server import SignerServer
from lottery.storage.keys import generate_keypair
from tests import lifecycle as lc
from tests.service.signer_helpers import running_signer

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
CALENDAR = {"year": 2026, "holidays": [], "workdays": [], "notice": "", "supersedes": None}


@pytest.fixture
def signer_dir(tmp_path: Path) -> Path:
    generate_keypair(tmp_path / "signer" / "keys", lc.LOG, "office")
    return tmp_path / "signer"


@pytest.fixture
def sock(tmp_path: Path, signer_dir: Path) -> Any:
    path = tmp_path / "s.sock"
    with running_signer(signer_dir, path):
        yield path


def _ask(path: Path, request: dict[str, Any]) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(path))
        write_message(s, request)
        return read_message(s)


def _audit(signer_dir: Path) -> list[dict[str, Any]]:
    lines = (signer_dir / "state" / "signer-audit.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _tree(n: int, salt: str = "") -> MerkleTree:
    return MerkleTree.from_entries([f"entry {salt}{i}\n".encode() for i in range(n)])


def _checkpoint(path: Path, tree: MerkleTree, old: int) -> dict[str, Any]:
    proof = tree.consistency_proof(old) if 0 < old < tree.size else []
    text = Checkpoint(lc.LOG, tree.size, tree.root()).to_text().decode()
    request = {"op": "checkpoint", "text": text, "old_size": old}
    return _ask(path, {**request, "proof": [b64encode(h) for h in proof]})


def test_signs_records_and_checkpoints_that_verify(sock: Path, signer_dir: Path) -> None:
    client = SocketSigner(sock)
    key = (signer_dir / "keys" / "office.pub").read_text().strip()
    assert client.vkey == key
    assert stat.S_IMODE(sock.stat().st_mode) == 0o660
    text = record_text("calendar", lc.LOG, NOW, CALENDAR)
    record = open_record(client.sign_record(text), [client.verifier], log=lc.LOG)
    assert record.type == "calendar"
    tree = _tree(3)
    note = client.sign_checkpoint(Checkpoint(lc.LOG, 3, tree.root()), tree)
    assert open_checkpoint(note, [client.verifier], origin=lc.LOG).size == 3
    bigger = _tree(7)  # the same first three entries: extends
    note = client.sign_checkpoint(Checkpoint(lc.LOG, 7, bigger.root()), bigger)
    assert open_checkpoint(note, [client.verifier], origin=lc.LOG).size == 7
    assert client.probe()
    # The audit file: one line a signature, the digest of what was signed, never the key.
    lines = _audit(signer_dir)
    assert [(x["kind"], x.get("type"), x.get("size")) for x in lines] == [
        ("record", "calendar", None),
        ("checkpoint", None, 3),
        ("checkpoint", None, 7),
    ]
    assert lines[0]["sha256"] == sha256_hex(text)
    raw = (signer_dir / "state" / "signer-audit.jsonl").read_bytes()
    assert b"PRIVATE" not in raw and client.vkey.encode() not in raw


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not a record\n", "JSON"),
        (record_text("calendar", "other.example/log", NOW, CALENDAR).decode(), "other.example"),
        (
            record_text("key-change", lc.LOG, NOW, {"keys": ["x+1+y"], "reason": "r"}).decode(),
            "key rotation",
        ),
        (
            record_text("calendar", lc.LOG, NOW, {**CALENDAR, "notice": "a\u202eb"}).decode(),
            "U+202E",
        ),
        (Checkpoint(lc.LOG, 1, _tree(1).root()).to_text().decode(), "record"),
    ],
)
def test_refuses_what_is_not_a_record_of_this_log(
    sock: Path, signer_dir: Path, text: str, why: str
) -> None:
    answer = _ask(sock, {"op": "record", "text": text})
    assert answer["ok"] is False and why in answer["error"]
    assert "note" not in answer
    (line,) = _audit(signer_dir)
    assert line["kind"] == "record" and why in line["refused"]
    with pytest.raises(SignerRefused):
        SocketSigner(sock).sign_record(text.encode())


def test_refuses_a_rollback_and_a_fork_even_after_a_restart(
    tmp_path: Path, signer_dir: Path
) -> None:
    path = tmp_path / "s.sock"
    with running_signer(signer_dir, path):
        assert _checkpoint(path, _tree(5), 0)["ok"]
        rollback = _checkpoint(path, _tree(3), 5)
        assert not rollback["ok"] and "shrank" in rollback["error"]
        fork = _checkpoint(path, _tree(8, "forked "), 5)  # another history of 8 entries
        assert not fork["ok"] and "does not extend" in fork["error"]
        same_size_fork = _checkpoint(path, _tree(5, "forked "), 5)
        assert not same_size_fork["ok"]
        # A proof from a size the signer did not sign last is refused too.
        assert "last checkpoint (5" in _checkpoint(path, _tree(8), 3)["error"]
        # Not a checkpoint of this log / with extension lines.
        other = Checkpoint("other.example/log", 6, _tree(6).root()).to_text().decode()
        assert not _ask(path, {"op": "checkpoint", "text": other, "old_size": 5})["ok"]
    with running_signer(signer_dir, path):  # the state is the signer's file, not its memory
        assert not _checkpoint(path, _tree(3), 5)["ok"]
        assert not _checkpoint(path, _tree(8, "forked "), 5)["ok"]
        assert _checkpoint(path, _tree(8), 5)["ok"]
        assert _ask(path, {"op": "state"})["size"] == 8
    kinds = [(x["kind"], "refused" in x) for x in _audit(signer_dir)]
    assert kinds.count(("checkpoint", False)) == 2 and kinds.count(("checkpoint", True)) == 7


def test_refuses_malformed_requests(sock: Path) -> None:
    assert "unknown op" in _ask(sock, {"op": "sign-anything", "text": "x"})["error"]
    assert not _ask(sock, {"op": "probe", "nonce": "not hex"})["ok"]
    assert not _ask(sock, {"op": "record"})["ok"]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:  # not length-prefixed JSON
        s.connect(str(sock))
        s.sendall(b"\x00\x00\x00\x05hello")
        assert s.recv(10) == b""  # closed without an answer; the signer keeps serving
    assert _ask(sock, {"op": "state"}) == {"ok": True, "size": 0, "pending": None}


def test_one_signer_per_socket_and_a_stale_socket_replaced(
    sock: Path, tmp_path: Path, signer_dir: Path
) -> None:
    from lottery.core.errors import InputError
    from lottery.service.signer_server import OfficeKeyHolder

    with pytest.raises(InputError, match="already listening"):
        SignerServer(sock, OfficeKeyHolder(signer_dir))
    stale = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(stale))  # bound, never listening: what a killed signer leaves
    with running_signer(signer_dir, stale):
        assert SocketSigner(stale).probe()
    assert not stale.exists()
    with pytest.raises(SignerUnavailable):
        SocketSigner(stale)


def test_the_service_waits_briefly_for_a_signer_starting_with_it(
    tmp_path: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from lottery.service import office_signer
    from lottery.settings import get_settings

    path = tmp_path / "late.sock"
    settings = get_settings(data_dir=tmp_path / "data", log_origin=lc.LOG, signer_socket=path)
    monkeypatch.setattr(office_signer, "START_GRACE", 0.5)
    started = time.monotonic()
    with pytest.raises(SignerUnavailable, match="does not answer"):
        office_signer.open_office_signer(settings)  # nobody ever answers: fails after the grace
    assert 0.5 <= time.monotonic() - started < 5
    monkeypatch.setattr(office_signer, "START_GRACE", 10.0)
    ready, stop = threading.Event(), threading.Event()

    def late_signer() -> None:
        time.sleep(0.5)
        with running_signer(signer_dir, path):
            ready.set()
            stop.wait(10)

    thread = threading.Thread(target=late_signer)
    thread.start()
    try:
        assert office_signer.open_office_signer(settings).probe()
        assert ready.is_set()
    finally:
        stop.set()
        thread.join()
