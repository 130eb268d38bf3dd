"""lottery-v1 known-answer vectors (tests/vectors/lottery-v1/).

Two kinds of check:
1. regression: regenerating the vectors from their fixed inputs gives the committed bytes;
2. a second implementation: the functions below follow docs/spec.md using only hashlib, json
   and PyNaCl (no lottery code), and must derive the same signatures, ids, commitment, beacon
   value, seed, stratum keys, tickets, counts and picks as the vectors hold.

The teams are re-derived from each vector's published inputs (seed, picks, team-input blob,
the announcement's team size and cap) by ``lottery.core.teams`` here, and by the in-browser
verifier's independent JavaScript in tests/browser/test_teams_js.py; both must give exactly
the vector's teams, team by team.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import VerifyKey

from lottery.core.note import NoteVerifier
from lottery.core.teams import assign_teams
from lottery.core.verify import verify_task

HERE = Path(__file__).resolve().parent / "vectors" / "lottery-v1"
NAMES = ("public-numbers", "drand")


def load(name: str) -> dict[str, Any]:
    return json.loads((HERE / f"task-{name}.json").read_text(encoding="utf-8"))


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_vectors", HERE / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_regenerates_byte_for_byte(name: str) -> None:
    assert _generator().render(name) == (HERE / f"task-{name}.json").read_text(encoding="utf-8")


# --- The second implementation, from docs/spec.md and the C2SP signed-note spec ----------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_open_note(note: str, public_key: bytes, name: str) -> bytes:
    """Split a signed note, check the Ed25519 signature of ``name``; return the text bytes."""
    text, _, sigs = note.partition("\n\n")
    text_bytes = (text + "\n").encode()
    kid = sha(name.encode() + b"\n\x01" + public_key)[:4]
    for line in sigs.splitlines():
        dash, signer, b64 = line.split(" ")
        assert dash == "\u2014"
        raw = base64.b64decode(b64)
        if signer == name and raw[:4] == kid:
            VerifyKey(public_key).verify(text_bytes, raw[4:])
            return text_bytes
    raise AssertionError("no signature by the office key")


def ref_key_string(values: list[list[int]]) -> str:
    """RFC 3797 §4 for integer sources: sort each, join with '.', end each source with './'."""
    return "".join(".".join(str(n) for n in sorted(v)) + "./" for v in values)


def ref_beacon_value(value: dict[str, Any]) -> bytes:
    if value["kind"] == "drand":
        return sha(bytes.fromhex(value["signature"]))
    return sha(ref_key_string(value["values"]).encode())


def ref_count(n: int, bp: int) -> int:
    return min(n, -(-n * bp // 10000))


def ref_picks(seed: bytes, pool: dict[str, Any]) -> tuple[dict, dict, list[str]]:
    keys, tickets, picks = {}, {}, []
    for st in pool["strata"]:
        key_name = f"{st['region']}|{st['risk']}"
        skey = sha(b"lottery-v1 stratum\x00" + seed + key_name.encode())
        keys[key_name] = skey.hex()
        tk = {c: sha(skey + c.encode()) for c in st["candidates"]}
        tickets[key_name] = {c: t.hex() for c, t in tk.items()}
        ranked = sorted(st["candidates"], key=lambda c, tk=tk: tk[c] + c.encode())
        picks += ranked[: st["count"]]
    return keys, tickets, picks


@pytest.mark.parametrize("name", NAMES)
def test_reference_implementation_agrees(name: str) -> None:
    v = load(name)
    inputs = v["inputs"]
    pub = bytes.fromhex(inputs["public_key"])
    log = inputs["log"]
    # The published key: vkey = name + hex key id + base64(0x01 || key).
    kid = sha(log.encode() + b"\n\x01" + pub)[:4]
    key_b64 = base64.b64encode(b"\x01" + pub).decode()
    assert inputs["vkey"] == f"{log}+{kid.hex()}+{key_b64}"

    ann_text = ref_open_note(v["announcement"]["note"], pub, log)
    draw_text = ref_open_note(v["draw"]["note"], pub, log)
    reveal_text = ref_open_note(v["reveal"]["note"], pub, log)
    assert hashlib.sha256(ann_text).hexdigest() == v["announcement"]["id"]
    assert hashlib.sha256(draw_text).hexdigest() == v["draw"]["id"]
    ann = json.loads(ann_text)
    draw = json.loads(draw_text)
    reveal = json.loads(reveal_text)

    secret = bytes.fromhex(reveal["secret"])
    assert secret.hex() == inputs["secret"]
    assert sha(b"lottery-v1 commit\x00" + secret).hex() == ann["commit"] == v["commit"]

    blobs = {k: s.encode() for k, s in v["blobs"].items()}
    assert hashlib.sha256(blobs["pool"]).hexdigest() == ann["pool"]["sha256"]
    assert hashlib.sha256(blobs["outcome"]).hexdigest() == draw["outcome"] == reveal["outcome"]

    beacon = ref_beacon_value(draw["beacon_value"])
    assert beacon.hex() == v["beacon_value_bytes"]
    seed = sha(b"lottery-v1 seed\x00" + sha(ann_text) + beacon + secret)
    assert seed.hex() == v["seed"]

    pool = json.loads(blobs["pool"])
    for st in pool["strata"]:
        assert st["count"] == ref_count(len(st["candidates"]), ann["ratios"][st["risk"]])
    keys, tickets, picks = ref_picks(seed, pool)
    assert keys == v["stratum_keys"]
    assert tickets == v["tickets"]
    assert picks == v["picks"]
    outcome = json.loads(blobs["outcome"])
    assert outcome["seed"] == seed.hex()
    assert [p["target"] for st in outcome["strata"] for p in st["picks"]] == picks
    assert [t["target"] for t in outcome["teams"]] == picks

    # Eligibility of the inspector pool (docs/spec.md §4): active, in scope, valid all window.
    team_input = json.loads(blobs["team_input"])
    start, end = ann["window"]["start"], ann["window"]["end"]
    eligible = sorted(
        i["id"]
        for i in inputs["registries"]["inspectors"]
        if i["org_unit"] in ann["org_units"] and i["from"] <= start and i["to"] >= end
    )
    assert team_input["inspectors"] == eligible
    conflicts = {(t, i) for t, i in team_input["conflicts"]}
    previous = {(t, i) for t, i in team_input["previous"]}
    workload: dict[str, int] = {}
    for team in outcome["teams"]:
        assert len(set(team["inspectors"])) == ann["team_size"]
        for i in team["inspectors"]:
            assert i in eligible
            assert (team["target"], i) not in conflicts | previous
            workload[i] = workload.get(i, 0) + 1
    assert max(workload.values()) <= ann["cap"]


def _grouped(pairs: list[list[str]]) -> dict[str, frozenset[str]]:
    """The team-input blob's [target, inspector] pairs as target -> inspectors."""
    out: dict[str, set[str]] = {}
    for target, inspector in pairs:
        out.setdefault(target, set()).add(inspector)
    return {t: frozenset(ids) for t, ids in out.items()}


