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
    with running_signer(signer_dir, path, first_log=True):
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


def _request(tree: MerkleTree, old: int) -> dict[str, Any]:
    proof = tree.consistency_proof(old) if 0 < old < tree.size else []
    text = Checkpoint(lc.LOG, tree.size, tree.root()).to_text().decode()
    return {
        "op": "checkpoint",
        "text": text,
        "old_size": old,
        "proof": [b64encode(h) for h in proof],
    }


def _checkpoint(path: Path, tree: MerkleTree, old: int) -> dict[str, Any]:
    return _ask(path, _request(tree, old))


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
    with running_signer(signer_dir, path, first_log=True):
        assert _checkpoint(path, _tree(5), 0)["ok"]
        rollback = _checkpoint(path, _tree(3), 5)
        assert not rollback["ok"] and "shrank" in rollback["error"]
        fork = _checkpoint(path, _tree(8, "forked "), 5)  # another history of 8 entries
        assert not fork["ok"] and "does not extend" in fork["error"]
        same_size_fork = _checkpoint(path, _tree(5, "forked "), 5)
        assert not same_size_fork["ok"]
        # A proof from a size the signer did not sign last: a stale state, to be asked again.
        stale = _checkpoint(path, _tree(8), 3)
        assert not stale["ok"] and stale["retry"] is True
        assert "last checkpoint has 5 entries" in stale["error"]
        # Not a checkpoint of this log / with extension lines.
        other = Checkpoint("other.example/log", 6, _tree(6).root()).to_text().decode()
        assert not _ask(path, {"op": "checkpoint", "text": other, "old_size": 5})["ok"]
    with running_signer(signer_dir, path):  # the state is the signer's file, not its memory
        assert not _checkpoint(path, _tree(3), 5)["ok"]
        assert not _checkpoint(path, _tree(8, "forked "), 5)["ok"]
        assert _checkpoint(path, _tree(8), 5)["ok"]
        assert _ask(path, {"op": "state"})["size"] == 8
    lines = _audit(signer_dir)
    kinds = [(x["kind"], "refused" in x) for x in lines if "stale" not in x]
    assert kinds.count(("checkpoint", False)) == 2 and kinds.count(("checkpoint", True)) == 6
    assert [x["kind"] for x in lines if "stale" in x] == ["checkpoint"]


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
    stop = threading.Event()

    def late_signer() -> None:
        time.sleep(0.5)
        with running_signer(signer_dir, path):
            stop.wait(10)

    thread = threading.Thread(target=late_signer)
    started = time.monotonic()
    thread.start()
    try:
        # It answered, and only once the signer was up (it starts 0.5 s late): it waited.
        # (An event set after the signer starts can lose the race with its first answer.)
        assert office_signer.open_office_signer(settings).probe()
        assert time.monotonic() - started >= 0.5
    finally:
        stop.set()
        thread.join()


# -- review findings (issue #25) ----------------------------------------------------------------


def _finish(path: Path, vkey: str, index: int, proof: list[bytes]) -> dict[str, Any]:
    request = {"op": "rotate-finish", "vkey": vkey, "index": index}
    return _ask(path, {**request, "proof": [b64encode(h) for h in proof]})


