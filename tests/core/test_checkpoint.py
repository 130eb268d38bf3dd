"""C2SP tlog-checkpoint: strict text form, signed checkpoints, successor checks."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery.core.checkpoint import (
    Checkpoint,
    check_checkpoint_successor,
    open_checkpoint,
    sign_checkpoint,
)
from lottery.core.errors import EncodingError, InputError, VerificationError
from lottery.core.merkle import EMPTY_ROOT, MerkleTree
from lottery.core.note import Signer, parse_note, sign_note

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "rfc6962-merkle"

# The example of the C2SP tlog-checkpoint specification.
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"  # noqa: E501 - published example
).encode()

ORIGIN = "lottery.example/log"
LOG = Signer.from_seed(ORIGIN, bytes([7]) * 32)
OTHER = Signer.from_seed("other.example/log", bytes([8]) * 32)


def test_spec_example_parses() -> None:
    note = parse_note(SPEC_CHECKPOINT)
    cp = Checkpoint.from_text(note.text)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.extensions == ()
    assert cp.to_text() == note.text
    # We do not hold the example log's key: its signature is unknown, so it must not open.
    with pytest.raises(VerificationError) as info:
        open_checkpoint(SPEC_CHECKPOINT, [LOG.verifier()], origin="example.com/behind-the-sofa")
    assert info.value.check == "checkpoint.signature"


def test_text_round_trip_with_extensions() -> None:
    cp = Checkpoint(ORIGIN, 5, bytes(range(32)), ("ext one", "ext—two"))
    text = cp.to_text()
    assert text == (
        f"{ORIGIN}\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\next one\next—two\n".encode()
    )
    assert Checkpoint.from_text(text) == cp


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"o\n01\n" + base64.b64encode(bytes(32)) + b"\n", "leading zeros"),
        (b"o\n+1\n" + base64.b64encode(bytes(32)) + b"\n", "leading zeros"),
        (b"o\n 1\n" + base64.b64encode(bytes(32)) + b"\n", "leading zeros"),
        (b"o\n1 \n" + base64.b64encode(bytes(32)) + b"\n", "leading zeros"),
        (b"o\n-1\n" + base64.b64encode(bytes(32)) + b"\n", "leading zeros"),
        ("o\n\u0661\n".encode() + base64.b64encode(bytes(32)) + b"\n", "leading zeros"),
        (b"o\n18446744073709551616\n" + base64.b64encode(bytes(32)) + b"\n", "2\\*\\*64-1"),
        (b"\n1\n" + base64.b64encode(bytes(32)) + b"\n", "line 1"),
        (b"o\n1\n", "origin, a size and a root"),
        (b"o\n1\n" + base64.b64encode(bytes(32)), "end with a newline"),
        (b"o\n1\n" + base64.b64encode(bytes(32)) + b"\n\n", "line 4"),
        (b"o\n1\n" + base64.b64encode(bytes(31)) + b"\n", "31 bytes"),
        (b"o\n1\n" + base64.b64encode(bytes(32)).rstrip(b"=") + b"\n", "base64"),
        (b"o\n1\n" + base64.b64encode(bytes(32)) + b"\nx\ry\n", "control"),
        (b"\xff\n1\n" + base64.b64encode(bytes(32)) + b"\n", "UTF-8"),
    ],
)
def test_from_text_is_strict(text: bytes, problem: str) -> None:
    with pytest.raises(EncodingError, match=problem):
        Checkpoint.from_text(text)


def test_size_zero_and_max() -> None:
    assert Checkpoint.from_text(b"o\n0\n" + base64.b64encode(EMPTY_ROOT) + b"\n").size == 0
    big = Checkpoint("o", 2**64 - 1, EMPTY_ROOT)
    assert Checkpoint.from_text(big.to_text()) == big


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": "", "size": 1, "root_hash": EMPTY_ROOT},
        {"origin": "a\nb", "size": 1, "root_hash": EMPTY_ROOT},
        {"origin": "o", "size": -1, "root_hash": EMPTY_ROOT},
        {"origin": "o", "size": 2**64, "root_hash": EMPTY_ROOT},
        {"origin": "o", "size": True, "root_hash": EMPTY_ROOT},
        {"origin": "o", "size": 1, "root_hash": b"short"},
        {"origin": "o", "size": 1, "root_hash": EMPTY_ROOT, "extensions": ("",)},
        {"origin": "o", "size": 1, "root_hash": EMPTY_ROOT, "extensions": ["x"]},
    ],
)
def test_construction_is_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        Checkpoint(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(
    st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), min_size=1, max_size=40),
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(
        st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), min_size=1),
        max_size=3,
    ),
)
def test_round_trip_property(origin: str, size: int, root: bytes, ext: list[str]) -> None:
    cp = Checkpoint(origin, size, root, tuple(ext))
    assert Checkpoint.from_text(cp.to_text()) == cp


def test_sign_and_open() -> None:
    tree = MerkleTree.from_entries([b"a", b"b", b"c"])
    cp = Checkpoint(ORIGIN, tree.size, tree.root())
    signed = sign_checkpoint(cp, [LOG])
    assert signed.startswith(cp.to_text() + "\n— ".encode())
    assert open_checkpoint(signed, [LOG.verifier()], origin=ORIGIN) == cp


def test_open_failures_name_the_check() -> None:
    cp = Checkpoint(ORIGIN, 3, EMPTY_ROOT)
    signed = sign_checkpoint(cp, [LOG])
    cases = [
        (signed, [OTHER.verifier()], ORIGIN, "checkpoint.signature"),
        (signed.replace(b"\n3\n", b"\n4\n"), [LOG.verifier()], ORIGIN, "checkpoint.signature"),
        (signed, [LOG.verifier()], "lottery.example/other", "checkpoint.origin"),
        (signed[:-1], [LOG.verifier()], ORIGIN, "checkpoint.format"),
        (b"garbage", [LOG.verifier()], ORIGIN, "checkpoint.format"),
    ]
    for data, verifiers, origin, check in cases:
        with pytest.raises(VerificationError) as info:
            open_checkpoint(data, verifiers, origin=origin)
        assert info.value.check == check
    # A well-signed note whose text is not a checkpoint.
    with pytest.raises(VerificationError) as info:
        open_checkpoint(sign_note(b"not\na checkpoint\n", [LOG]), [LOG.verifier()], origin=ORIGIN)
    assert info.value.check == "checkpoint.format"


def test_cosigned_checkpoint_needs_the_quorum() -> None:
    cp = Checkpoint(ORIGIN, 0, EMPTY_ROOT)
    both = sign_checkpoint(cp, [LOG, OTHER])
    verifiers = [LOG.verifier(), OTHER.verifier()]
    assert open_checkpoint(both, verifiers, origin=ORIGIN, required=2) == cp
    only_log = sign_checkpoint(cp, [LOG])
    with pytest.raises(VerificationError) as info:
        open_checkpoint(only_log, verifiers, origin=ORIGIN, required=2)
    assert info.value.check == "checkpoint.signature"


# --- successors ---------------------------------------------------------------------------------


def _vector(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((VECTORS / "consistency" / name).read_text())
    return data


@pytest.mark.parametrize(
    "name", ["1/happy-path.json", "2/happy-path.json", "3/happy-path.json", "4/happy-path.json"]
)
def test_successor_accepts_published_consistency_proofs(name: str) -> None:
    v = _vector(name)
    old = Checkpoint(ORIGIN, int(str(v["size1"])), base64.b64decode(str(v["root1"])))
    new = Checkpoint(ORIGIN, int(str(v["size2"])), base64.b64decode(str(v["root2"])))
    proof = [base64.b64decode(p) for p in v["proof"] or []]  # type: ignore[attr-defined]
    check_checkpoint_successor(old, new, proof)


def test_successor_rejections() -> None:
    tree = MerkleTree.from_entries([bytes([i]) for i in range(10)])
    old = Checkpoint(ORIGIN, 4, tree.root(4))
    new = Checkpoint(ORIGIN, 10, tree.root(10))
    proof = tree.consistency_proof(4, 10)
    check_checkpoint_successor(old, new, proof)
    check_checkpoint_successor(old, old, [])
    fork = MerkleTree.from_entries([bytes([i]) for i in range(3)] + [b"x"] * 7)
    cases = [
        (old, Checkpoint("elsewhere", 10, tree.root(10)), proof, "origin changed"),
        (new, old, proof, "shrank"),
        (old, Checkpoint(ORIGIN, 10, fork.root(10)), proof, "does not extend"),
        (old, new, proof[:-1], "does not extend"),
        (old, Checkpoint(ORIGIN, 4, tree.root(5)), [], "different roots"),
        (Checkpoint(ORIGIN, 0, tree.root(1)), new, [], "empty root"),
        (Checkpoint(ORIGIN, 0, EMPTY_ROOT), Checkpoint(ORIGIN, 0, tree.root(1)), [], "empty root"),
        (Checkpoint(ORIGIN, 0, EMPTY_ROOT), new, proof, "no proof"),
    ]
    for a, b, p, problem in cases:
        with pytest.raises(VerificationError, match=problem) as info:
            check_checkpoint_successor(a, b, p)
        assert info.value.check == "checkpoint.consistency"
    check_checkpoint_successor(Checkpoint(ORIGIN, 0, EMPTY_ROOT), new, [])
