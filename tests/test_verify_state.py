"""``lottery verify --state``: a second run over a grown log verifies only what is new and
agrees with a full run (docs/verifier.md "Incremental runs").

The demo city's log is cut at 201 records (a prefix export signed with the demo office's own
key, with the cosigned checkpoints of that size or less: the same log as it stood then); the
202nd record, the announcement of T2026-004, is the growth. Each run here is in-process; a
full run of the demo log costs about 1.5 s of CPU.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from lottery.cli import main
from lottery.core.note import Signer, parse_note, sign_note
from lottery.demo.city import demo_settings
from tests.export_prefix import log_entries, write_prefix

CUT = 201


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LOTTERY_DATABASE_URL", raising=False)

    def run(*args: str) -> Result:
        try:
            main(["verify", *args, "--workers", "1", "--lang", "en"])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@dataclass(frozen=True)
class Demo:
    export: Path
    entries: list[bytes]
    signer: Signer
    origin: str

    def log(self, out: Path, entries: list[bytes]) -> Path:
        return write_prefix(self.export, out, entries, self.signer, origin=self.origin)


@pytest.fixture(scope="module")
def demo(demo_city: Path) -> Demo:
    export = demo_city / "export"
    key = (demo_settings(demo_city).keys_dir / "office.key").read_text("utf-8").strip()
    origin = (export / "checkpoint").read_bytes().split(b"\n", 1)[0].decode()
    entries = log_entries(export)
    assert len(entries) == CUT + 1
    return Demo(export, entries, Signer.from_private_key_string(key), origin)


@pytest.fixture(scope="module")
def prior_state(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The state a passing full run of the first 201 records leaves."""
    out = tmp_path_factory.mktemp("verify-state")
    log, state = demo.log(out / "cut", demo.entries[:CUT]), out / "state.json"
    try:
        main(["verify", str(log), "--state", str(state), "--workers", "1", "--lang", "en"])
    except SystemExit as exc:  # pragma: no cover - a failing first run is the bug shown below
        assert exc.code == 0
    saved = json.loads(state.read_text("utf-8"))
    assert saved["size"] == CUT and saved["kind"] == "lottery-verify-state"
    assert "T2026-004" not in saved["tasks"]
    return state.read_text("utf-8")


def _same_report(incremental: dict, full: dict) -> None:
    """Everything but the incremental run's own account of what it carried over."""
    assert full.pop("incremental") is None
    assert incremental.pop("incremental")["previous_size"] == CUT
    assert incremental == full


def _fails_as_a_full_run(cli, log: Path, prior_state: str, tmp_path: Path) -> dict:
    """Run over ``log`` from the prior state and in full: both fail with the same report,
    and the state is left as it was. Returns the incremental run's JSON report."""
    state = tmp_path / "state.json"
    state.write_text(prior_state, "utf-8")
    grown = cli(str(log), "--state", str(state), "--json")
    full = cli(str(log), "--json")
    assert grown.code == full.code == 1
    body = grown.json()
    _same_report(dict(body), full.json())
    assert state.read_text("utf-8") == prior_state  # a failed run changes nothing
    return body


