"""Office key transition vectors (tests/vectors/key-change/, docs/spec.md §2 "Key changes").

Each case is checked twice: by ``lottery verify`` (the audit over a static export of the case's
log, and the command line for two cases), and by a second reading of the spec written here
from its words alone (signed notes and vkeys as docs/log-format.md "Keys" and "Signed notes"
define them, Ed25519 through PyNaCl, no lottery code).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest

from lottery.cli import main
from lottery.core.audit import audit_export
from lottery.core.note import NoteVerifier, Signer
from lottery.export.read import file_getter
from lottery.export.write import write_export

HERE = Path(__file__).resolve().parent / "vectors" / "key-change"
VECTORS = json.loads((HERE / "cases.json").read_text("utf-8"))
CASES = {c["name"]: c for c in VECTORS["cases"]}
ORIGIN = VECTORS["origin"]


def test_the_file_is_what_the_generator_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_key_change", HERE / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (HERE / "cases.json").read_text("utf-8")


# --- the second reading of the spec ------------------------------------------------------


def _vkey(text: str) -> tuple[str, bytes, bytes]:
    """(name, key id, public key) of a vkey ``<name>+<hex id>+<base64(0x01 || key)>``."""
    name, hex_id, b64 = text.split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    assert len(raw) == 33 and raw[0] == 1
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4]
    assert key_id.hex() == hex_id.lower()
    return name, key_id, raw[1:]


def _signed_by(note: str, key: str) -> bool:
    """Whether ``note`` carries a valid signature line by ``key`` (False for a bad one)."""
    name, key_id, public = _vkey(key)
    data = note.encode("utf-8")
    cut = data.rindex(b"\n\n") + 1
    text, lines = data[:cut], data[cut + 1 :].decode("utf-8").splitlines()
    for line in lines:
        dash, signer, b64 = line.split(" ")
        assert dash == "\u2014"
        sig = base64.b64decode(b64, validate=True)
        if signer == name and sig[:4] == key_id:
            try:
                nacl.signing.VerifyKey(public).verify(text, sig[4:])
            except nacl.exceptions.BadSignatureError:
                return False
            return True
    return False


def _body(note: str) -> dict[str, Any]:
    return json.loads(note[: note.rindex("\n\n")])


def spec_verdict(case: dict[str, Any]) -> tuple[str, list[list[str]], list[str]]:
    """docs/spec.md §2 "Key changes" read literally: the verdict, the keys at each index and
    the keys in force at the end."""
    keys: list[str] = list(case["pinned"])
    keys_at: list[list[str]] = []
    changed_at: dict[int, list[str]] = {}
    for index, entry in enumerate(case["entries"]):
        keys_at.append(keys)
        body = _body(entry)
        if body["type"] == "key-change":
            lawful = any(_signed_by(entry, k) for k in keys) and all(
                _signed_by(entry, k) for k in body["keys"]
            )
            if not lawful:
                return "log.key_change", [], []
            changed_at[index] = keys
            keys = list(body["keys"])
    size = len(case["entries"])
    allowed = keys + changed_at.get(size - 1, [])
    if not any(_signed_by(case["checkpoint"], k) for k in allowed):
        return "checkpoint.signature", [], []
    for entry, in_force in zip(case["entries"], keys_at, strict=True):
        if not any(_signed_by(entry, k) for k in in_force):
            return "record.signature", [], []
    return "ok", keys_at, keys


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_spec_read_literally_gives_each_verdict(name: str) -> None:
    case = CASES[name]
    verdict, keys_at, final = spec_verdict(case)
    assert verdict == case["verdict"]
    if verdict == "ok":
        assert [k[0] for k in keys_at] == case["keys_at"] and final == case["final"]


def test_the_test_keys_are_the_labelled_test_only_keys() -> None:
    for entry in VECTORS["keys"].values():
        assert entry["label"].startswith("TEST ONLY")
        assert bytes.fromhex(entry["seed"]) == hashlib.sha256(entry["label"].encode()).digest()
        assert Signer.from_seed(ORIGIN, bytes.fromhex(entry["seed"])).vkey == entry["vkey"]


# --- lottery verify ----------------------------------------------------------------------


def _export(out: Path, case: dict[str, Any]) -> Path:
    entries = [e.encode("utf-8") for e in case["entries"]]
    scratch = Signer.from_seed(ORIGIN, hashlib.sha256(b"TEST ONLY scratch").digest())
    write_export(out, entries, {}, scratch, origin=ORIGIN, public_keys=case["pinned"])
    note = case["checkpoint"].encode("utf-8")
    (out / "checkpoint").write_bytes(note)
    (out / "checkpoints" / str(len(entries))).write_bytes(note)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_lottery_verify_gives_each_verdict(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    report = audit_export(
        file_getter(_export(tmp_path / name, case)),
        [NoteVerifier.from_vkey(k) for k in case["pinned"]],
        origin=ORIGIN,
    )
    if case["verdict"] == "ok":
        assert report.ok, report.failures
        assert "log.key_change" in [c.name for c in report.checks]
    else:
        assert not report.ok and report.failures[0][1].check == case["verdict"]


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(["verify", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_command_follows_a_lawful_change_and_fails_a_single_signature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = VECTORS["keys"]["old"]["vkey"]
    lawful = _export(tmp_path / "lawful", CASES["lawful"])
    code, said = _verify(capsys, str(lawful), "--key", old, "--lang", "en", "--workers", "1")
    assert code == 0, said
    assert "log index 1" in said
    single = _export(tmp_path / "single", CASES["singly-signed"])
    code, said = _verify(capsys, str(single), "--key", old, "--lang", "zh", "--workers", "1")
    assert code == 1 and "旧密钥和新密钥的共同签名" in said and "Traceback" not in said
