"""The public export and `lottery verify`: a good log verifies; each attack names its check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lottery.core.audit import audit_export
from lottery.export.read import file_getter
from lottery.export.write import ExportError, write_export
from lottery.service import inmemory
from tests.lifecycle import LOG, T_DRAW, T_REVEAL, announced, beacon, office_signer

LOTTERY = [sys.executable, "-m", "lottery"]


def _build(tmp_path: Path) -> tuple[Path, list[bytes], dict[str, bytes]]:
    signer = office_signer()
    first = announced("T2026-001")
    inmemory.draw(first, beacon()[1], T_DRAW)
    inmemory.reveal(first, T_REVEAL)
    second = announced("T2026-002")
    entries = [first.published.notes[0], second.published.notes[0], *first.published.notes[1:]]
    blobs = {**first.published.blobs, **second.published.blobs}
    out = tmp_path / "export"
    keys = [signer.vkey]
    write_export(out, entries[:2], blobs, signer, origin=LOG, public_keys=keys)
    write_export(out, entries, blobs, signer, origin=LOG, public_keys=keys)
    return out, entries, blobs


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return _build(tmp_path)[0]


def audit(path: Path):
    return audit_export(file_getter(path), [office_signer().verifier()], origin=LOG)


def failed(path: Path) -> set[str]:
    report = audit(path)
    assert not report.ok
    return {exc.check for _, exc in report.failures}


def test_good_export_verifies(export: Path) -> None:
    report = audit(export)
    assert report.ok, report.failures
    assert report.size == 4
    assert report.tasks["T2026-001"].status == "disclosed"
    assert report.tasks["T2026-002"].status == "announced"
    assert (export / "checkpoints" / "list").read_text().split() == ["2", "4"]


def test_known_verifications_are_reused_only_for_the_same_entries(export: Path) -> None:
    """A verification kept from an earlier audit stands in for a re-draw only while the
    task's entries are the same; the log's checks still run and add to a copy."""
    first = audit(export)
    digest, kept = first.verified["T2026-001"]
    count = len(kept.checks)
    get, verifiers = file_getter(export), [office_signer().verifier()]
    again = audit_export(get, verifiers, origin=LOG, known=first.verified)
    assert again.ok and again.verified["T2026-001"] == (digest, kept)
    assert again.tasks["T2026-001"].checks == first.tasks["T2026-001"].checks
    assert len(kept.checks) == count  # the kept one is not added to
    # A kept verification under another digest (other entries) is not used: re-drawn.
    stale = {"T2026-001": ("0" * 64, kept)}
    redrawn = audit_export(get, verifiers, origin=LOG, known=stale)
    assert redrawn.verified["T2026-001"][0] == digest
    assert redrawn.verified["T2026-001"][1] is not kept


def test_cli_verify_json_and_lines(export: Path) -> None:
    vkey = office_signer().vkey
    out = subprocess.run(
        [*LOTTERY, "verify", str(export), "--key", vkey, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["ok"] and body["keys_pinned"] and body["size"] == 4
    lines = subprocess.run(
        [*LOTTERY, "verify", str(export), "--task", "T2026-001", "--key", vkey],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lines.returncode == 0
    assert "ok    [T2026-001] draw.selection" in lines.stdout
    assert lines.stdout.strip().splitlines()[-1].startswith("VERIFIED")


def test_attack_flipped_byte_in_entry_bundle(export: Path) -> None:
    bundle = export / "tile" / "entries" / "000.p" / "4"
    data = bytearray(bundle.read_bytes())
    data[40] ^= 1
    bundle.write_bytes(bytes(data))
    assert failed(export) == {"log.entries"}


def test_attack_edited_tile(export: Path) -> None:
    tile = export / "tile" / "0" / "000.p" / "4"
    data = bytearray(tile.read_bytes())
    data[0] ^= 1
    tile.write_bytes(bytes(data))
    assert failed(export) == {"tiles.root"}


def test_attack_deleted_record_rewrites_history(tmp_path: Path) -> None:
    """The office deletes the reveal and re-signs a fresh checkpoint: the archive shows it."""
    out, entries, blobs = _build(tmp_path)
    forged = tmp_path / "forged"
    shutil.copytree(out, forged)
    for sub in ("tile", "checkpoint"):
        path = forged / sub
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    lst = forged / "checkpoints" / "list"
    lst.write_text("2\n")
    (forged / "checkpoints" / "4").unlink()
    write_export(forged, entries[:3], blobs, office_signer(), origin=LOG, public_keys=[])
    assert audit(forged).ok is True  # on its own a shorter log is consistent...
    # ...but the checkpoint of size 4 that anyone kept (witnesses, mirrors) is not a prefix.
    (forged / "checkpoints" / "4").write_bytes((out / "checkpoints" / "4").read_bytes())
    lst.write_text("2\n3\n4\n")
    assert "log.archive" in failed(forged) or "log.consistency" in failed(forged)


def test_attack_reordered_records(tmp_path: Path) -> None:
    out, entries, blobs = _build(tmp_path)
    reordered = [entries[1], entries[0], *entries[2:]]
    with pytest.raises(ExportError, match="refusing to rewrite"):
        write_export(out, reordered, blobs, office_signer(), origin=LOG, public_keys=[])


def test_attack_swapped_blob(export: Path) -> None:
    report = audit(export)
    outcome = report.tasks["T2026-001"]
    assert outcome.outcome is not None
    digest = next(r.body["outcome"] for r in report.records if r.type == "task-reveal")
    path = export / "blobs" / digest
    path.write_bytes(path.read_bytes().replace(b'"ticket":"', b'"ticket":"0', 1)[:-1])
    failures = audit(export).failures
    assert [(scope, exc.check) for scope, exc in failures] == [("T2026-001", "blob.hash")]


def test_attack_unknown_signer(export: Path) -> None:
    from lottery.core.note import Signer

    stranger = Signer.from_seed(LOG, bytes(32)).verifier()
    report = audit_export(file_getter(export), [stranger], origin=LOG)
    assert {exc.check for _, exc in report.failures} == {"checkpoint.signature"}


def test_cli_bad_input_is_one_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [*LOTTERY, "verify", str(tmp_path / "nowhere")], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and "no export found" in out.stderr
    assert "Traceback" not in out.stderr


def test_cli_verify_accepts_a_key_id_in_upper_case(export: Path) -> None:
    # The signed-note spec and Go's note package read the key id in either case.
    name, key_id, key = office_signer().vkey.split("+", 2)
    upper = f"{name}+{key_id.upper()}+{key}"
    assert upper != office_signer().vkey
    out = subprocess.run(
        [*LOTTERY, "verify", str(export), "--key", upper, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["keys_pinned"]