@pytest.mark.parametrize("name", NAMES)
def test_teams_rederived_from_published_inputs(name: str) -> None:
    """docs/teams.md §2 on the vector's published inputs gives its teams, team by team."""
    v = load(name)
    ann = json.loads(v["announcement"]["note"].split("\n", 1)[0])
    assert (ann["team_size"], ann["cap"]) == (v["inputs"]["team_size"], v["inputs"]["cap"])
    team_input = json.loads(v["blobs"]["team_input"])
    outcome = json.loads(v["blobs"]["outcome"])
    got = assign_teams(
        bytes.fromhex(v["seed"]),
        v["picks"],
        team_input["inspectors"],
        _grouped(team_input["conflicts"]),
        _grouped(team_input["previous"]),
        ann["team_size"],
        ann["cap"],
    )
    want = [(t["target"], tuple(t["inspectors"])) for t in v["teams"]]
    assert [(t["target"], tuple(t["inspectors"])) for t in outcome["teams"]] == want
    assert len(got) == len(want) == len(v["picks"])
    for k, (team, expected) in enumerate(zip(got, want, strict=True)):
        assert (team.target, team.inspectors) == expected, f"team {k + 1} of {len(want)}"


@pytest.mark.parametrize("name", NAMES)
def test_core_verifier_accepts_the_vectors(name: str) -> None:
    v = load(name)
    notes = [v[k]["note"].encode() for k in ("announcement", "draw", "reveal")]
    blobs = {hashlib.sha256(b.encode()).hexdigest(): b.encode() for b in v["blobs"].values()}
    report = verify_task(
        notes, blobs, [NoteVerifier.from_vkey(v["inputs"]["vkey"])], log=v["inputs"]["log"]
    )
    assert report.status == "disclosed"


# --- Cancelled, secret lost (docs/spec.md §7, §8): lottery-v1/task-secret-lost.json -------

LOST = json.loads((HERE / "task-secret-lost.json").read_text(encoding="utf-8"))


