"""Witnesses end to end: keygen, cosign an export, publish cosignatures, verify --witness.

Witness keys are generated per test in tmp_path (TEST-ONLY); the office key is the suite's
test-only key (tests/lifecycle.py) or a data directory's own.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from lottery.cli import main, witness_cmd
from lottery.core.note import parse_note
from lottery.demo.recorded import numbers_beacon
from lottery.export.write import ExportError, write_export
from lottery.service import inmemory
from lottery.service.lifecycle import Lifecycle
from lottery.service.logview import LogView
from lottery.settings import Settings, get_settings
from tests import lifecycle as lc
from tests.service.conftest import (  # noqa: F401 - the parametrized fixtures
    database_url,
    load_registries,
    settings,
)

BEFORE_BEACON = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)  # the beacon: 2026-03-01T16:00Z
AFTER_DRAW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOTTERY_LOG_ORIGIN", lc.LOG)
    monkeypatch.delenv("LOTTERY_DATABASE_URL", raising=False)

    def run(*args: str, ok: bool = True, now: datetime | None = None) -> Result:
        if now is not None:  # the witness's clock
            monkeypatch.setattr(witness_cmd, "utc_now", lambda: now)
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        if ok:
            assert code == 0, captured.err
        return Result(code, captured.out, captured.err)

    return run


def _keygen(cli, tmp_path: Path, name: str) -> tuple[str, Path]:
    out = tmp_path / name.replace("/", "_")
    vkey = cli("witness", "keygen", name, "--out", str(out)).out.strip()
    return vkey, out / "witness.key"


def _merge(*cosigned: bytes) -> bytes:
    """The office note with every witness's lines (what the office publishes)."""
    first = parse_note(cosigned[0])
    office = first.signatures[0]
    lines = [office.line()]
    for note in cosigned:
        lines += [s.line() for s in parse_note(note).signatures[1:] if s.line() not in lines]
    return first.text + b"\n" + b"".join(lines)


