"""Ed25519 signature verification (RFC 8032), with libsodium's acceptance rules.

Verification uses PyNaCl (libsodium) when it is installed. Without it (the single-file
verifier ``lottery-verify.pyz`` runs on a plain Python, docs/verifier.md) the pure-Python code
below answers, and it accepts exactly what libsodium's ``crypto_sign_verify_detached``
accepts: ``S < L``; the public key canonical (``y < p``), on the curve and not of small
order; ``R`` not of small order; then ``encode([S]B - [k]A) == R`` byte for byte, with
``k = SHA-512(R || A || M) mod L`` (cofactorless). ``tests/core/test_ed25519.py`` holds the
RFC 8032 vectors and compares both paths on valid, tampered and edge-case signatures.

The pure code is variable-time: it handles only public data (keys, messages, signatures).
"""

from __future__ import annotations

import hashlib

try:  # pragma: no branch - which path runs depends on the installation
    import nacl.exceptions
    import nacl.signing

    HAVE_NACL = True
except ImportError:  # pragma: no cover - exercised by the single-file verifier's test
    HAVE_NACL = False

P = 2**255 - 19
"""The field prime."""
L = 2**252 + 27742317777372353535851937790883648493
"""The order of the base point's subgroup."""
_D = -121665 * pow(121666, P - 2, P) % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z
_IDENTITY: Point = (0, 1, 1, 0)


def _add(p: Point, q: Point) -> Point:
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * _D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p: Point) -> Point:
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1)
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _neg(p: Point) -> Point:
    x, y, z, t = p
    return (-x % P, y, z, -t % P)


def _is_identity(p: Point) -> bool:
    x, y, z, _ = p
    return x % P == 0 and (y - z) % P == 0


def _recover_x(y: int, sign: int) -> int | None:
    """The x of the point with this y and x's low bit ``sign``; None when there is none."""
    x2 = (y * y - 1) * pow(_D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * _SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x & 1 != sign:
        x = P - x
    return x


def _decode(data: bytes) -> Point | None:
    """The point encoded by 32 bytes; None when not canonical (``y >= p``) or not on the curve."""
    value = int.from_bytes(data, "little")
    y = value & ((1 << 255) - 1)
    if y >= P:
        return None
    x = _recover_x(y, value >> 255)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def _encode(p: Point) -> bytes:
    x, y, z, _ = p
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _small_order(p: Point) -> bool:
    return _is_identity(_double(_double(_double(p))))


_BASE_Y = 4 * pow(5, P - 2, P) % P
_BASE_X = _recover_x(_BASE_Y, 0) or 0
_BASE: Point = (_BASE_X, _BASE_Y, 1, _BASE_X * _BASE_Y % P)


def _double_scalar_mult(a: int, p: Point, b: int, q: Point) -> Point:
    """``[a]P + [b]Q`` (Straus: one shared chain of doublings)."""
    both = _add(p, q)
    result = _IDENTITY
    for bit in range(max(a.bit_length(), b.bit_length()) - 1, -1, -1):
        result = _double(result)
        pick = ((a >> bit) & 1) | (((b >> bit) & 1) << 1)
        if pick == 1:
            result = _add(result, p)
        elif pick == 2:
            result = _add(result, q)
        elif pick == 3:
            result = _add(result, both)
    return result


def verify_pure(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` under ``public_key``,
    by the rules in this module's docstring, in pure Python."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    r_bytes, s = signature[:32], int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    a = _decode(public_key)
    if a is None or _small_order(a):
        return False
    r = _decode(r_bytes)
    if r is None or _small_order(r):
        return False
    k = int.from_bytes(hashlib.sha512(r_bytes + public_key + message).digest(), "little") % L
    return _encode(_double_scalar_mult(s, _BASE, k, _neg(a))) == r_bytes


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` under ``public_key``:
    libsodium when installed, otherwise :func:`verify_pure` (same answers)."""
    if not (
        isinstance(public_key, bytes)
        and isinstance(message, bytes)
        and isinstance(signature, bytes)
    ):
        return False
    if not HAVE_NACL:  # the single-file verifier's path
        return verify_pure(public_key, message, signature)
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True