def test_grown_log_gives_the_full_runs_report_and_saves_the_state(
    cli, demo: Demo, prior_state: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    state.write_text(prior_state, "utf-8")
    grown = cli(str(demo.export), "--state", str(state), "--json")
    full = cli(str(demo.export), "--json")
    assert grown.code == full.code == 0, grown.out
    body = grown.json()
    said = body["incremental"]
    # One new record, one new task: the other eight tasks (the drand one among them) are
    # carried over, not drawn again.
    assert said["records_verified"] == 1
    assert "T2026-004" not in said["tasks_carried_over"]
    assert len(said["tasks_carried_over"]) == 8 and "T2023-DRAND" in said["tasks_carried_over"]
    _same_report(body, full.json())
    assert json.loads(state.read_text("utf-8"))["size"] == CUT + 1

    # The text report is line for line the full run's; the note says what was carried over.
    text = cli(str(demo.export), "--state", str(state))
    assert text.code == 0 and text.out == cli(str(demo.export)).out
    assert "note: incremental: went on from a run of 202 records" in text.err


def test_tampered_new_record_fails_as_in_a_full_run_and_keeps_the_state(
    cli, demo: Demo, prior_state: str, tmp_path: Path
) -> None:
    """The new announcement, changed (its pool count) and signed again with the office key."""
    note = parse_note(demo.entries[CUT])
    text = note.text.replace(b'"candidates":', b'"candidates":1', 1)
    assert text != note.text
    forged = sign_note(text, [demo.signer])
    log = demo.log(tmp_path / "forged", [*demo.entries[:CUT], forged])
    body = _fails_as_a_full_run(cli, log, prior_state, tmp_path)
    failures = [(f["scope"], f["check"]) for f in body["failures"]]
    assert ("T2026-004", "pool.summary") in failures
    assert all(scope.endswith("T2026-004") for scope, _ in failures)


def test_new_record_of_a_carried_task_verifies_that_task_again(
    cli, demo: Demo, prior_state: str, tmp_path: Path
) -> None:
    """A second draw record of T2026-002 (a copy of its own, signed by the office): the task's
    records changed, so it is not carried over, and it fails as in a full run."""
    draw = next(
        e for e in demo.entries[:CUT] if b'"type":"task-draw"' in e and b'"task":"T2026-002"' in e
    )
    log = demo.log(tmp_path / "again", [*demo.entries[:CUT], draw])
    body = _fails_as_a_full_run(cli, log, prior_state, tmp_path)
    assert "T2026-002" not in body["incremental"]["tasks_carried_over"]
    assert [f["scope"] for f in body["failures"]] == ["T2026-002"]


def test_rollback_fork_and_damaged_state_are_refused(
    cli, demo: Demo, prior_state: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    state.write_text(prior_state, "utf-8")
    # A smaller log than the one verified: a rollback.
    smaller = demo.log(tmp_path / "smaller", demo.entries[: CUT - 1])
    rolled = cli(str(smaller), "--state", str(state))
    assert rolled.code == 1
    assert (
        "FAIL  [log] log.consistency      rollback: the checkpoint shows 200 records, but an "
        "earlier run verified 201" in rolled.out
    )
    # The same size and more, but the first 201 records are not the ones verified: a fork.
    swapped = [*demo.entries[: CUT - 2], demo.entries[CUT - 1], demo.entries[CUT - 2]]
    forked = demo.log(tmp_path / "forked", [*swapped, demo.entries[CUT]])
    fork = cli(str(forked), "--state", str(state))
    assert fork.code == 1
    assert (
        "history rewritten: the log's first 201 records are not the ones an earlier run "
        "verified (a fork)" in fork.out
    )
    assert state.read_text("utf-8") == prior_state

    # A state file changed by hand fails its own digest: refused, one line, exit 2.
    body = json.loads(prior_state)
    body["tasks"]["T2023-DRAND"]["status"] = "announced"
    state.write_text(json.dumps(body), "utf-8")
    refused = cli(str(demo.export), "--state", str(state))
    assert refused.code == 2 and refused.out == ""
    assert "state file refused: its digest does not match its content" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    try:
        main(["verify", str(demo.export), "--state", str(state), "--lang", "zh"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "不能据此接续核验；删除它即可重新完整核验" in capsys.readouterr().err
    state.write_text(prior_state, "utf-8")
    with_task = cli(str(demo.export), "--state", str(state), "--task", "T2026-001")
    assert with_task.code == 2 and "cannot be used with --task" in with_task.err
    other_key = cli(str(demo.export), "--state", str(state), "--key", _other_vkey())
    assert other_key.code == 2 and "--key differs from the keys in the state file" in other_key.err


def _other_vkey() -> str:
    import hashlib

    seed = hashlib.sha256(b"TEST ONLY another office key").digest()
    return Signer.from_seed("rfb.demo.example/lottery", seed).vkey


def test_a_new_state_file_is_a_full_run(cli, demo: Demo, tmp_path: Path) -> None:
    state = tmp_path / "new" / "state.json"
    first = cli(str(demo.export), "--state", str(state))
    assert first.code == 0 and "note: incremental" not in first.err
    saved = json.loads(state.read_text("utf-8"))
    assert saved["size"] == CUT + 1 and set(saved["tasks"]) >= {"T2023-DRAND", "T2026-004"}
    assert saved["pinned"] is False
    shutil.rmtree(state.parent)


def _export_copy(demo: Demo, out: Path) -> Path:
    """The whole demo log, exported anew (a folder this test may change)."""
    return demo.log(out, demo.entries)


def test_old_sealed_blobs_are_hashed_not_opened_and_a_removed_or_changed_one_fails(
    cli, demo: Demo, prior_state: str, tmp_path: Path
) -> None:
    """A later run checks that the sealed blobs of the records the state covers are still
    published with the content their names say (hashed), without reading them through the
    audit (not opened, not parsed); a penalty's blob (its content is read by the publication
    checks) and the new records' blobs are read as before. A blob removed, or changed in
    place under its own name (found by review: a listing missed it), fails as in a full run."""
    from lottery.core.audit_state import AuditState
    from lottery.core.records import parse_record_text
    from lottery.core.sealed import sealed_digest
    from lottery.core.sharing import SERIAL
    from lottery.export.read import file_getter
    from lottery.verifier.run import blob_listing, run_audit, state_keys

    export = _export_copy(demo, tmp_path / "grown")
    previous = AuditState.from_json(prior_state)
    assert previous.onsite is not None
    old = {
        str(sealed_digest(body)): body["type"]
        for body in (parse_record_text(parse_note(e).text) for e in demo.entries[:CUT])
        if sealed_digest(body) is not None
    }
    assert "inspection-result" in old.values()
    read: list[str] = []
    get = file_getter(export)

    def counting(path: str) -> bytes:
        read.append(path)
        return get(path)

    verifiers, pinned = state_keys(previous, [], demo.origin)
    audit = run_audit(
        counting,
        verifiers,
        pinned=pinned,
        policy=None,
        task=None,
        workers=SERIAL,
        prior=previous.prior(),
        present=blob_listing(str(export)),
    )
    assert audit.report.ok, audit.report.failures[:1]
    again = {p.removeprefix("blobs/") for p in read if p.removeprefix("blobs/") in old}
    assert {old[d] for d in again} <= {"penalty"}, sorted(old[d] for d in again)

    # An old result's blob removed (no withdrawal covers it): the run fails as a full run.
    gone = next(d for d, kind in old.items() if kind == "inspection-result")
    blob = export / "blobs" / gone
    with blob.open("ab") as changed:  # in place: the same file, no longer its SHA-256
        changed.write(b" ")
    body = _fails_as_a_full_run(cli, export, prior_state, tmp_path)
    assert "sealed.content" in [f["check"] for f in body["failures"]]
    blob.unlink()
    body = _fails_as_a_full_run(cli, export, prior_state, tmp_path)
    assert [f["check"] for f in body["failures"]] == ["sealed.missing"]


def test_a_new_bad_signature_and_an_altered_old_entry_fail(
    cli, demo: Demo, prior_state: str, tmp_path: Path
) -> None:
    """The new record with its signature changed fails ``record.signature``; an old record
    changed in its entry bundle (the tiles left as they were) fails ``log.entries``: the
    records the state covers are parsed without their signatures, but their bytes are
    still checked against the tree."""
    note = demo.entries[CUT]
    split = note.rindex(b" ") + 1  # the signature line's base64, after the key name
    signature = bytearray(note[split:-1])
    signature[-3] = ord("A") if signature[-3] != ord("A") else ord("B")
    log = demo.log(tmp_path / "bad", [*demo.entries[:CUT], note[:split] + signature + b"\n"])
    body = _fails_as_a_full_run(cli, log, prior_state, tmp_path)
    assert [(f["scope"], f["check"]) for f in body["failures"]][:1] == [
        (f"entry {CUT}", "record.signature")
    ]
    state = tmp_path / "state.json"

    export = _export_copy(demo, tmp_path / "altered")
    bundle = next(p for p in (export / "tile" / "entries").rglob("*") if p.is_file())
    data = bundle.read_bytes()
    at = data.index(b'"type":"') + len(b'"type":"')
    bundle.write_bytes(data[:at] + data[at : at + 1].upper() + data[at + 1 :])
    altered = cli(str(export), "--state", str(state), "--json")
    assert altered.code == 1
    assert [(f["scope"], f["check"]) for f in altered.json()["failures"]] == [
        ("log", "log.entries")
    ]
    assert state.read_text("utf-8") == prior_state


def test_a_state_without_onsite_reads_every_blob_and_then_keeps_it(
    cli, demo: Demo, prior_state: str, tmp_path: Path
) -> None:
    """A state written before ``onsite`` was kept is still good: that run reads the old
    sealed blobs (nothing says which results hold an on-site record) and writes it."""
    from lottery.core.audit_state import AuditState

    previous = AuditState.from_json(prior_state)
    older = replace(previous, onsite=None)
    assert older.prior().sealed is None and "onsite" not in json.loads(older.to_json())
    state = tmp_path / "state.json"
    state.write_text(older.to_json(), "utf-8")
    grown = cli(str(demo.export), "--state", str(state), "--json")
    assert grown.code == 0
    _same_report(grown.json(), cli(str(demo.export), "--json").json())
    kept = AuditState.from_json(state.read_text("utf-8"))
    assert kept.onsite is not None and previous.onsite is not None
    assert previous.onsite <= kept.onsite
