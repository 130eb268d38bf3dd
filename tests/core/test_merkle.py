"""RFC 6962 Merkle tree: transparency-dev/merkle vectors, RFC-text oracle, properties."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery.core.errors import InputError, VerificationError
from lottery.core.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "rfc6962-merkle"
VECTOR_FILES = sorted(VECTORS.rglob("*.json"))

# The tree of the vectors (README of the vectors, from transparency-dev/merkle).
README_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
README_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in vector["proof"] or []]


def test_vector_folder_is_complete() -> None:
    assert len(VECTOR_FILES) == 196
    assert (VECTORS / "LICENSE").is_file()


@pytest.mark.parametrize(
    "path", VECTOR_FILES, ids=[str(p.relative_to(VECTORS).with_suffix("")) for p in VECTOR_FILES]
)
def test_vector(path: Path) -> None:
    v = _load(path)
    if "leafIdx" in v:
        check = "merkle.inclusion"

        def run() -> None:
            verify_inclusion(
                _b64(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v), _b64(v["root"])
            )
    else:
        check = "merkle.consistency"

        def run() -> None:
            verify_consistency(
                v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _proof(v)
            )

    if v["wantErr"]:
        with pytest.raises(VerificationError) as info:
            run()
        assert info.value.check == check
    else:
        run()


@pytest.mark.parametrize("size", range(9))
def test_readme_roots(size: int) -> None:
    tree = MerkleTree.from_entries(README_LEAVES)
    assert tree.root(size).hex() == README_ROOTS[size]
    assert root_from_leaf_hashes([leaf_hash(e) for e in README_LEAVES[:size]]) == tree.root(size)


HAPPY = [p for p in VECTOR_FILES if p.name == "happy-path.json"]


@pytest.mark.parametrize("path", HAPPY, ids=[str(p.relative_to(VECTORS).parent) for p in HAPPY])
def test_generation_reproduces_happy_path_proofs(path: Path) -> None:
    v = _load(path)
    tree = MerkleTree.from_entries(README_LEAVES)
    if "leafIdx" in v:
        assert _b64(v["root"]) == tree.root(v["treeSize"])
        assert _b64(v["leafHash"]) == tree.leaf_hash(v["leafIdx"])
        assert tree.inclusion_proof(v["leafIdx"], v["treeSize"]) == _proof(v)
    else:
        assert _b64(v["root1"]) == tree.root(v["size1"])
        assert _b64(v["root2"]) == tree.root(v["size2"])
        assert tree.consistency_proof(v["size1"], v["size2"]) == _proof(v)


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == README_ROOTS[0]
    assert MerkleTree().root() == EMPTY_ROOT
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


def test_leaf_and_node_hash_prefixes() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert (
        node_hash(b"l" * 32, b"r" * 32) == hashlib.sha256(b"\x01" + b"l" * 32 + b"r" * 32).digest()
    )


# --- an independent oracle: RFC 6962 section 2.1, written as literally as possible ---------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + rfc_mth(d[:k]) + rfc_mth(d[k:])).digest()


def rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*rfc_path(m, d[:k]), rfc_mth(d[k:])]
    return [*rfc_path(m - k, d[k:]), rfc_mth(d[:k])]


def rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [rfc_mth(d)]
    k = _k(n)
    if m <= k:
        return [*rfc_subproof(m, d[:k], b), rfc_mth(d[k:])]
    return [*rfc_subproof(m - k, d[k:], False), rfc_mth(d[:k])]


def _entries(n: int) -> list[bytes]:
    return [i.to_bytes(4, "big") for i in range(n)]


@pytest.mark.parametrize("n", range(1, 34))
def test_against_rfc_text_small_trees(n: int) -> None:
    d = _entries(n)
    tree = MerkleTree.from_entries(d)
    hashes = [leaf_hash(e) for e in d]
    assert tree.root() == rfc_mth(d) == root_from_leaf_hashes(hashes)
    for m in range(n):
        assert tree.inclusion_proof(m) == rfc_path(m, d) == inclusion_proof(m, hashes)
    for m in range(1, n + 1):
        assert tree.consistency_proof(m) == rfc_subproof(m, d, True) == consistency_proof(m, hashes)


def _flip(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ (1 << bit)]) + out[i][1:]
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 600), st.data())
def test_inclusion_proofs_verify_and_tampering_fails(size: int, data: st.DataObject) -> None:
    tree = MerkleTree.from_entries(_entries(size))
    index = data.draw(st.integers(0, size - 1))
    proof, root = tree.inclusion_proof(index), tree.root()
    leaf = tree.leaf_hash(index)
    verify_inclusion(leaf, index, size, proof, root)
    assert root_from_inclusion_proof(leaf, index, size, proof) == root
    for i in range(len(proof)):
        with pytest.raises(VerificationError, match=r"merkle\.inclusion"):
            verify_inclusion(leaf, index, size, _flip(proof, i, data.draw(st.integers(0, 7))), root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf, (index + 1) % size if size > 1 else 1, size, proof, root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf_hash(b"other"), index, size, proof, root)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 600), st.data())
def test_consistency_proofs_verify_and_tampering_fails(size2: int, data: st.DataObject) -> None:
    tree = MerkleTree.from_entries(_entries(size2))
    size1 = data.draw(st.integers(1, size2 - 1))
    proof = tree.consistency_proof(size1, size2)
    root1, root2 = tree.root(size1), tree.root(size2)
    verify_consistency(size1, size2, root1, root2, proof)
    for i in range(len(proof)):
        bad = _flip(proof, i, data.draw(st.integers(0, 7)))
        with pytest.raises(VerificationError, match=r"merkle\.consistency"):
            verify_consistency(size1, size2, root1, root2, bad)
    with pytest.raises(VerificationError):
        verify_consistency(size1, size2, root2, root1, proof)
    with pytest.raises(VerificationError):
        verify_consistency(size1, size2, root1, root2, proof[:-1])
    with pytest.raises(VerificationError):
        verify_consistency(size1, size2, root1, root2, [*proof, root1])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=300))
def test_every_prefix_root_matches_a_fresh_tree(entries: list[bytes]) -> None:
    tree = MerkleTree.from_entries(entries)
    hashes = [leaf_hash(e) for e in entries]
    for size in range(len(entries) + 1):
        assert tree.root(size) == root_from_leaf_hashes(hashes[:size])


def test_append_returns_indexes_and_accepts_leaf_hashes() -> None:
    tree = MerkleTree()
    assert tree.append(b"a") == 0
    assert tree.append_leaf_hash(leaf_hash(b"b")) == 1
    assert tree.size == 2
    assert tree.root() == node_hash(leaf_hash(b"a"), leaf_hash(b"b"))
    assert repr(tree) == "MerkleTree(size=2)"


def test_tree_rejects_bad_input() -> None:
    tree = MerkleTree.from_entries(_entries(5))
    with pytest.raises(InputError):
        tree.append_leaf_hash(b"short")
    with pytest.raises(InputError):
        tree.append("text")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        tree.root(6)
    with pytest.raises(InputError):
        tree.inclusion_proof(5)
    with pytest.raises(InputError):
        tree.inclusion_proof(3, 3)
    with pytest.raises(InputError):
        tree.consistency_proof(0, 5)
    with pytest.raises(InputError):
        tree.consistency_proof(4, 3)
    with pytest.raises(InputError):
        tree.level_hashes(1, 0, 3)
    with pytest.raises(InputError):
        root_from_leaf_hashes([b"x"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((leaf_hash(b""), 0, 0, [], EMPTY_ROOT), "beyond tree size"),
        ((leaf_hash(b""), -1, 3, [], EMPTY_ROOT), "non-negative"),
        ((b"short", 0, 1, [], EMPTY_ROOT), "leaf hash"),
        ((leaf_hash(b""), 0, 2, [b"short"], EMPTY_ROOT), "proof element 0"),
        ((leaf_hash(b""), 0, 2, [], EMPTY_ROOT), "wrong proof length"),
        ((leaf_hash(b""), 0, 1, [], EMPTY_ROOT), "leads to root"),
    ],
)
def test_inclusion_errors_name_the_problem(args: Any, message: str) -> None:
    with pytest.raises(VerificationError, match=message) as info:
        verify_inclusion(*args)
    assert info.value.check == "merkle.inclusion"


@pytest.mark.parametrize(
    ("size1", "size2", "proof", "message"),
    [
        (3, 2, [], "size2"),
        (0, 3, [], "empty tree"),
        (2, 2, [EMPTY_ROOT], "not empty"),
        (2, 3, [], "empty proof"),
        (2, 3, [EMPTY_ROOT] * 5, "wrong proof length"),
    ],
)
def test_consistency_errors_name_the_problem(
    size1: int, size2: int, proof: list[bytes], message: str
) -> None:
    with pytest.raises(VerificationError, match=message) as info:
        verify_consistency(size1, size2, EMPTY_ROOT, EMPTY_ROOT, proof)
    assert info.value.check == "merkle.consistency"


def test_same_size_different_roots_is_a_fork() -> None:
    with pytest.raises(VerificationError, match="different roots"):
        verify_consistency(5, 5, leaf_hash(b"a"), leaf_hash(b"b"), [])


@pytest.mark.slow
def test_a_large_tree() -> None:
    # Past several full level-2 tiles (65,536 leaves each: the tile levels are 256^k), so that
    # proofs cross stored subtrees of every height up to 2^18.
    n = 300_001
    tree = MerkleTree()
    for i in range(n):
        tree.append_leaf_hash(hashlib.sha256(i.to_bytes(4, "big")).digest())
    root = tree.root()
    for index in (0, 1, 255, 65_536, 262_144, n - 1):
        verify_inclusion(tree.leaf_hash(index), index, tree.size, tree.inclusion_proof(index), root)
    for size1 in (1, 3, 65_536, 262_145, n - 1):
        proof = tree.consistency_proof(size1)
        verify_consistency(size1, tree.size, tree.root(size1), root, proof)
    # An earlier state's proofs, straight from the stored subtrees.
    verify_inclusion(
        tree.leaf_hash(10), 10, 150_001, tree.inclusion_proof(10, 150_001), tree.root(150_001)
    )
