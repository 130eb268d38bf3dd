"""Beacon specs and values: dict round trips, strict parsing, verification."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lottery.core import drand
from lottery.core.beacon import (
    BeaconSpec,
    DrandBeacon,
    DrandValue,
    NumberSource,
    PublicNumbersBeacon,
    PublicNumbersValue,
    beacon_value_bytes,
    beacon_value_from_dict,
    primary_round_exists,
    verify_beacon_value,
)
from lottery.core.canonical import canonical_json, parse_canonical_json
from lottery.core.errors import EncodingError, InputError, VerificationError

VECTOR = json.loads(
    (Path(__file__).parent.parent / "vectors" / "drand" / "quicknet.json").read_text("utf-8")
)
ROUND = VECTOR["rounds"][0]["round"]
SIGNATURE = bytes.fromhex(VECTOR["rounds"][0]["signature"])
RANDOMNESS = bytes.fromhex(VECTOR["rounds"][0]["randomness"])
CHAIN_HASH = VECTOR["chain_info"]["hash"]
DUE = datetime.fromtimestamp(drand.round_time(drand.QUICKNET, ROUND), UTC)  # 2023-08-23T15:15:33Z

PRIMARY = DrandBeacon("quicknet", CHAIN_HASH, ROUND, "2023-08-23T16:15:33Z")
FALLBACK = PublicNumbersBeacon(
    "RFC 3797 section 6 sources",
    (
        NumberSource("stock volume", "2023-08-24 close", "number", 1),
        NumberSource("lottery A", "draw 2023-08-24", "set", 5),
        NumberSource("lottery B", "draw 2023-08-24", "set", 6),
    ),
    "2023-08-24",
)
SPEC = BeaconSpec(PRIMARY, FALLBACK)
RFC_VALUES = [[9319], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]
RFC_KEY = "9319./2.5.8.10.12./9.18.26.34.41.45./"
DRAND_VALUE = DrandValue.from_signature("quicknet", ROUND, SIGNATURE)
NUMBERS_VALUE = PublicNumbersValue.from_values(RFC_VALUES)


def _fails(spec: BeaconSpec, value: Any, *, used_fallback: bool = False, **kw: Any) -> str:
    with pytest.raises(VerificationError) as info:
        verify_beacon_value(spec, value, used_fallback=used_fallback, **kw)
    assert info.value.check == "beacon"
    return info.value.detail


# --- dict forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "record", [PRIMARY, FALLBACK, FALLBACK.sources[1], SPEC, BeaconSpec(FALLBACK)]
)
def test_spec_round_trips_through_canonical_json(record: Any) -> None:
    data = canonical_json(record.to_dict())  # refuses floats and other non-JSON values
    assert type(record).from_dict(parse_canonical_json(data)) == record


@pytest.mark.parametrize("value", [DRAND_VALUE, NUMBERS_VALUE])
def test_values_round_trip(value: Any) -> None:
    data = canonical_json(value.to_dict())
    assert beacon_value_from_dict(parse_canonical_json(data)) == value


def test_dict_forms() -> None:
    assert SPEC.to_dict()["primary"] == {
        "kind": "drand",
        "chain": "quicknet",
        "chain_hash": CHAIN_HASH,
        "round": ROUND,
        "deadline": "2023-08-23T16:15:33Z",
    }
    assert "fallback" not in BeaconSpec(PRIMARY).to_dict()
    assert DRAND_VALUE.to_dict()["randomness"] == RANDOMNESS.hex()
    assert NUMBERS_VALUE.to_dict() == {
        "kind": "public-numbers",
        "key_string": RFC_KEY,
        "values": RFC_VALUES,
    }


def _mutate(path: str, new: Any) -> dict[str, Any]:
    data = copy.deepcopy(SPEC.to_dict())
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if new is _DELETE:
        del node[last]
    else:
        node[last] = new
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "new", "named"),
    [
        ("primary.round", 0, "beacon.primary.round"),
        ("primary.round", 1.5, "beacon.primary.round"),
        ("primary.round", "123", "beacon.primary.round"),
        ("primary.round", True, "beacon.primary.round"),
        ("primary.deadline", "2023-08-23 16:15:33", "beacon.primary.deadline"),
        ("primary.deadline", "2023-08-23T16:15:33+00:00", "beacon.primary.deadline"),
        ("primary.chain_hash", CHAIN_HASH.upper(), "beacon.primary.chain_hash"),
        ("primary.chain_hash", CHAIN_HASH[:-2], "beacon.primary.chain_hash"),
        ("primary.chain", "Quick Net", "beacon.primary.chain"),
        ("primary.kind", "randomness", "beacon.primary.kind"),
        ("primary.deadline", _DELETE, "beacon.primary.deadline"),
        ("primary.extra", 1, "beacon.primary.extra"),
        ("fallback.kind", "drand", "beacon.fallback.kind"),
        ("fallback.draw_date", "2023-02-30", "beacon.fallback.draw_date"),
        ("fallback.description", "", "beacon.fallback.description"),
        ("fallback.sources", [], "beacon.fallback.sources"),
        ("fallback.sources", {}, "beacon.fallback.sources"),
        ("fallback.sources.0.kind", "sequence", "beacon.fallback.sources[0].kind"),
        ("fallback.sources.0.count", 2, "beacon.fallback.sources[0].count"),
        ("fallback.sources.1.count", 17, "beacon.fallback.sources[1].count"),
        ("fallback.sources.1.name", None, "beacon.fallback.sources[1].name"),
        ("fallback.sources.2.announced_draw", _DELETE, "beacon.fallback.sources[2]"),
        ("extra", {}, "beacon.extra"),
    ],
)
def test_malformed_specs_name_the_field(path: str, new: Any, named: str) -> None:
    with pytest.raises(EncodingError) as info:
        BeaconSpec.from_dict(_mutate(path, new))
    assert named in str(info.value)


def test_fallback_only_behind_drand() -> None:
    with pytest.raises(EncodingError, match="fallback"):
        BeaconSpec.from_dict({"primary": FALLBACK.to_dict(), "fallback": FALLBACK.to_dict()})
    with pytest.raises(EncodingError):
        BeaconSpec(FALLBACK, FALLBACK)


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"kind": "coin"},
        dict(DRAND_VALUE.to_dict(), signature="00"),
        dict(DRAND_VALUE.to_dict(), round=0),
        dict(DRAND_VALUE.to_dict(), extra=1),
        dict(NUMBERS_VALUE.to_dict(), values=[]),
        dict(NUMBERS_VALUE.to_dict(), values=[[1, -1]]),
        dict(NUMBERS_VALUE.to_dict(), values=[[]]),
        dict(NUMBERS_VALUE.to_dict(), values=[1, 2]),
    ],
)
def test_malformed_values_are_encoding_errors(value: Any) -> None:
    with pytest.raises(EncodingError):
        beacon_value_from_dict(value)


@given(st.lists(st.lists(st.integers(0, 10**9), min_size=1, max_size=16), min_size=1, max_size=16))
def test_public_numbers_value_round_trip(values: list[list[int]]) -> None:
    value = PublicNumbersValue.from_values(values)
    assert PublicNumbersValue.from_dict(value.to_dict()) == value


# --- the 32 bytes -------------------------------------------------------------------------


def test_beacon_value_bytes() -> None:
    assert beacon_value_bytes(DRAND_VALUE) == RANDOMNESS
    assert beacon_value_bytes(NUMBERS_VALUE) == hashlib.sha256(RFC_KEY.encode()).digest()


def test_public_numbers_beacon_key_string() -> None:
    assert FALLBACK.key_string(RFC_VALUES) == RFC_KEY
    with pytest.raises(InputError, match="2 sources"):
        FALLBACK.key_string(RFC_VALUES[:2])
    with pytest.raises(InputError, match="source 2"):
        FALLBACK.key_string([[9319], [2, 5, 12, 8], [9, 18, 26, 34, 41, 45]])


# --- verification -------------------------------------------------------------------------


def test_verify_drand_primary() -> None:
    assert verify_beacon_value(SPEC, DRAND_VALUE, used_fallback=False) == RANDOMNESS


def test_verify_wrong_round() -> None:
    spec = BeaconSpec(DrandBeacon("quicknet", CHAIN_HASH, ROUND + 1, PRIMARY.deadline))
    assert "wrong round" in _fails(spec, DRAND_VALUE)


def test_verify_signature_of_another_round_relabelled() -> None:
    spec = BeaconSpec(DrandBeacon("quicknet", CHAIN_HASH, ROUND + 1, PRIMARY.deadline))
    relabelled = DrandValue.from_signature("quicknet", ROUND + 1, SIGNATURE)
    assert "bad drand signature" in _fails(spec, relabelled)


def test_verify_wrong_chain_hash() -> None:
    spec = BeaconSpec(DrandBeacon("quicknet", "00" * 32, ROUND, PRIMARY.deadline))
    assert "chain hash" in _fails(spec, DRAND_VALUE)


def test_verify_unknown_chain() -> None:
    spec = BeaconSpec(DrandBeacon("mainnet", CHAIN_HASH, ROUND, PRIMARY.deadline))
    value = DrandValue.from_signature("mainnet", ROUND, SIGNATURE)
    assert "unknown drand chain" in _fails(spec, value)
    assert "wrong chain" in _fails(SPEC, value)


def test_verify_bad_signature() -> None:
    forged = bytearray(SIGNATURE)
    forged[10] ^= 0x40
    assert "bad drand signature" in _fails(
        SPEC, DrandValue.from_signature("quicknet", ROUND, bytes(forged))
    )


def test_verify_forged_randomness() -> None:
    forged = DrandValue("quicknet", ROUND, SIGNATURE, b"\x00" * 32)
    assert "randomness" in _fails(SPEC, forged)
    with pytest.raises(VerificationError):
        beacon_value_bytes(forged)


def test_verify_kind_mismatch() -> None:
    assert "got public numbers" in _fails(SPEC, NUMBERS_VALUE)
    assert "got a drand value" in _fails(SPEC, DRAND_VALUE, used_fallback=True)


def test_verify_fallback_public_numbers() -> None:
    expected = hashlib.sha256(RFC_KEY.encode()).digest()
    assert verify_beacon_value(SPEC, NUMBERS_VALUE, used_fallback=True) == expected
    after = datetime(2023, 8, 24, 12, tzinfo=UTC)
    assert verify_beacon_value(SPEC, NUMBERS_VALUE, used_fallback=True, drawn_at=after) == expected


def test_verify_key_string_mismatch() -> None:
    tampered = PublicNumbersValue("9319./2.5.8.10.13./9.18.26.34.41.45./", NUMBERS_VALUE.values)
    assert "key string mismatch" in _fails(SPEC, tampered, used_fallback=True)


def test_verify_sources_shape_mismatch() -> None:
    short = PublicNumbersValue.from_values(RFC_VALUES[:2])
    assert "2 sources given" in _fails(SPEC, short, used_fallback=True)
    wrong = PublicNumbersValue.from_values([[9319], [2, 5, 12, 8], [9, 18, 26, 34, 41, 45]])
    assert "source 2" in _fails(SPEC, wrong, used_fallback=True)


def test_fallback_needs_an_announced_fallback_and_the_deadline() -> None:
    assert "none was announced" in _fails(BeaconSpec(PRIMARY), NUMBERS_VALUE, used_fallback=True)
    early = DUE + timedelta(minutes=5)
    assert "before the deadline" in _fails(SPEC, NUMBERS_VALUE, used_fallback=True, drawn_at=early)


def test_primary_round_exists() -> None:
    assert primary_round_exists(SPEC, SIGNATURE)
    assert not primary_round_exists(SPEC, b"\x00" * 48)
    with pytest.raises(InputError):
        primary_round_exists(BeaconSpec(FALLBACK), SIGNATURE)


# --- schedule -----------------------------------------------------------------------------


def test_due_time_and_deadline() -> None:
    assert PRIMARY.due_time() == datetime(2023, 8, 23, 15, 15, 33, tzinfo=UTC)
    assert not PRIMARY.deadline_passed(datetime(2023, 8, 23, 16, 15, 32, tzinfo=UTC))
    assert PRIMARY.deadline_passed(datetime(2023, 8, 23, 16, 15, 33, tzinfo=UTC))
    with pytest.raises(InputError, match="quicknet"):
        DrandBeacon("mainnet", CHAIN_HASH, ROUND, PRIMARY.deadline).due_time()


def test_check_schedule() -> None:
    SPEC.check_schedule(DUE - timedelta(days=1))
    with pytest.raises(InputError, match="not in the future"):
        SPEC.check_schedule(DUE)
    late_round = BeaconSpec(DrandBeacon("quicknet", CHAIN_HASH, ROUND, "2023-08-23T15:15:33Z"))
    with pytest.raises(InputError, match="deadline"):
        late_round.check_schedule(DUE - timedelta(days=1))
    early_fallback = PublicNumbersBeacon(FALLBACK.description, FALLBACK.sources, "2023-08-22")
    with pytest.raises(InputError, match="fallback"):
        BeaconSpec(PRIMARY, early_fallback).check_schedule(DUE - timedelta(days=1))
    numbers_only = BeaconSpec(FALLBACK)
    numbers_only.check_schedule(datetime(2023, 8, 23, 23, 59, tzinfo=UTC))
    with pytest.raises(InputError, match="after the announcement"):
        numbers_only.check_schedule(datetime(2023, 8, 24, 0, 0, tzinfo=UTC))