class Office:
    """An in-memory office publishing a static export with tests/lifecycle.py helpers."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.signer = lc.office_signer()
        self.entries: list[bytes] = []
        self.blobs: dict[str, bytes] = {}
        self.cosigned: dict[int, bytes] = {}

    def publish(self, *notes: bytes, blobs: dict[str, bytes] | None = None) -> None:
        self.entries += notes
        self.blobs.update(blobs or {})
        self.write()

    def write(self) -> None:
        write_export(
            self.out,
            self.entries,
            self.blobs,
            self.signer,
            origin=lc.LOG,
            public_keys=[self.signer.vkey],
            cosigned=self.cosigned,
        )

    def receive(self, *cosigned: bytes) -> None:
        size = int(parse_note(cosigned[0]).text.split(b"\n")[1])
        old = [self.cosigned[size]] if size in self.cosigned else []
        self.cosigned[size] = _merge(*old, *cosigned)
        self.write()


def _cosign(cli, export: Path | str, key: Path, now: datetime, *, ok: bool = True) -> Result:
    vkey = lc.office_signer().vkey
    return cli(
        "witness", "cosign", str(export), "--key", str(key), "--office-key", vkey, now=now, ok=ok
    )


def _verify(cli, export: Path, *witnesses: str, quorum: int | None = None) -> tuple[int, dict]:
    args = ["verify", str(export), "--key", lc.office_signer().vkey, "--json"]
    for w in witnesses:
        args += ["--witness", w]
    if quorum is not None:
        args += ["--quorum", str(quorum)]
    result = cli(*args, ok=False)
    return result.code, json.loads(result.out)


def _witness_failures(body: dict) -> dict[str, str]:
    return {
        f["scope"]: f["detail"] for f in body["failures"] if f["check"] == "announcement.witnessed"
    }


def _witnessed(body: dict, task: str) -> bool:
    checks = body["tasks"][task]["checks"]
    return any(c["check"] == "announcement.witnessed" for c in checks)


def test_keygen_writes_a_private_key_0600_and_prints_only_the_public_key(
    cli, tmp_path: Path
) -> None:
    result = cli("witness", "keygen", "jiwei.example.gov.cn/w1", "--out", str(tmp_path / "k"))
    key, pub = tmp_path / "k" / "witness.key", tmp_path / "k" / "witness.pub"
    assert key.stat().st_mode & 0o777 == 0o600
    assert result.out.strip() == pub.read_text().strip()
    assert result.out.startswith("jiwei.example.gov.cn/w1+")
    assert key.read_text().startswith("PRIVATE+KEY+jiwei.example.gov.cn/w1+")
    secret = key.read_text().strip().split("+", 4)[4]  # base64 may itself contain '+'
    assert len(secret) == 44 and secret not in result.out + result.err
    again = cli("witness", "keygen", "x.example/w", "--out", str(tmp_path / "k"), ok=False)
    assert again.code != 0 and "already exists" in again.err
    assert len(again.err.strip().splitlines()) == 1
    os.chmod(key, 0o644)  # a readable private key is refused, with the fix
    shown = _cosign(cli, tmp_path, key, BEFORE_BEACON, ok=False)
    assert shown.code != 0 and "chmod 600" in shown.err


def test_attack_backdated_announcement_without_witness(cli, tmp_path: Path) -> None:
    """The office draws task A, then appends task B's announcement dated before the beacon.

    B's ``time`` field claims 2026-03-01T02:00Z, before the beacon (public numbers drawn on
    2026-03-02, i.e. known from 2026-03-01T16:00Z). But the only checkpoint covering B was
    cosigned after the draw, so ``announcement.witnessed`` fails for B, not for A.
    """
    w1, key = _keygen(cli, tmp_path, "w1.example")
    office = Office(tmp_path / "export")
    a = lc.announced("T2026-001")
    office.publish(a.published.notes[0], blobs=a.published.blobs)
    office.receive(_cosign(cli, office.out, key, BEFORE_BEACON).out.encode())
    inmemory.draw(a, lc.beacon()[1], lc.T_DRAW)
    b = lc.announced("T2026-002")  # signed with time T_ANNOUNCE: backdated
    office.publish(
        a.published.notes[1], b.published.notes[0], blobs={**a.published.blobs, **b.published.blobs}
    )
    office.receive(_cosign(cli, office.out, key, AFTER_DRAW).out.encode())
    assert (office.out / "cosigned" / "list").read_text().split() == ["1", "3"]

    code, body = _verify(cli, office.out, w1)
    assert code == 1
    assert _witnessed(body, "T2026-001")
    failures = _witness_failures(body)
    assert set(failures) == {"T2026-002"}
    assert (
        "log index 2" in failures["T2026-002"] and "too late: w1.example" in failures["T2026-002"]
    )
    # Every other check of task B holds: only the witnesses expose the backdating.
    assert [f["check"] for f in body["failures"]] == ["announcement.witnessed"]
    # Without witnesses the verifier cannot tell, and says so.
    plain = cli("verify", str(office.out), "--key", lc.office_signer().vkey)
    assert "only the office's word" in plain.err and "VERIFIED" in plain.out


def test_unknown_witness_key_and_quorum(cli, tmp_path: Path) -> None:
    w1, key1 = _keygen(cli, tmp_path, "w1.example")
    stranger, key_s = _keygen(cli, tmp_path, "stranger.example")
    w2, _ = _keygen(cli, tmp_path, "w2.example")
    office = Office(tmp_path / "export")
    a = lc.announced("T2026-001")
    office.publish(a.published.notes[0], blobs=a.published.blobs)
    office.receive(_cosign(cli, office.out, key_s, BEFORE_BEACON).out.encode())
    # A cosignature by a key the reader does not trust does not count ...
    code, body = _verify(cli, office.out, w1)
    assert code == 1 and "T2026-001" in _witness_failures(body)
    assert "missing: w1.example" in _witness_failures(body)["T2026-001"]
    # ... and counts for a reader who trusts that key.
    code, body = _verify(cli, office.out, stranger)
    assert code == 0, body["failures"]
    assert _witnessed(body, "T2026-001") and body["witnesses"] == [stranger]
    office.receive(_cosign(cli, office.out, key1, BEFORE_BEACON).out.encode())
    # Two of three trusted witnesses cosigned: quorum 3 (the default) fails, quorum 2 holds.
    assert _verify(cli, office.out, w1, w2, stranger)[0] == 1
    code, body = _verify(cli, office.out, w1, w2, stranger, quorum=2)
    assert code == 0 and body["quorum"] == 2
    bad = cli("verify", str(office.out), "--witness", w1, "--quorum", "2", ok=False)
    assert bad.code == 2 and "quorum" in bad.err and len(bad.err.strip().splitlines()) == 1
    not_a_witness = cli("verify", str(office.out), "--witness", lc.office_signer().vkey, ok=False)
    assert not_a_witness.code == 2 and "type 0x04" in not_a_witness.err


def test_tampered_cosignature_fails_closed(cli, tmp_path: Path) -> None:
    w1, key = _keygen(cli, tmp_path, "w1.example")
    office = Office(tmp_path / "export")
    a = lc.announced("T2026-001")
    office.publish(a.published.notes[0], blobs=a.published.blobs)
    office.receive(_cosign(cli, office.out, key, AFTER_DRAW).out.encode())
    path = office.out / "cosigned" / "1"
    note = parse_note(path.read_bytes())
    sig = note.signatures[1]
    # Claim an earlier time in the published file: the signature covers the timestamp.
    earlier = int(BEFORE_BEACON.timestamp()).to_bytes(8, "big") + sig.signature[8:]
    forged = replace(sig, signature=earlier)
    path.write_bytes(note.text + b"\n" + note.signatures[0].line() + forged.line())
    code, body = _verify(cli, office.out, w1)
    assert code == 1
    checks = {(f["scope"], f["check"]) for f in body["failures"]}
    assert ("log", "cosignature.signature") in checks
    assert ("T2026-001", "announcement.witnessed") in checks


def test_witness_refuses_an_inconsistent_or_smaller_log(cli, tmp_path: Path) -> None:
    _, key = _keygen(cli, tmp_path, "w1.example")
    a, b = lc.announced("T2026-001"), lc.announced("T2026-002")
    office = Office(tmp_path / "export")
    office.publish(
        a.published.notes[0], b.published.notes[0], blobs={**a.published.blobs, **b.published.blobs}
    )
    _cosign(cli, office.out, key, BEFORE_BEACON)
    state = key.with_name("witness.key.state.json")
    remembered = state.read_text()
    assert json.loads(remembered)["size"] == 2
    # A fork: the same office key publishes another history (B first, then A).
    fork = Office(tmp_path / "fork")
    fork.publish(b.published.notes[0], a.published.notes[0], blobs={})
    refused = _cosign(cli, fork.out, key, AFTER_DRAW, ok=False)
    assert refused.code == 2 and "not consistent" in refused.err and refused.out == ""
    assert len(refused.err.strip().splitlines()) == 1 and "Traceback" not in refused.err
    smaller = Office(tmp_path / "small")
    smaller.publish(a.published.notes[0])
    refused = _cosign(cli, smaller.out, key, AFTER_DRAW, ok=False)
    assert refused.code == 2 and "already cosigned a tree of 2" in refused.err
    assert state.read_text() == remembered  # a refusal changes nothing
    # A tile that does not match the signed root is refused before any state is kept.
    tile = next((office.out / "tile" / "0").glob("000.p/*"))
    tile.write_bytes(bytes(len(tile.read_bytes())))
    assert _cosign(cli, office.out, key, AFTER_DRAW, ok=False).code == 1
    assert state.read_text() == remembered


def test_cosigned_files_only_gain_lines(cli, tmp_path: Path) -> None:
    _, key1 = _keygen(cli, tmp_path, "w1.example")
    _, key2 = _keygen(cli, tmp_path, "w2.example")
    office = Office(tmp_path / "export")
    a = lc.announced("T2026-001")
    office.publish(a.published.notes[0], blobs=a.published.blobs)
    first = _cosign(cli, office.out, key1, BEFORE_BEACON).out.encode()
    office.receive(first)
    before = (office.out / "cosigned" / "1").read_bytes()
    office.receive(_cosign(cli, office.out, key2, BEFORE_BEACON).out.encode())
    after = (office.out / "cosigned" / "1").read_bytes()
    assert after.startswith(before) and len(parse_note(after).signatures) == 3
    office.cosigned[1] = first  # dropping w2's line would rewrite a published file
    with pytest.raises(ExportError, match="only gain lines"):
        office.write()


# --- the office's service: add-cosignature, export, /log/ ----------------------------------


def _task_file(tmp: Path) -> Path:
    """A task whose public draw is two days ahead (real time): the witness clock is real."""
    params = lc.params(lc.small_registries(), "T-wit")
    day = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    spec = numbers_beacon(day, "测试", (1, (1, 2, 3, 4, 5, 6)))[0]
    body = {
        "task": "T-wit",
        "title": params.title,
        "org_units": list(params.org_units),
        "window": {"start": params.window_start, "end": params.window_end},
        "ratios": dict(params.ratios),
        "team_size": 2,
        "disclosure": f"{date.today().year + 1}-01-31T00:00:00Z",
        "beacon": spec.to_dict(),
        "items": [{"code": c, "version": v} for c, v in params.items],
    }
    path = tmp / "task.yaml"
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return path


def test_service_publishes_cosignatures_and_verify_passes(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, export = tmp_path / "data", tmp_path / "export"
    monkeypatch.setenv("LOTTERY_ADMIN_PASSWORD", "test-only-password")
    cli("init", "--admin", "boss", "--data-dir", str(data))
    svc = Lifecycle.open(get_settings(data_dir=data, log_origin=lc.LOG))
    load_registries(svc, lc.small_registries())
    svc.engine.dispose()
    cli("task", "create", str(_task_file(tmp_path)), "--data-dir", str(data))
    cli("task", "announce", "T-wit", "--data-dir", str(data))
    cli("export", str(export), "--data-dir", str(data))
    office_vkey = (export / "keys" / "office.vkey").read_text().strip()
    w1, key1 = _keygen(cli, tmp_path, "w1.example")
    w2, key2 = _keygen(cli, tmp_path, "w2.example")
    cosigned = []
    for n, key in enumerate((key1, key2)):
        out = tmp_path / f"cosigned-{n}"
        args = ("witness", "cosign", str(export), "--key", str(key), "--office-key", office_vkey)
        cli(*args, "--out", str(out))
        cosigned.append(out)
    # Without --witness: stored unchecked (readers check them); with: only that witness's line.
    added = cli("checkpoint", "add-cosignature", str(cosigned[0]), "--data-dir", str(data))
    assert "added" in added.out and "w1.example" in added.out and "without checking" in added.err
    again = cli("checkpoint", "add-cosignature", str(cosigned[0]), "--data-dir", str(data))
    assert "already stored" in again.out
    cli("checkpoint", "add-cosignature", str(cosigned[1]), "--data-dir", str(data), "--witness", w2)
    cli("export", str(export), "--data-dir", str(data))
    code, body = _verify_office(cli, export, office_vkey, w1, w2)
    assert code == 0, body["failures"]
    assert _witnessed(body, "T-wit")
    # Size 5: the item list the office published before the task, the three registry
    # snapshots the announcement publishes (spec section 4), then the announcement.
    published = (export / "cosigned" / "5").read_bytes()
    assert len(parse_note(published).signatures) == 3
    # The running service serves the same bytes under /log/.
    svc = Lifecycle.open(get_settings(data_dir=data, log_origin=lc.LOG))
    try:
        view = LogView(svc)
        assert view.get("cosigned/list") == b"5\n"
        assert view.get("cosigned/5") == published
        assert view.get("cosigned/1") is None
    finally:
        svc.engine.dispose()


def _verify_office(cli, export: Path, office: str, *witnesses: str) -> tuple[int, dict]:
    args = ["verify", str(export), "--key", office, "--json"]
    for w in witnesses:
        args += ["--witness", w]
    result = cli(*args, ok=False)
    return result.code, json.loads(result.out)


def test_add_cosignature_refuses_what_the_office_never_signed(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("LOTTERY_ADMIN_PASSWORD", "test-only-password")
    cli("init", "--admin", "boss", "--data-dir", str(data))
    # A checkpoint signed by another key (the suite's test key) is refused on its signature.
    office = Office(tmp_path / "export")
    a = lc.announced("T2026-001")
    office.publish(a.published.notes[0], blobs=a.published.blobs)
    _, key = _keygen(cli, tmp_path, "w1.example")
    foreign = tmp_path / "foreign"
    foreign.write_bytes(_cosign(cli, office.out, key, BEFORE_BEACON).out.encode())
    refused = cli("checkpoint", "add-cosignature", str(foreign), "--data-dir", str(data), ok=False)
    assert refused.code == 1 and "checkpoint.signature" in refused.err
    # A checkpoint the office key signed at a size it never published is refused too.
    from lottery.core.checkpoint import Checkpoint, sign_checkpoint
    from lottery.core.cosignature import cosign
    from lottery.storage.keys import load_signer

    signer = load_signer(data / "keys" / "office.key")
    unsigned = sign_checkpoint(Checkpoint(lc.LOG, 7, bytes(32)), [signer])
    witness = witness_cmd.load_cosigner(key)
    forged = tmp_path / "forged"
    forged.write_bytes(cosign(unsigned, witness, int(BEFORE_BEACON.timestamp())))
    refused = cli("checkpoint", "add-cosignature", str(forged), "--data-dir", str(data), ok=False)
    assert refused.code == 2 and "never signed this checkpoint" in refused.err
    missing = cli(
        "checkpoint", "add-cosignature", str(tmp_path / "nope"), "--data-dir", str(data), ok=False
    )
    assert missing.code == 2 and "cannot read" in missing.err


# --- storage on SQLite and PostgreSQL -------------------------------------------------------


def test_cosignatures_in_the_database(settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    """Stored write-once, one per witness and size, exported in the order received."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from lottery.core.audit import audit_export
    from lottery.core.cosignature import Cosigner, cosign
    from lottery.core.witness_audit import WitnessPolicy
    from lottery.export.read import file_getter
    from lottery.service.cosignatures import add_cosignatures
    from lottery.service.log import PublicLog, cosigned_notes

    service = Lifecycle.open(settings)  # an empty log: the records below are all it holds
    service.log = PublicLog(lc.LOG, lc.office_signer())  # records made by tests/lifecycle.py
    a = lc.announced("T2026-001")
    with service.session() as s, s.begin():
        for blob in a.published.blobs.values():
            service.log.put_blob(s, blob)
        service.log.append(s, a.published.notes[0], task="T2026-001", step="announce")
        signed = service.log.sign_checkpoint(s, BEFORE_BEACON)
    w1, w2 = (Cosigner.from_seed(f"w{n}.example", bytes([n]) * 32) for n in (1, 2))  # test-only
    at = int(BEFORE_BEACON.timestamp())
    first = add_cosignatures(service, cosign(signed, w2, at), BEFORE_BEACON)
    both = cosign(cosign(signed, w1, at + 1), w2, at + 9)  # w2 again, later: not kept
    second = add_cosignatures(service, both, BEFORE_BEACON, witnesses=[w1.verifier()])
    assert (first.added, second.added, second.ignored) == (
        [f"w2.example ({w2.key_id.hex()})"],
        [f"w1.example ({w1.key_id.hex()})"],
        [f"w2.example ({w2.key_id.hex()})"],
    )
    with service.session() as s:
        published = cosigned_notes(s)
    assert list(published) == [1]
    lines = parse_note(published[1]).signatures
    assert [sig.name for sig in lines] == [lc.LOG, "w2.example", "w1.example"]
    with pytest.raises(DBAPIError, match="write-once"), service.engine.begin() as conn:
        conn.execute(text("UPDATE cosignature SET line = line"))
    out = tmp_path / "export"
    service.export_to(out)
    policy = WitnessPolicy((w1.verifier(), w2.verifier()), 2)
    report = audit_export(file_getter(out), [service.log.verifier], origin=lc.LOG, witnesses=policy)
    assert report.ok, report.failures
    assert report.tasks["T2026-001"].checks[-1].name == "announcement.witnessed"
    service.engine.dispose()


def test_a_log_that_cannot_be_read_is_not_bad_input(cli, tmp_path: Path) -> None:
    """A cron job's cosign against a log that does not answer: one line naming the URL, exit 5
    (try again later), not 2 (fix the command); nothing cosigned, no state written."""
    _, key = _keygen(cli, tmp_path, "w1.example")
    with socket.socket() as unused:  # nobody listens on this port: the connection is refused
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    refused = _cosign(cli, f"http://127.0.0.1:{port}/log", key, BEFORE_BEACON, ok=False)
    assert refused.code == 5 and refused.out == "", refused
    assert refused.err.startswith(f"error: cannot read http://127.0.0.1:{port}/log/")
    assert len(refused.err.strip().splitlines()) == 1
    assert not key.with_name("witness.key.state.json").exists()