def test_secret_lost_vector_regenerates_byte_for_byte() -> None:
    spec = importlib.util.spec_from_file_location("make_lost", HERE / "make_secret_lost.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (HERE / "task-secret-lost.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", [c["name"] for c in LOST["cases"]])
def test_the_verifier_gives_each_secret_lost_verdict(case: str) -> None:
    from lottery.core.errors import VerificationError
    from lottery.core.verify import secret_lost

    c = next(c for c in LOST["cases"] if c["name"] == case)
    blobs = {hashlib.sha256(b.encode()).hexdigest(): b.encode() for b in LOST["blobs"].values()}
    if case == "lost-after-reveal":  # the reveal publishes the outcome
        blob = LOST["outcome_blob"].encode()
        blobs[hashlib.sha256(blob).hexdigest()] = blob
    args = ([n.encode() for n in c["notes"]], blobs, [NoteVerifier.from_vkey(LOST["vkey"])])
    if c["verdict"] == "fail":
        with pytest.raises(VerificationError) as failed:
            verify_task(*args, log=LOST["log"])
        assert failed.value.check == c["check"]
        return
    report = verify_task(*args, log=LOST["log"])
    assert report.status == "cancelled" and secret_lost(report)
    assert report.outcome is None  # nothing re-drawn, nothing claimed
    assert [ch.name for ch in report.checks][-1] == c["check"] == "cancel.secret_lost"
    # The lawful case's records are those of task-drand.json (v1 vectors unchanged).
    assert c["notes"][0] == load("drand")["announcement"]["note"]


# --- Sealed content (docs/spec.md §2.1): tests/vectors/sealed/ ------------------------------

SEALED = Path(__file__).resolve().parent / "vectors" / "sealed"


def _sealed_generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_sealed", SEALED / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sealed_vectors() -> dict[str, Any]:
    return json.loads((SEALED / "sealed.json").read_text(encoding="utf-8"))


def test_sealed_vectors_regenerate_byte_for_byte() -> None:
    text = (SEALED / "sealed.json").read_text(encoding="utf-8")
    assert _sealed_generator().render() == text


def test_the_core_seals_the_same_bytes_and_commitments() -> None:
    from lottery.core.canonical import sha256_hex
    from lottery.core.sealed import open_sealed, seal

    v = _sealed_vectors()
    for name, salt in v["salts"].items():
        blob = seal("penalty", v["content"], bytes.fromhex(salt))
        assert blob == v["blobs"][name].encode()
        assert sha256_hex(blob) == v["commitments"][name]
        assert open_sealed(blob, v["commitments"][name], "penalty") == v["content"]


@pytest.mark.parametrize(
    "case", [c["name"] for c in json.loads((SEALED / "sealed.json").read_text("utf-8"))["cases"]]
)
def test_the_verifier_gives_each_cases_verdict(case: str) -> None:
    from datetime import UTC, datetime

    from lottery.core.records import make_record, open_record
    from lottery.core.sealed_audit import audit_sealed
    from tests.forge import penalty_fields
    from tests.lifecycle import LOG, office_signer

    (c,) = [c for c in _sealed_vectors()["cases"] if c["name"] == case]
    signer = office_signer()

    def record(kind: str, at: datetime, fields: dict[str, Any]) -> Any:
        note = make_record(kind, LOG, at, fields, [signer])
        return open_record(note, [signer.verifier()], log=LOG)

    penalty = record(
        "penalty",
        datetime(2026, 4, 9, 2, tzinfo=UTC),
        penalty_fields(c["commitment"], "青人防罚〔2026〕3号"),
    )
    records = [penalty]
    if c["withdrawn"] is not None:
        day = datetime.fromisoformat(c["withdrawn"]["date"]).replace(hour=1, tzinfo=UTC)
        fields = {
            "penalty": penalty.id,
            "decision": "青人防罚〔2026〕3号",
            "sealed": c["withdrawn"]["sealed"],
            "ground": "expired",
            "reason": c["withdrawn"]["reason"],
            "revoked": None,
            "deadline": None,
        }
        records.append(record("penalty-withdrawal", day, fields))
    published = {} if c["published"] is None else {c["commitment"]: c["published"].encode()}
    audit = audit_sealed(records, lambda digest: published[digest])
    if c["verdict"] == "fail":
        assert [f.check for _, f in audit.failures] == c.get("checks", [c["check"]])
    else:
        assert not audit.failures
        [check] = audit.checks
        assert check.name == c["check"]
        assert check.detail.endswith(c.get("detail", "match their commitments"))
