"""The published witness policy: its format, and `lottery verify` enforcing it by default.

The office publishes a ``witness-policy`` record (2 of 2 witnesses, a 600 s margin) before a
task's announcement; `lottery verify` without any --witness flag then requires the quorum's
cosignatures at least the margin before the beacon (spec.md §8 ``announcement.witnessed``).
Witness keys are TEST-ONLY (tmp_path).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lottery.core.errors import EncodingError
from lottery.core.records import make_record
from lottery.core.witness_policy import policy_text
from publisher.model import load_model
from tests import lifecycle as lc
from tests import test_witness
from tests.test_witness import (
    AFTER_DRAW,
    BEFORE_BEACON,
    Office,
    _cosign,
    _keygen,
    _verify,
    _witness_failures,
    _witnessed,
)

cli = test_witness.cli  # the fixture: runs `lottery` in this process

BEACON = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # public numbers of 2026-03-02, Beijing 00:00
POLICY_AT = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def _policy(vkeys: list[str], quorum: int, margin: int = 600) -> bytes:
    named = [(f"w{i + 1}", v) for i, v in enumerate(vkeys)]
    return lc.witness_policy(named, POLICY_AT, quorum, margin)


def _office(tmp_path: Path, *notes: bytes) -> Office:
    """An export: the given records, then task T2026-001's announcement."""
    office = Office(tmp_path / "export")
    a = lc.announced("T2026-001")
    office.publish(*notes, a.published.notes[0], blobs=a.published.blobs)
    return office


def test_policy_record_format() -> None:
    good = "w.example+1a2b3c4d+" + "BA" + "A" * 42 + "="
    fields: dict[str, Any] = {"witnesses": [{"name": "w1", "vkey": good}], "quorum": 1, "margin": 0}
    with pytest.raises(EncodingError):  # a made-up key does not parse (wrong key id)
        make_record("witness-policy", lc.LOG, POLICY_AT, fields, [lc.office_signer()])


def test_policy_rules(cli, tmp_path: Path) -> None:
    w1, _ = _keygen(cli, tmp_path, "w1.example")
    w2, _ = _keygen(cli, tmp_path, "w2.example")
    office_key = lc.office_signer().vkey
    note = _policy([w1, w2], 2)
    from lottery.core.records import open_record

    body = open_record(note, [lc.office_signer().verifier()]).body
    assert policy_text(body, office_key).splitlines()[1:] == [
        f"log {office_key}",
        f"witness w1 {w1}",
        f"witness w2 {w2}",
        "group quorum 2 w1 w2",
        "quorum quorum",
    ]
    bad = [
        ([w1, w2], 3, 0, "more than its 2 witnesses"),
        ([w1, w1], 1, 0, "names a witness twice"),
        ([office_key], 1, 0, "not a cosignature/v1 key"),
        ([w1], 1, 86_401, "margin"),
    ]
    for keys, quorum, margin, words in bad:
        fields = {
            "witnesses": [{"name": f"w{i}", "vkey": v} for i, v in enumerate(keys)],
            "quorum": quorum,
            "margin": margin,
        }
        if words == "names a witness twice":
            fields["witnesses"] = [{"name": "w", "vkey": w1}, {"name": "w", "vkey": w2}]
        with pytest.raises(EncodingError, match=words):
            make_record("witness-policy", lc.LOG, POLICY_AT, fields, [lc.office_signer()])
    same_key = {
        "witnesses": [{"name": "a", "vkey": w1}, {"name": "b", "vkey": w1}],
        "quorum": 1,
        "margin": 0,
    }
    with pytest.raises(EncodingError, match="public key twice"):
        make_record("witness-policy", lc.LOG, POLICY_AT, same_key, [lc.office_signer()])
    reserved = {"witnesses": [{"name": "none", "vkey": w1}], "quorum": 1, "margin": 0}
    with pytest.raises(EncodingError, match="keyword"):
        make_record("witness-policy", lc.LOG, POLICY_AT, reserved, [lc.office_signer()])


def test_attack_backdated_announcement_under_the_published_policy(cli, tmp_path: Path) -> None:
    """The announcement's checkpoint is cosigned only after the beacon: verify, with no
    --witness flag at all, fails it under the policy the log publishes."""
    w1, key1 = _keygen(cli, tmp_path, "w1.example")
    w2, key2 = _keygen(cli, tmp_path, "w2.example")
    office = _office(tmp_path, _policy([w1, w2], 2))
    for key in (key1, key2):
        office.receive(_cosign(cli, office.out, key, AFTER_DRAW).out.encode())
    code, body = _verify(cli, office.out)
    assert code == 1 and body["witness_policies"] == 1
    failures = _witness_failures(body)
    assert set(failures) == {"T2026-001"}
    assert "witness-policy at log index 0" in failures["T2026-001"]
    assert "too late: w1.example" in failures["T2026-001"]
    assert [f["check"] for f in body["failures"]] == ["announcement.witnessed"]
    plain = cli("verify", str(office.out), "--key", lc.office_signer().vkey, ok=False)
    assert plain.code == 1 and "only the office's word" not in plain.err
    # The site builder does not stop on it (docs/witness.md, "Not done yet").
    assert "T2026-001" in load_model(office.out).tasks


