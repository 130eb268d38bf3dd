"""drand quicknet: chain info, round arithmetic, BLS verification, relay JSON.

Known answers come only from outside: the quicknet chain info and round 123 published by the
drand network (tests/vectors/drand/quicknet.json), and the RFC 9380 appendix J.9.1 vectors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from py_ecc.optimized_bls12_381.optimized_curve import field_modulus

from lottery.core import drand
from lottery.core.errors import EncodingError, InputError, VerificationError

VECTOR = json.loads(
    (Path(__file__).parent.parent / "vectors" / "drand" / "quicknet.json").read_text("utf-8")
)
ROUND = VECTOR["rounds"][0]["round"]
SIGNATURE = bytes.fromhex(VECTOR["rounds"][0]["signature"])
RANDOMNESS = bytes.fromhex(VECTOR["rounds"][0]["randomness"])
Q = drand.QUICKNET


def _reject(signature: bytes, rnd: int = ROUND, chain: drand.ChainInfo = Q) -> str:
    with pytest.raises(VerificationError) as info:
        drand.verify_round(chain, rnd, signature)
    assert info.value.check == "beacon.drand"
    return info.value.detail


# --- chain info ---------------------------------------------------------------------------


def test_pinned_chain_hash_is_the_hash_of_its_fields() -> None:
    assert Q.compute_chain_hash() == Q.chain_hash
    assert Q.chain_hash.hex() == VECTOR["chain_info"]["hash"]


def test_published_chain_info_equals_the_pinned_constant() -> None:
    assert drand.ChainInfo.from_dict(VECTOR["chain_info"]) == Q
    assert drand.CHAINS == {"quicknet": Q}


@pytest.mark.parametrize(
    ("field", "value"),
    [("period", 30), ("genesis_time", 1692803368), ("metadata", {"beaconID": "default"})],
)
def test_chain_info_with_a_changed_field_fails_its_hash(field: str, value: Any) -> None:
    info = dict(VECTOR["chain_info"], **{field: value})
    with pytest.raises(VerificationError):
        drand.ChainInfo.from_dict(info)


@pytest.mark.parametrize(
    "info",
    [[], {}, dict(VECTOR["chain_info"], period="3"), dict(VECTOR["chain_info"], public_key="00")],
)
def test_malformed_chain_info_is_an_encoding_error(info: Any) -> None:
    with pytest.raises(EncodingError):
        drand.ChainInfo.from_dict(info)


def test_default_beacon_id_is_left_out_of_the_chain_hash() -> None:
    chain = dataclasses.replace(Q, beacon_id="default")
    expected = hashlib.sha256(
        (3).to_bytes(4, "big") + Q.genesis_time.to_bytes(8, "big") + Q.public_key + Q.group_hash
    ).digest()
    assert chain.compute_chain_hash() == expected


# --- round arithmetic ---------------------------------------------------------------------


def test_round_time_of_the_vector_round() -> None:
    assert drand.round_time(Q, 1) == 1692803367
    assert drand.round_time(Q, ROUND) == 1692803367 + (ROUND - 1) * 3


def test_round_at_edges() -> None:
    assert drand.round_at(Q, Q.genesis_time - 1) == 0
    assert drand.round_at(Q, Q.genesis_time) == 1
    assert drand.round_at(Q, Q.genesis_time + 2) == 1
    assert drand.round_at(Q, Q.genesis_time + 3) == 2


@given(st.integers(min_value=1, max_value=2**40), st.integers(min_value=0, max_value=2))
def test_round_at_inverts_round_time(rnd: int, offset: int) -> None:
    assert drand.round_at(Q, drand.round_time(Q, rnd) + offset) == rnd


@pytest.mark.parametrize("bad", [0, -1])
def test_round_time_rejects_rounds_below_one(bad: int) -> None:
    with pytest.raises(InputError):
        drand.round_time(Q, bad)


def test_round_message_is_sha256_of_u64be() -> None:
    assert drand.round_message(ROUND) == hashlib.sha256(ROUND.to_bytes(8, "big")).digest()
    with pytest.raises(InputError):
        drand.round_message(2**64)


# --- BLS verification ---------------------------------------------------------------------


def test_verifies_the_published_round_and_returns_its_randomness() -> None:
    assert drand.verify_round(Q, ROUND, SIGNATURE) == RANDOMNESS
    assert hashlib.sha256(SIGNATURE).digest() == RANDOMNESS


def test_one_verification_is_two_miller_loops_and_one_final_exponentiation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What keeps a verification cheap, counted rather than timed (bench/bench_draw.py times
    # it: its "drand BLS s" column): the public key is decompressed and subgroup-checked once
    # per key, not per round, and the two pairings share a single final exponentiation.
    from py_ecc.optimized_bls12_381 import optimized_pairing

    drand.verify_round(Q, ROUND, SIGNATURE)  # the key is now cached
    calls: dict[str, int] = {"pairing": 0, "final_exponentiate": 0}
    for name in calls:
        real = getattr(optimized_pairing, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            calls[_name] += 1
            return _real(*args, **kw)

        monkeypatch.setattr(optimized_pairing, name, counted)
    misses = drand._g2_public_key.cache_info().misses
    assert drand.verify_round(Q, ROUND, SIGNATURE) == RANDOMNESS
    assert drand._g2_public_key.cache_info().misses == misses
    assert calls == {"pairing": 2, "final_exponentiate": 1}


@pytest.mark.parametrize("other_round", [1, ROUND - 1, ROUND + 1, 2**63])
def test_the_signature_of_another_round_is_rejected(other_round: int) -> None:
    assert "does not verify" in _reject(SIGNATURE, other_round)


def test_a_modified_signature_is_rejected() -> None:
    for position in (0, 20, 47):
        tampered = bytearray(SIGNATURE)
        tampered[position] ^= 0x01
        _reject(bytes(tampered))


@pytest.mark.parametrize(
    ("signature", "fragment"),
    [
        (b"", "48 bytes"),
        (SIGNATURE[:-1], "48 bytes"),
        (SIGNATURE + b"\x00", "48 bytes"),
        (b"\x00" * 48, "not a point"),  # compression flag missing
        (b"\xff" * 48, "not a point"),
        (b"\x9f" + b"\xff" * 47, "not a point"),  # x >= field modulus
        (b"\xc0" + b"\x00" * 47, "infinity"),
    ],
)
def test_garbage_signatures_are_rejected(signature: bytes, fragment: str) -> None:
    assert fragment in _reject(signature)


def test_a_curve_point_outside_the_subgroup_is_rejected() -> None:
    p = field_modulus
    x = next(x for x in range(1, 100) if pow(x**3 + 4, (p - 1) // 2, p) == 1)
    encoded = (x | (1 << 383)).to_bytes(48, "big")  # compressed, on y^2 = x^3 + 4
    assert "subgroup" in _reject(encoded)


@pytest.mark.parametrize("bad_round", [0, -5, True])
def test_rounds_below_one_are_rejected(bad_round: int) -> None:
    assert "round" in _reject(SIGNATURE, bad_round)


def test_other_schemes_are_not_verified() -> None:
    chained = dataclasses.replace(Q, scheme_id="pedersen-bls-chained")
    assert "scheme" in _reject(SIGNATURE, chain=chained)


def test_a_wrong_public_key_is_rejected() -> None:
    wrong = dataclasses.replace(Q, public_key=b"\x00" * 96)
    assert "public key" in _reject(SIGNATURE, chain=wrong)


# RFC 9380 appendix J.9.1, suite BLS12381G1_XMD:SHA-256_SSWU_RO_.
RFC9380_DST = b"QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_"
RFC9380_G1 = [
    (
        b"",
        "052926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1",
        "08ba738453bfed09cb546dbb0783dbb3a5f1f566ed67bb6be0e8c67e2e81a4cc68ee29813bb7994998f3eae0c9c6a265",
    ),
    (
        b"abc",
        "03567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903",
        "0b9c15f3fe6e5cf4211f346271d7b01c8f3b28be689c8429c85b67af215533311f0b8dfaaa154fa6b88176c229f2885d",
    ),
    (
        b"abcdef0123456789",
        "11e0b079dea29a68f0383ee94fed1b940995272407e3bb916bbf268c263ddd57a6a27200a784cbc248e84f357ce82d98",
        "03a87ae2caf14e8ee52e51fa2ed8eefe80f02457004ba4d486d6aa1f517c0889501dc7413753f9599b099ebcbbd2d709",
    ),
]


@pytest.mark.parametrize(("message", "x", "y"), RFC9380_G1)
def test_hash_to_g1_matches_rfc9380(message: bytes, x: str, y: str) -> None:
    assert drand.g1_affine(drand.hash_to_g1(message, RFC9380_DST)) == (int(x, 16), int(y, 16))


# --- relay JSON ---------------------------------------------------------------------------


def _relay(**fields: Any) -> bytes:
    obj = {"round": ROUND, "randomness": RANDOMNESS.hex(), "signature": SIGNATURE.hex()}
    obj.update(fields)
    return json.dumps({k: v for k, v in obj.items() if v is not None}).encode()


def test_parse_relay_json() -> None:
    assert drand.parse_drand_json(_relay()) == (ROUND, SIGNATURE)
    assert drand.parse_drand_json(_relay(randomness=None)) == (ROUND, SIGNATURE)


def test_relay_json_with_wrong_randomness_fails() -> None:
    with pytest.raises(VerificationError):
        drand.parse_drand_json(_relay(randomness="00" * 32))


@pytest.mark.parametrize(
    "data",
    [
        b"\xff",
        b"[]",
        b"{",
        _relay(round=0),
        _relay(round=True),
        _relay(round="123"),
        _relay(signature="zz"),
        _relay(signature=SIGNATURE.hex()[:-2]),
        _relay(signature=None),
        _relay(previous_signature="00"),
        b'{"round": 123.0, "signature": "00"}',
        b'{"round": 123, "round": 124, "signature": "' + SIGNATURE.hex().encode() + b'"}',
    ],
)
def test_malformed_relay_json_is_an_encoding_error(data: bytes) -> None:
    with pytest.raises(EncodingError):
        drand.parse_drand_json(data)
