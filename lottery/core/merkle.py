"""RFC 6962 / RFC 9162 Merkle trees: hashing, proofs and their verification.

SHA-256 with the ``0x00`` leaf and ``0x01`` node prefixes of RFC 6962 section 2.1. Verification
follows transparency-dev/merkle ``proof/verify.go``; proof generation follows ``PATH`` and
``PROOF`` of RFC 6962 sections 2.1.1-2.1.2. :class:`MerkleTree` is the append-only tree the log
keeps in memory (about 64 bytes per leaf); it proves any earlier size with ``O(log n)`` hashing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from .check_names import CheckName
from .errors import InputError, VerificationError

HASH_SIZE = 32
"""Size in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root hash of the empty tree, SHA-256 of the empty string (RFC 6962 section 2.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """Return the RFC 6962 leaf hash ``SHA-256(0x00 || entry)``."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise InputError(f"{what} must be {HASH_SIZE} bytes")
    return value


def _largest_power_of_two_below(n: int) -> int:
    """The ``k`` of RFC 6962: the largest power of two strictly smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Compute the Merkle Tree Hash of a list of leaf hashes.

    Pairing neighbours level by level and carrying an odd last node up unchanged builds
    exactly the left-balanced tree of RFC 6962.

    Raises:
        InputError: when a leaf hash is not 32 bytes.
    """
    level = [_check_hash(h, "leaf hash") for h in hashes]
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``leaf_hashes``.

    Raises:
        InputError: when the index is out of range or a leaf hash is not 32 bytes.
    """
    return MerkleTree.from_leaf_hashes(leaf_hashes).inclusion_proof(index)


def consistency_proof(size1: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the consistency proof from the first ``size1`` leaves to all of ``leaf_hashes``.

    Raises:
        InputError: when ``size1`` is not in ``1..len(leaf_hashes)`` or a hash is malformed.
    """
    return MerkleTree.from_leaf_hashes(leaf_hashes).consistency_proof(size1)


# --- verification (transparency-dev/merkle proof/verify.go) ---------------------------------


def _check_proof(proof: Sequence[bytes], check: str) -> list[bytes]:
    out = list(proof)
    for i, h in enumerate(out):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise VerificationError(check, f"proof element {i} is not a {HASH_SIZE}-byte hash")
    return out


def _check_size(value: object, what: str, check: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationError(check, f"{what} must be a non-negative integer")
    return value


def _decomp_incl_proof(index: int, size: int) -> tuple[int, int]:
    """Split an inclusion proof's length into the inner and the border parts."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """Compute the root implied by an inclusion proof (verify it against a trusted root).

    Raises:
        VerificationError: ``merkle.inclusion`` when the index, sizes or proof are malformed.
    """
    check = CheckName.MERKLE_INCLUSION
    index = _check_size(index, "leaf index", check)
    size = _check_size(size, "tree size", check)
    if index >= size:
        raise VerificationError(check, f"leaf index {index} is beyond tree size {size}")
    if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
        raise VerificationError(check, f"leaf hash is not {HASH_SIZE} bytes")
    hashes = _check_proof(proof, check)
    inner, border = _decomp_incl_proof(index, size)
    if len(hashes) != inner + border:
        raise VerificationError(
            check,
            f"wrong proof length {len(hashes)} for leaf {index} of {size}, want {inner + border}",
        )
    res = _chain_inner(leaf_hash, hashes[:inner], index)
    return _chain_border_right(res, hashes[inner:])


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves and ``root``.

    Raises:
        VerificationError: ``merkle.inclusion`` when the proof is malformed or does not lead to
            ``root``.
    """
    calculated = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if calculated != root:
        raise VerificationError(
            CheckName.MERKLE_INCLUSION,
            f"proof for leaf {index} of {size} leads to root {calculated.hex()}, "
            f"not the expected {bytes(root).hex()}",
        )


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree ``(size1, root1)`` is a prefix of the tree ``(size2, root2)``.

    A proof from the empty tree (``size1 == 0``) is meaningless and rejected, like in
    transparency-dev/merkle's test vectors: callers handle an empty old tree themselves
    (every tree extends it).

    Raises:
        VerificationError: ``merkle.consistency`` when the sizes or proof are malformed or the
            proof does not connect the two roots.
    """
    check = CheckName.MERKLE_CONSISTENCY
    size1 = _check_size(size1, "size1", check)
    size2 = _check_size(size2, "size2", check)
    hashes = _check_proof(proof, check)
    if size2 < size1:
        raise VerificationError(check, f"size2 ({size2}) < size1 ({size1})")
    if size1 == 0:
        raise VerificationError(check, "a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if hashes:
            raise VerificationError(check, "size1 == size2, but the proof is not empty")
        if root1 != root2:
            raise VerificationError(check, f"trees of the same size {size1} have different roots")
        return
    if not hashes:
        raise VerificationError(check, "empty proof")

    inner, border = _decomp_incl_proof(size1 - 1, size2)
    shift = ((size1 & -size1).bit_length()) - 1  # trailing zeros of size1
    inner -= shift  # shift < inner when size1 < size2
    # The proof starts with the hash of the subtree of size 2**shift, unless that is root1.
    if size1 == 1 << shift:
        seed, start = root1, 0
    else:
        seed, start = hashes[0], 1
    if len(hashes) != start + inner + border:
        raise VerificationError(
            check,
            f"wrong proof length {len(hashes)} for sizes {size1} -> {size2}, "
            f"want {start + inner + border}",
        )
    rest = hashes[start:]
    mask = (size1 - 1) >> shift
    hash1 = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if hash1 != root1:
        raise VerificationError(check, f"proof does not lead to root1 of the tree of size {size1}")
    hash2 = _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if hash2 != root2:
        raise VerificationError(check, f"proof does not lead to root2 of the tree of size {size2}")


# --- the append-only tree -------------------------------------------------------------------


class MerkleTree:
    """An append-only RFC 6962 Merkle tree that can prove any earlier state.

    ``_levels[h]`` packs the hashes of all complete subtrees of ``2**h`` leaves, left to right.
    A complete subtree never changes, so they also describe every earlier tree size.
    """

    __slots__ = ("_levels", "_size")

    def __init__(self) -> None:
        """Create an empty tree."""
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @classmethod
    def from_leaf_hashes(cls, hashes: Iterable[bytes]) -> MerkleTree:
        """Build a tree from leaf hashes.

        Raises:
            InputError: when a hash is not 32 bytes.
        """
        tree = cls()
        for h in hashes:
            tree.append_leaf_hash(h)
        return tree

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MerkleTree:
        """Build a tree from log entries (each is hashed with :func:`leaf_hash`)."""
        tree = cls()
        for entry in entries:
            tree.append(entry)
        return tree

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self._size

    def __repr__(self) -> str:
        """Show the size only (the tree may be large)."""
        return f"MerkleTree(size={self._size})"

    def append(self, entry: bytes) -> int:
        """Append a log entry (hashed as a leaf) and return its index.

        Raises:
            InputError: when the entry is not bytes.
        """
        if not isinstance(entry, bytes):
            raise InputError("a log entry must be bytes")
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, hash_: bytes) -> int:
        """Append an already computed leaf hash and return its index.

        Raises:
            InputError: when the hash is not 32 bytes.
        """
        _check_hash(hash_, "leaf hash")
        levels = self._levels
        levels[0] += hash_
        index = self._size
        self._size += 1
        count, height = self._size, 0
        while count % 2 == 0:  # the new node completes a pair: hash it one level up
            pair = levels[height][-2 * HASH_SIZE :]
            if height + 1 == len(levels):
                levels.append(bytearray())
            levels[height + 1] += hashlib.sha256(_NODE_PREFIX + pair).digest()
            height += 1
            count //= 2
        return index

    def _check_tree_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= self._size:
            raise InputError(f"tree size must be in 0..{self._size}, got {size!r}")
        return size

    def _node(self, height: int, index: int) -> bytes:
        return bytes(self._levels[height][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def leaf_hash(self, index: int) -> bytes:
        """Return the hash of leaf ``index``.

        Raises:
            InputError: when the index is out of range.
        """
        if not isinstance(index, int) or not 0 <= index < self._size:
            raise InputError(f"leaf index must be in 0..{self._size - 1}, got {index!r}")
        return self._node(0, index)

    def level_hashes(self, height: int, start: int, end: int) -> bytes:
        """Return the packed hashes of complete subtrees ``start..end-1`` of ``2**height`` leaves.

        Used to cut tlog tiles: a tile at level ``L`` holds subtrees of height ``8 * L``.

        Raises:
            InputError: when the range is not made of complete subtrees of the current tree.
        """
        available = self._size >> height if height >= 0 else -1
        if height < 0 or not 0 <= start <= end <= available:
            raise InputError(
                f"no complete subtrees {start}..{end - 1} of height {height} "
                f"in a tree of {self._size}"
            )
        if start == end:
            return b""
        return bytes(self._levels[height][start * HASH_SIZE : end * HASH_SIZE])

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range that RFC 6962's recursion produces.

        The range splits into complete subtrees by the binary digits of its length (largest
        first); the Merkle Tree Hash is their right fold.
        """
        pieces: list[bytes] = []
        pos, n = start, end - start
        for height in range(n.bit_length() - 1, -1, -1):
            if (n >> height) & 1:
                pieces.append(self._node(height, pos >> height))
                pos += 1 << height
        result = pieces[-1]
        for piece in reversed(pieces[:-1]):
            result = node_hash(piece, result)
        return result

    def root(self, size: int | None = None) -> bytes:
        """Return the root hash of the tree of the first ``size`` leaves (default: all).

        Raises:
            InputError: when ``size`` exceeds the current size.
        """
        size = self._check_tree_size(size)
        return EMPTY_ROOT if size == 0 else self._range_hash(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the RFC 6962 ``PATH`` of leaf ``index`` in the tree of ``size`` leaves.

        Raises:
            InputError: when ``size`` exceeds the current size or ``index`` is not below it.
        """
        size = self._check_tree_size(size)
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < size:
            raise InputError(f"leaf index must be in 0..{size - 1}, got {index!r}")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _largest_power_of_two_below(end - start)
            if index < start + k:
                proof.append(self._range_hash(start + k, end))
                end = start + k
            else:
                proof.append(self._range_hash(start, start + k))
                start += k
        proof.reverse()  # PATH lists the lowest sibling first
        return proof

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Return the RFC 6962 ``PROOF`` that the tree of ``size1`` is a prefix of ``size2``.

        Raises:
            InputError: when ``size1`` is not in ``1..size2`` or ``size2`` exceeds the current
                size (there is nothing to prove about the empty tree).
        """
        size2 = self._check_tree_size(size2)
        if not isinstance(size1, int) or isinstance(size1, bool) or not 1 <= size1 <= size2:
            raise InputError(f"size1 must be in 1..{size2}, got {size1!r}")
        proof: list[bytes] = []
        start, end, m, whole = 0, size2, size1, True
        while True:
            n = end - start
            if m == n:
                if not whole:
                    proof.append(self._range_hash(start, end))
                break
            k = _largest_power_of_two_below(n)
            if m <= k:
                proof.append(self._range_hash(start + k, end))
                end = start + k
            else:
                proof.append(self._range_hash(start, start + k))
                start += k
                m -= k
                whole = False
        proof.reverse()
        return proof
