"""Pure-Python Ed25519 verification (the single-file verifier's path) against RFC 8032 and
libsodium: the same answer for valid, tampered and edge-case signatures."""

from __future__ import annotations

import hashlib
import random

import nacl.signing
import pytest

from lottery.core import ed25519
from lottery.core.ed25519 import L, P, verify, verify_pure
from lottery.core.note import NoteVerifier, Signer

# RFC 8032 section 7.1, TEST 1, TEST 2, TEST 3: (public key, message, signature).
RFC8032 = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


def _libsodium(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except Exception:  # any refusal is a "no"
        return False
    return True


@pytest.mark.parametrize(("pk", "msg", "sig"), RFC8032)
def test_rfc8032_vectors_verify_and_a_flipped_bit_does_not(pk: str, msg: str, sig: str) -> None:
    public, message, signature = bytes.fromhex(pk), bytes.fromhex(msg), bytes.fromhex(sig)
    assert verify_pure(public, message, signature)
    for i in (0, 31, 32, 63):  # R's and S's first and last bytes
        bad = bytearray(signature)
        bad[i] ^= 1
        assert not verify_pure(public, message, bytes(bad))
    assert not verify_pure(public, message + b"x", signature)
    other = bytes.fromhex(RFC8032[(RFC8032.index((pk, msg, sig)) + 1) % 3][0])
    assert not verify_pure(other, message, signature)


def test_the_pure_code_agrees_with_libsodium_on_random_and_tampered_signatures() -> None:
    rng = random.Random(8032)  # noqa: S311 - reproducible test data, not keys for use
    for _ in range(12):
        key = nacl.signing.SigningKey(rng.randbytes(32))
        public = bytes(key.verify_key)
        message = rng.randbytes(rng.randrange(0, 200))
        signature = key.sign(message).signature
        bad = bytearray(signature)
        bad[rng.randrange(64)] ^= 1 << rng.randrange(8)
        for case in (signature, bytes(bad)):
            assert verify_pure(public, message, case) == _libsodium(public, message, case)
        assert verify_pure(public, message, signature)


def _encode_y(y: int, sign: int = 0) -> bytes:
    return (y | (sign << 255)).to_bytes(32, "little")


def test_edge_cases_are_refused_like_libsodium() -> None:
    public, message, signature = (bytes.fromhex(x) for x in RFC8032[1])
    s = int.from_bytes(signature[32:], "little")
    high_s = signature[:32] + (s + L).to_bytes(32, "little")  # same point, S not reduced
    identity = _encode_y(1)  # small order (order 1)
    order_two = _encode_y(P - 1)  # (0, -1), order 2
    non_canonical = _encode_y(P + 1)  # y >= p: the identity's second spelling
    cases = [
        (public, message, high_s),
        (identity, message, signature),
        (order_two, message, signature),
        (non_canonical, message, signature),
        (public, message, identity + signature[32:]),  # R of small order
        (public, message, _encode_y(2) + signature[32:]),  # R not on the curve
        (public[:31], message, signature),
        (public, message, signature[:63]),
    ]
    for pk, msg, sig in cases:
        assert verify_pure(pk, msg, sig) is False
        assert _libsodium(pk, msg, sig) is False
        assert verify(pk, msg, sig) is False


def test_notes_verify_without_pynacl(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer.from_seed("rfb.example/lottery", bytes(range(32)))
    verifier: NoteVerifier = signer.verifier()
    text = b"a record\n"
    monkeypatch.setattr(ed25519, "HAVE_NACL", False)
    assert verifier.verify(text, signer.sign(text))
    assert not verifier.verify(text + b" ", signer.sign(text))


def test_the_fingerprint_is_the_full_key_hash_of_the_spec_vector() -> None:
    key = NoteVerifier.from_vkey(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    )
    assert key.fingerprint == (  # docs/spec.md section 2.2
        "530d 903a 7ea3 df86 98bf 0e1c 2391 0705 f3a1 6c93 949a 0610 9974 cea0 bcff f7d7"
    )
    assert key.fingerprint.replace(" ", "").startswith(key.key_id.hex())


def _times_base(n: int) -> bytes:
    """The encoding of [n]B (the module's own arithmetic, checked against libsodium below)."""
    return ed25519._encode(ed25519._double_scalar_mult(n, ed25519._BASE, 0, ed25519._IDENTITY))


def test_small_order_points_are_refused_even_when_the_equation_holds() -> None:
    # Signatures built so that [S]B = R + [k]A holds: only the small-order rules refuse them
    # (the cases above reuse an RFC signature, which the equation alone already refuses).
    message = b"any message"
    # 1. The identity as the key: [S]B - [k]identity = [S]B = R for any message.
    s = 5
    forged = _times_base(s) + s.to_bytes(32, "little")
    for identity in (_encode_y(1), _encode_y(1, sign=1)):
        assert verify_pure(identity, message, forged) is False
        assert _libsodium(identity, message, forged) is False
    # 2. The identity as R under a real key A = [a]B: S = k*a makes [S]B - [k]A the identity.
    a = 0x1234567
    public = _times_base(a)
    r_bytes = _encode_y(1)
    k = int.from_bytes(hashlib.sha512(r_bytes + public + message).digest(), "little") % L
    forged = r_bytes + (k * a % L).to_bytes(32, "little")
    assert verify_pure(public, message, forged) is False
    assert _libsodium(public, message, forged) is False
    # Without the small-order rule the equation would accept it: the test can fail.
    point = ed25519._decode(public)
    assert point is not None
    equation = ed25519._double_scalar_mult(k * a % L, ed25519._BASE, k, ed25519._neg(point))
    assert ed25519._encode(equation) == r_bytes