def test_no_client_of_the_service_socket_can_rotate_the_key(
    tmp_path: Path, signer_dir: Path
) -> None:
    """Finding 1: rotate-begin/finish/abort and cosign are served only on the admin socket
    (0600); finishing needs a checkpoint cosigned by the pending key that covers the very
    key-change record the signer made."""
    path, admin = tmp_path / "s.sock", tmp_path / "admin.sock"
    with running_signer(signer_dir, path, first_log=True, admin=admin):
        assert stat.S_IMODE(admin.stat().st_mode) == 0o600
        old = SocketSigner(path).vkey
        assert _checkpoint(path, _tree(2), 0)["ok"]
        begin = {"op": "rotate-begin", "reason": "attacker", "time": "2001-01-01T00:00:00Z"}
        for request in (begin, {"op": "rotate-finish"}, {"op": "rotate-abort"}):
            answer = _ask(path, request)
            assert answer["ok"] is False and "not served on this socket" in answer["error"]
        assert not list((signer_dir / "keys").glob("office-next*"))
        with pytest.raises(SignerRefused, match="not served on this socket"):
            SocketSigner(path).rotate_begin("attacker", NOW)
        # On the admin socket: the rotation begins; the service socket still cannot cosign.
        client = SocketSigner(admin)
        change, new = client.rotate_begin("密钥定期更换", NOW)
        tree = MerkleTree.from_entries([f"entry {i}\n".encode() for i in range(2)] + [change])
        cosign: dict[str, Any] = {"op": "checkpoint", "cosign": True, "old_size": 2}
        text = Checkpoint(lc.LOG, 3, tree.root()).to_text().decode()
        proof = [b64encode(h) for h in tree.consistency_proof(2)]
        refused = _ask(path, {**cosign, "text": text, "proof": proof})
        assert "not served on this socket" in refused["error"]
        # Not finished before a cosigned checkpoint covering the change has left the signer.
        early = _finish(admin, new.vkey, 2, [])
        assert not early["ok"] and "not cosigned" in early["error"]
        other = MerkleTree.from_entries([f"entry {i}\n".encode() for i in range(3)])
        other_text = Checkpoint(lc.LOG, 3, other.root()).to_text().decode()
        other_proof = [b64encode(h) for h in other.consistency_proof(2)]
        assert _ask(admin, {**cosign, "text": other_text, "proof": other_proof})["ok"]
        wrong = _finish(admin, new.vkey, 2, other.inclusion_proof(2, 3))
        assert not wrong["ok"] and "does not cover the key change" in wrong["error"]
        # The checkpoint that holds the change (4 entries: the tree above plus one).
        entries = [f"entry {i}\n".encode() for i in range(3)] + [change]
        full = MerkleTree.from_entries(entries)
        text4 = Checkpoint(lc.LOG, 4, full.root()).to_text().decode()
        proof4 = [b64encode(h) for h in full.consistency_proof(3)]
        cosign4 = {**cosign, "old_size": 3, "text": text4, "proof": proof4}
        assert _ask(admin, cosign4)["ok"]
        assert _finish(admin, new.vkey, 3, full.inclusion_proof(3, 4))["ok"]
        assert SocketSigner(path).vkey == new.vkey != old
        # Finishing again (a retry, a settle) is a success, not an error.
        assert _finish(admin, new.vkey, 3, full.inclusion_proof(3, 4))["ok"]
        assert not _finish(admin, old, 3, [])["ok"]
    refusals = [
        x for x in _audit(signer_dir) if "not served on this socket" in x.get("refused", "")
    ]
    assert len(refusals) == 5


def test_a_reset_while_serving_cannot_let_a_fork_through(tmp_path: Path, signer_dir: Path) -> None:
    """Finding 6: the serving signer compares with its file, not a cached size; and a reset
    refuses while a signer holds state/signer.lock."""
    from lottery.core.errors import InputError
    from lottery.service.signer_server import OfficeKeyHolder, hold_serve_lock

    serving = OfficeKeyHolder(signer_dir, first_log=True)
    tree10 = _tree(10)
    for size in (8, 10):
        text = Checkpoint(lc.LOG, size, tree10.root(size)).to_text().decode()
        old = 0 if size == 8 else 8
        proof = [b64encode(h) for h in tree10.consistency_proof(8)] if old else []
        assert serving.handle({"op": "checkpoint", "text": text, "old_size": old, "proof": proof})[
            "ok"
        ]
        if size == 8:
            eight = (signer_dir / "state" / "last-checkpoint").read_bytes()
    # A reset beside the running signer (what the lock now prevents), back to 8 entries.
    OfficeKeyHolder(signer_dir).reset_state(eight, "test")
    nine = _tree(9)
    request = {"op": "checkpoint", "old_size": 8}
    proof = [b64encode(h) for h in nine.consistency_proof(8)]
    text = Checkpoint(lc.LOG, 9, nine.root()).to_text().decode()
    assert serving.handle({**request, "text": text, "proof": proof})["ok"]
    assert (
        open_checkpoint(
            (signer_dir / "state" / "last-checkpoint").read_bytes(),
            serving.verifiers,
            origin=lc.LOG,
        ).size
        == 9
    )
    forked = MerkleTree.from_entries([*(f"entry {i}\n".encode() for i in range(8)), b"fork\n"])
    proof = [b64encode(h) for h in forked.consistency_proof(8)]
    text = Checkpoint(lc.LOG, 9, forked.root()).to_text().decode()
    assert not serving.handle({**request, "text": text, "proof": proof})["ok"]
    with hold_serve_lock(signer_dir), pytest.raises(InputError, match="is running"):
        hold_serve_lock(signer_dir)


