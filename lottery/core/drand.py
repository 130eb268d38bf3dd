"""drand beacon verification for the League of Entropy ``quicknet`` chain.

quicknet uses the scheme ``bls-unchained-g1-rfc9380``: every ``period`` seconds the network
publishes a BLS signature over ``SHA-256(u64be(round))`` (the previous signature is *not*
signed, hence "unchained"). Signatures are points of G1 of BLS12-381 (48 bytes compressed),
the group public key is a point of G2 (96 bytes compressed), and messages are hashed onto G1
with the RFC 9380 suite ``BLS12381G1_XMD:SHA-256_SSWU_RO_`` under the domain separation tag
:data:`DST`. A signature ``S`` on round ``r`` is valid when ``e(S, g2) == e(H(m_r), pk)``;
the round's randomness is ``SHA-256(S)``.

Only pure-Python code is used (py-ecc's optimized BLS12-381), so one verification takes about
a quarter of a second. py-ecc is imported lazily: importing it costs ~0.4 s, which commands
that never verify a signature should not pay.

Everything here is pure: times are Unix seconds passed in by the caller.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .canonical import hex_to_bytes, sha256
from .check_names import CheckName
from .errors import EncodingError, InputError, VerificationError

if TYPE_CHECKING:
    from py_ecc.fields import optimized_bls12_381_FQ as FQ
    from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
    from py_ecc.typing import Optimized_Point3D

SCHEME_ID = "bls-unchained-g1-rfc9380"
"""The only drand scheme this module verifies."""

DST = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
"""Hash-to-curve domain separation tag of ``bls-unchained-g1-rfc9380``."""

SIGNATURE_LENGTH = 48
PUBLIC_KEY_LENGTH = 96
_MAX_ROUND = 2**64 - 1
_CHECK = CheckName.BEACON_DRAND


@dataclass(frozen=True)
class ChainInfo:
    """Public parameters of a drand chain, as served at ``/<chain hash>/info``.

    Attributes:
        public_key: group public key, a compressed G2 point (96 bytes).
        period: seconds between rounds.
        genesis_time: Unix time of round 1.
        group_hash: hash of the group file (32 bytes).
        scheme_id: drand scheme name; only :data:`SCHEME_ID` is supported.
        beacon_id: drand beacon id (``"quicknet"``).
        chain_hash: the chain's identifier, see :meth:`compute_chain_hash`.
    """

    public_key: bytes
    period: int
    genesis_time: int
    group_hash: bytes
    scheme_id: str
    beacon_id: str
    chain_hash: bytes

    def compute_chain_hash(self) -> bytes:
        """Recompute the chain hash from the other fields (drand ``chain.Info.Hash``).

        ``SHA-256(u32be(period) || i64be(genesis_time) || public_key || group_hash || beacon_id)``,
        where ``beacon_id`` is left out when it is empty or ``"default"``.
        """
        data = (
            self.period.to_bytes(4, "big")
            + self.genesis_time.to_bytes(8, "big", signed=True)
            + self.public_key
            + self.group_hash
        )
        if self.beacon_id not in ("", "default"):
            data += self.beacon_id.encode("utf-8")
        return sha256(data)

    @classmethod
    def from_dict(cls, info: Any) -> ChainInfo:
        """Build chain info from drand's ``/info`` JSON object and check its hash.

        Raises:
            EncodingError: for a missing or malformed field.
            VerificationError: when ``hash`` does not match the other fields.
        """
        if not isinstance(info, dict):
            raise EncodingError("drand chain info must be a JSON object")
        metadata = info.get("metadata", {})
        if not isinstance(metadata, dict):
            raise EncodingError("drand chain info: metadata must be an object")
        chain = cls(
            public_key=hex_to_bytes(
                _str(info, "public_key"), length=PUBLIC_KEY_LENGTH, what="public_key"
            ),
            period=_int(info, "period"),
            genesis_time=_int(info, "genesis_time"),
            group_hash=hex_to_bytes(_str(info, "groupHash"), length=32, what="groupHash"),
            scheme_id=_str(info, "schemeID"),
            beacon_id=_str(metadata, "beaconID") if "beaconID" in metadata else "default",
            chain_hash=hex_to_bytes(_str(info, "hash"), length=32, what="hash"),
        )
        if chain.compute_chain_hash() != chain.chain_hash:
            raise VerificationError(_CHECK, "chain info hash does not match its fields")
        return chain


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise EncodingError(f"drand chain info: {key} must be a string")
    return value


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise EncodingError(f"drand chain info: {key} must be a positive integer")
    return value


QUICKNET = ChainInfo(
    public_key=bytes.fromhex(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
        "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
        "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    period=3,
    genesis_time=1692803367,
    group_hash=bytes.fromhex("f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e"),
    scheme_id=SCHEME_ID,
    beacon_id="quicknet",
    chain_hash=bytes.fromhex("52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"),
)
"""League of Entropy mainnet quicknet, pinned (the suite checks the hash against the fields)."""

CHAINS: dict[str, ChainInfo] = {"quicknet": QUICKNET}
"""Chains a task announcement may name, by name."""


def round_time(chain: ChainInfo, round: int) -> int:
    """Unix time at which ``round`` is due: ``genesis_time + (round - 1) * period``.

    Raises:
        InputError: when ``round`` is not an integer >= 1.
    """
    _check_round_type(round)
    if round < 1:
        raise InputError(f"drand rounds start at 1, got {round}")
    return chain.genesis_time + (round - 1) * chain.period


def round_at(chain: ChainInfo, unix_time: int) -> int:
    """The latest round due at ``unix_time`` (0 before genesis).

    ``floor((unix_time - genesis_time) / period) + 1``; so ``round_at(round_time(r)) == r``.
    """
    if unix_time < chain.genesis_time:
        return 0
    return (unix_time - chain.genesis_time) // chain.period + 1


def round_message(round: int) -> bytes:
    """The 32-byte message signed for ``round`` by an unchained scheme: SHA-256(u64be(round)).

    Raises:
        InputError: when ``round`` is not an integer in [0, 2**64).
    """
    _check_round_type(round)
    if not 0 <= round <= _MAX_ROUND:
        raise InputError(f"drand round out of range: {round}")
    return sha256(round.to_bytes(8, "big"))


def verify_round(chain: ChainInfo, round: int, signature: bytes) -> bytes:
    """Verify ``signature`` for ``round`` of ``chain`` and return the 32-byte randomness.

    Steps: check the scheme, the round and the length; decompress the signature (G1) and
    check that it is a non-identity point of the prime-order subgroup; decompress the public
    key (G2, same checks, cached); hash the round message to G1 (RFC 9380); accept when
    ``e(S, g2) * e(-H(m), pk) == 1`` (one shared final exponentiation).

    Raises:
        VerificationError: ``beacon.drand`` for an unsupported scheme, a round < 1, a
            signature of the wrong length, not on the curve, not in the subgroup, or that
            fails the pairing check.
    """
    if chain.scheme_id != SCHEME_ID:
        raise VerificationError(_CHECK, f"unsupported drand scheme {chain.scheme_id!r}")
    if not isinstance(round, int) or isinstance(round, bool) or not 1 <= round <= _MAX_ROUND:
        raise VerificationError(_CHECK, f"round must be an integer >= 1, got {round!r}")
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_LENGTH:
        got = f"{len(signature)} bytes" if isinstance(signature, bytes) else "not bytes"
        raise VerificationError(_CHECK, f"signature must be {SIGNATURE_LENGTH} bytes, got {got}")
    sig_point = _g1_point(signature)
    pk_point = _g2_public_key(chain.public_key)
    if not _pairing_check(sig_point, pk_point, round_message(round)):
        raise VerificationError(
            _CHECK, f"signature does not verify for round {round} of chain {chain.beacon_id}"
        )
    return sha256(signature)


def parse_drand_json(data: bytes) -> tuple[int, bytes]:
    """Parse a relay's ``/public/<round>`` JSON: ``{"round", "signature", "randomness"?}``.

    Strict: one JSON object, no other keys, no duplicate keys, no floats, an integer round
    >= 1, a 48-byte hex signature, and, when present, ``randomness == SHA-256(signature)``.
    The signature itself is *not* verified here; call :func:`verify_round`.

    Returns:
        ``(round, signature)``.

    Raises:
        EncodingError: when the bytes are not such an object.
        VerificationError: ``beacon.drand`` when the randomness does not match the signature.
    """
    try:
        obj = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    except UnicodeDecodeError as exc:
        raise EncodingError("drand JSON is not valid UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise EncodingError(f"drand JSON is not valid JSON: {exc.msg}") from exc
    if not isinstance(obj, dict):
        raise EncodingError("drand JSON must be an object")
    unknown = sorted(set(obj) - {"round", "signature", "randomness"})
    if unknown:
        raise EncodingError(f"drand JSON has unexpected keys: {', '.join(unknown)}")
    rnd = obj.get("round")
    if not isinstance(rnd, int) or isinstance(rnd, bool) or not 1 <= rnd <= _MAX_ROUND:
        raise EncodingError("drand JSON: round must be an integer >= 1")
    sig_hex = obj.get("signature")
    if not isinstance(sig_hex, str):
        raise EncodingError("drand JSON: signature must be a hex string")
    signature = hex_to_bytes(sig_hex, length=SIGNATURE_LENGTH, what="drand signature")
    if "randomness" in obj:
        rand_hex = obj["randomness"]
        if not isinstance(rand_hex, str):
            raise EncodingError("drand JSON: randomness must be a hex string")
        randomness = hex_to_bytes(rand_hex, length=32, what="drand randomness")
        if randomness != sha256(signature):
            raise VerificationError(_CHECK, "randomness is not SHA-256 of the signature")
    return rnd, signature


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise EncodingError(f"drand JSON has a duplicate key {key!r}")
        result[key] = value
    return result


def _no_float(text: str) -> Any:
    raise EncodingError(f"drand JSON may not hold non-integer numbers: {text}")


def _check_round_type(round: int) -> None:
    if not isinstance(round, int) or isinstance(round, bool):
        raise InputError(f"a drand round must be an integer, got {type(round).__name__}")


# --- curve arithmetic (py-ecc, imported lazily) -------------------------------------------


def _g1_point(encoded: bytes) -> Optimized_Point3D[FQ]:
    """Decompress a G1 point and check that it lies in the prime-order subgroup."""
    from py_ecc.bls.point_compression import decompress_G1
    from py_ecc.bls.typing import G1Compressed
    from py_ecc.optimized_bls12_381.optimized_curve import curve_order, is_inf, multiply

    try:
        point = decompress_G1(G1Compressed(int.from_bytes(encoded, "big")))
    except ValueError as exc:
        raise VerificationError(_CHECK, f"signature is not a point of G1: {exc}") from exc
    if is_inf(point):
        raise VerificationError(_CHECK, "signature is the point at infinity")
    # decompress_G1 only checks the curve equation; the curve has a large cofactor.
    if not is_inf(multiply(point, curve_order)):
        raise VerificationError(_CHECK, "signature is not in the G1 prime-order subgroup")
    return point


@functools.lru_cache(maxsize=8)
def _g2_public_key(encoded: bytes) -> Optimized_Point3D[FQ2]:
    """Decompress and subgroup-check a G2 public key (cached: keys are few and pinned)."""
    from py_ecc.bls.point_compression import decompress_G2
    from py_ecc.bls.typing import G2Compressed
    from py_ecc.optimized_bls12_381.optimized_curve import curve_order, is_inf, multiply

    if len(encoded) != PUBLIC_KEY_LENGTH:
        raise VerificationError(_CHECK, f"public key must be {PUBLIC_KEY_LENGTH} bytes")
    pair = (int.from_bytes(encoded[:48], "big"), int.from_bytes(encoded[48:], "big"))
    try:
        point = decompress_G2(G2Compressed(pair))
    except ValueError as exc:
        raise VerificationError(_CHECK, f"public key is not a point of G2: {exc}") from exc
    if is_inf(point) or not is_inf(multiply(point, curve_order)):
        raise VerificationError(_CHECK, "public key is not in the G2 prime-order subgroup")
    return point


def hash_to_g1(message: bytes, dst: bytes = DST) -> Optimized_Point3D[FQ]:
    """RFC 9380 ``hash_to_curve`` with suite ``BLS12381G1_XMD:SHA-256_SSWU_RO_`` (section 8.8.1).

    py-ecc's implementation: expand_message_xmd (SHA-256) into two field elements, simplified
    SWU onto the 11-isogenous curve, the 11-isogeny map, point addition, cofactor clearing by
    ``h_eff = 0xd201000000010001``. The suite checks it against RFC 9380 appendix J.9.1.
    """
    from py_ecc.bls.hash_to_curve import hash_to_G1

    # py-ecc annotates the parameter as a hash object but calls it as a constructor.
    constructor: Any = hashlib.sha256
    return hash_to_G1(message, dst, constructor)


def g1_affine(point: Optimized_Point3D[FQ]) -> tuple[int, int]:
    """Affine ``(x, y)`` integers of a G1 point (used to compare with published vectors)."""
    from py_ecc.optimized_bls12_381.optimized_curve import normalize

    x, y = normalize(point)
    return int(x), int(y)


def _pairing_check(sig: Optimized_Point3D[FQ], pk: Optimized_Point3D[FQ2], message: bytes) -> bool:
    from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
    from py_ecc.optimized_bls12_381.optimized_curve import G2, neg
    from py_ecc.optimized_bls12_381.optimized_pairing import final_exponentiate, pairing

    hashed = hash_to_g1(message)
    product = pairing(G2, sig, final_exponentiate=False) * pairing(
        pk, neg(hashed), final_exponentiate=False
    )
    return bool(final_exponentiate(product) == FQ12.one())
