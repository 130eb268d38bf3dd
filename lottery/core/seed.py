"""Commit-reveal: the office secret, its commitment and the final seed.

Byte layouts (docs/spec.md, section "Commitment and seed"); every input has a fixed length,
so plain concatenation is unambiguous::

    commit = SHA-256("lottery-v1 commit" 0x00 || secret)                         secret: 32 bytes
    seed   = SHA-256("lottery-v1 seed" 0x00 || announcement_hash || beacon || secret)
             announcement_hash: SHA-256 of the announcement record text (32 bytes)
             beacon: the 32-byte beacon value (lottery.core.beacon)
"""

from __future__ import annotations

import hmac

from .canonical import sha256
from .check_names import CheckName
from .errors import InputError, VerificationError

TAG_COMMIT = b"lottery-v1 commit\x00"
TAG_SEED = b"lottery-v1 seed\x00"
SECRET_LEN = 32


def _check_len(value: bytes, length: int, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != length:
        raise InputError(f"{what} must be {length} bytes")


def commitment(secret: bytes) -> bytes:
    """Return the public commitment to an office secret.

    Raises:
        InputError: when the secret is not 32 bytes.
    """
    _check_len(secret, SECRET_LEN, "office secret")
    return sha256(TAG_COMMIT + secret)


def check_commitment(commit: bytes, secret: bytes) -> None:
    """Check that a revealed secret opens a published commitment.

    Raises:
        VerificationError: ``commit.reveal`` when it does not.
    """
    if not isinstance(secret, bytes) or len(secret) != SECRET_LEN:
        raise VerificationError(
            CheckName.COMMIT_REVEAL, f"revealed secret must be {SECRET_LEN} bytes"
        )
    if not hmac.compare_digest(commitment(secret), commit):
        raise VerificationError(
            CheckName.COMMIT_REVEAL, "the revealed secret does not match the published commitment"
        )


def derive_seed(announcement_hash: bytes, beacon_value: bytes, secret: bytes) -> bytes:
    """Return the draw's final seed.

    Raises:
        InputError: when an input does not have its fixed length.
    """
    _check_len(announcement_hash, 32, "announcement hash")
    _check_len(beacon_value, 32, "beacon value")
    _check_len(secret, SECRET_LEN, "office secret")
    return sha256(TAG_SEED + announcement_hash + beacon_value + secret)