def test_no_first_checkpoint_without_a_new_log(tmp_path: Path, signer_dir: Path) -> None:
    """Finding 7: a signer with no last checkpoint signs a first one only for a new log."""
    from lottery.core.errors import InputError
    from lottery.service.signer_server import OfficeKeyHolder

    path = tmp_path / "s.sock"
    with running_signer(signer_dir, path):
        answer = _checkpoint(path, _tree(4), 0)
        assert not answer["ok"] and "no last checkpoint" in answer["error"]
    (signer_dir / "state" / "new-log").touch()  # what `lottery signer init` leaves
    with running_signer(signer_dir, path):
        assert _checkpoint(path, _tree(4), 0)["ok"]
    assert not (signer_dir / "state" / "new-log").exists()
    with pytest.raises(InputError, match="signed checkpoints before"):
        OfficeKeyHolder(signer_dir, first_log=True)
    # A signer with archived keys whose state was lost refuses to serve.
    (signer_dir / "state" / "last-checkpoint").unlink()
    generate_keypair(signer_dir / "keys" / "archive", lc.LOG, "office-1-00000000")
    with pytest.raises(InputError, match="no state/last-checkpoint"):
        OfficeKeyHolder(signer_dir).check_can_serve()


def test_a_checkpoint_signed_meanwhile_is_retried_not_refused(sock: Path, signer_dir: Path) -> None:
    """Finding 11: another checkpoint signed between this client's state and checkpoint
    requests is a stale state answered distinctly; the client retries once."""
    tree = _tree(7)
    assert _checkpoint(sock, _tree(3), 0)["ok"]
    client = SocketSigner(sock)
    asked = client.state_size
    raced = []

    def racing_state() -> int:
        size = asked()
        if not raced:  # another writer signs 5 entries right after this client asked
            raced.append(_checkpoint(sock, _tree(5), 3)["ok"])
        return size

    client.state_size = racing_state  # type: ignore[method-assign]
    note = client.sign_checkpoint(Checkpoint(lc.LOG, 7, tree.root()), tree)
    assert raced == [True]
    assert open_checkpoint(note, [client.verifier], origin=lc.LOG).size == 7
    lines = _audit(signer_dir)
    assert not [x for x in lines if "refused" in x]
    assert [x["kind"] for x in lines if "stale" in x] == ["checkpoint"]


def test_the_serve_lock_is_the_signers_own_file(signer_dir: Path) -> None:
    """Second review, finding 9: the lock file is made 0600; a lock file another user made
    (root running a signer command), which the signer could not open, is refused in one line
    naming the signer's user, and a command run as another user than the directory's owner
    makes no file at all."""
    import os

    from lottery.core.errors import InputError
    from lottery.service.signer_server import hold_serve_lock

    lock = signer_dir / "state" / "signer.lock"
    with hold_serve_lock(signer_dir):
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    other = 65534  # nobody
    os.chown(lock, other, other)
    with pytest.raises(InputError, match="signer's user") as refused:
        hold_serve_lock(signer_dir)
    assert "\n" not in str(refused.value)
    assert lock.stat().st_uid == other  # left as it was
    lock.unlink()
    os.chown(signer_dir, other, other)  # the signer's directory; this process is root
    with pytest.raises(InputError, match="signer's user"):
        hold_serve_lock(signer_dir)
    assert not lock.exists()