def test_quorum_and_margin_of_the_policy(cli, tmp_path: Path) -> None:
    w1, key1 = _keygen(cli, tmp_path, "w1.example")
    w2, key2 = _keygen(cli, tmp_path, "w2.example")
    office = _office(tmp_path, _policy([w1, w2], 2))
    # 5 minutes before the beacon: before it, but inside the 600 s margin.
    close = BEACON - timedelta(minutes=5)
    office.receive(_cosign(cli, office.out, key1, close).out.encode())
    office.receive(_cosign(cli, office.out, key2, close).out.encode())
    code, body = _verify(cli, office.out)
    assert code == 1 and "margin of 600 s" in _witness_failures(body)["T2026-001"]

    # Fresh witnesses (they remember the tree above): one of two early enough, the quorum of
    # 2 is not met.
    w1, key1 = _keygen(cli, tmp_path / "b", "w1.example")
    w2, key2 = _keygen(cli, tmp_path / "b", "w2.example")
    w3, _ = _keygen(cli, tmp_path / "b", "w3.example")
    office = _office(tmp_path / "b", _policy([w1, w2], 2))
    office.receive(_cosign(cli, office.out, key1, BEFORE_BEACON).out.encode())
    code, body = _verify(cli, office.out)
    assert code == 1 and "missing: w2.example" in _witness_failures(body)["T2026-001"]

    # Both early: the policy holds without any flag. A reader's --witness only adds: a third
    # witness who did not cosign fails the task, the policy's own witnesses pass.
    office.receive(_cosign(cli, office.out, key2, BEFORE_BEACON).out.encode())
    code, body = _verify(cli, office.out)
    assert code == 0, body["failures"]
    assert _witnessed(body, "T2026-001")
    code, body = _verify(cli, office.out, w3)
    assert code == 1 and "missing: w3.example" in _witness_failures(body)["T2026-001"]
    code, body = _verify(cli, office.out, w1, w2, quorum=2)
    assert code == 0, body["failures"]


def test_announcement_before_any_policy_keeps_todays_rule(cli, tmp_path: Path) -> None:
    """A policy applies to the announcements after it: an earlier task is not held to it."""
    w1, _ = _keygen(cli, tmp_path, "w1.example")
    office = Office(tmp_path / "export")
    a = lc.announced("T2026-001")
    office.publish(a.published.notes[0], _policy([w1], 1), blobs=a.published.blobs)
    code, body = _verify(cli, office.out)
    assert code == 0, body["failures"] and body["witness_policies"] == 1
    assert not _witnessed(body, "T2026-001")


def test_cli_publishes_shows_and_reports(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = str(tmp_path / "data")
    monkeypatch.setenv("LOTTERY_ADMIN_PASSWORD", "test-only-password")
    cli("init", "--admin", "boss", "--data-dir", data)
    refused = cli("witness", "policy", "publish", "--data-dir", data, "--actor", "boss", ok=False)
    assert refused.code == 2 and "没有配置见证方" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    w1, _ = _keygen(cli, tmp_path, "w1.example")
    w2, _ = _keygen(cli, tmp_path, "w2.example")
    configured = [
        {"name": "jiwei", "url": "http://127.0.0.1:9", "vkey": w1},
        {"name": "court", "url": "http://127.0.0.1:9", "vkey": w2},
    ]
    monkeypatch.setenv("LOTTERY_WITNESSES", json.dumps(configured))
    monkeypatch.setenv("LOTTERY_WITNESS_QUORUM", "2")
    no_actor = cli("witness", "policy", "publish", "--data-dir", data, ok=False)
    assert no_actor.code == 2 and "--actor" in no_actor.err
    nobody = cli("witness", "policy", "publish", "--data-dir", data, "--actor", "eve", ok=False)
    assert nobody.code == 2 and "只有管理员" in nobody.err
    done = cli("witness", "policy", "publish", "--data-dir", data, "--actor", "boss")
    assert "2 个见证方中至少 2 个副署" in done.out
    again = cli("witness", "policy", "publish", "--data-dir", data, "--actor", "boss", ok=False)
    assert again.code == 2 and "相同" in again.err
    shown = cli("witness", "policy", "show", "--data-dir", data).out.splitlines()
    assert shown[-4:] == [
        f"witness jiwei {w1}",
        f"witness court {w2}",
        "group quorum 2 jiwei court",
        "quorum quorum",
    ]
    status = cli("witness", "status", "--data-dir", data).out
    assert "jiwei\t待副署" in status and "未达到" in status