def test_nothing_signed_between_the_cosigned_checkpoint_and_the_finish(
    tmp_path: Path, signer_dir: Path
) -> None:
    """Issue #25 follow-up: once the checkpoint cosigned by the next key has left, a checkpoint
    signed by the current key alone (the same size, or one extending it) would replace the
    signer's cosigned floor, and rotate-finish would be refused for good (abort, allowed
    again, would drop a key the log names). It is refused, so the rotation still finishes."""
    path, admin = tmp_path / "s.sock", tmp_path / "admin.sock"
    with running_signer(signer_dir, path, first_log=True, admin=admin):
        entries = [f"entry {i}\n".encode() for i in range(2)]
        assert _checkpoint(path, MerkleTree.from_entries(entries), 0)["ok"]
        change, new = SocketSigner(admin).rotate_begin("密钥定期更换", NOW)
        entries.append(change)
        cosigned = MerkleTree.from_entries(entries)
        cosign = {**_request(cosigned, 2), "cosign": True}
        assert _ask(admin, cosign)["ok"]
        later = MerkleTree.from_entries([*entries, b"entry 3\n"])
        for tree, old in ((cosigned, 3), (later, 3)):
            for sock in (path, admin):
                refused = _ask(sock, _request(tree, old))
                assert not refused["ok"] and "signed only cosigned" in refused["error"]
        # A fork is still refused as a fork (the operator's sign of a rolled-back checkpoint).
        fork = _ask(path, _request(_tree(4, "fork"), 3))
        assert not fork["ok"] and "does not extend" in fork["error"]
        assert _finish(admin, new.vkey, 2, cosigned.inclusion_proof(2, 3))["ok"]
        assert _ask(path, _request(later, 3))["ok"]  # the new key in force: signed as usual
    refusals = [x for x in _audit(signer_dir) if "signed only cosigned" in x.get("refused", "")]
    assert len(refusals) == 4


def test_a_rotation_stuck_by_an_earlier_version_is_finished_after_a_reset(
    signer_dir: Path,
) -> None:
    """docs/operations.md: a signer whose floor an earlier version let a current-key-only
    checkpoint replace is mended by putting the cosigned checkpoint back (reset-state), then
    finishing; never by aborting."""
    from lottery.core.checkpoint import sign_checkpoint
    from lottery.service.signer_server import OfficeKeyHolder
    from lottery.storage.checkpoint_file import write_checkpoint_file

    holder = OfficeKeyHolder(signer_dir, first_log=True)
    entries = [f"entry {i}\n".encode() for i in range(2)]
    assert holder.handle(_request(MerkleTree.from_entries(entries), 0))["ok"]
    rotate = {"op": "rotate-begin", "reason": "x", "time": "2026-03-01T02:00:00Z"}
    begin = holder.handle(rotate, admin=True)
    entries.append(begin["note"].encode())
    cosigned = MerkleTree.from_entries(entries)
    note = holder.handle({**_request(cosigned, 2), "cosign": True}, admin=True)["note"]
    later = MerkleTree.from_entries([*entries, b"entry 3\n"])
    stuck = sign_checkpoint(Checkpoint(lc.LOG, 4, later.root()), [holder.key])
    write_checkpoint_file(holder.guard.file, stuck)  # what an earlier version let through
    finish = {"op": "rotate-finish", "vkey": begin["vkey"], "index": 2}
    finish["proof"] = [b64encode(h) for h in cosigned.inclusion_proof(2, 3)]
    refused = holder.handle(finish, admin=True)
    assert not refused["ok"] and "not cosigned by the pending key" in refused["error"]
    assert holder.reset_state(note.encode(), "rotation stuck") == (4, 3)
    assert holder.handle(finish, admin=True) == {"ok": True, "vkey": begin["vkey"]}
