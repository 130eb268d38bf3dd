"""C2SP tlog-witness add-checkpoint: parsing and the witness's decision (pure core).

Statuses and body formats come from the spec (https://c2sp.org/tlog-witness, docs/witness.md
"The add-checkpoint protocol"). Keys are TEST-ONLY, derived from fixed labels.
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from lottery.core.checkpoint import Checkpoint, sign_checkpoint
from lottery.core.cosignature import Cosigner, verify_cosignatures
from lottery.core.errors import EncodingError
from lottery.core.merkle import EMPTY_ROOT, MerkleTree
from lottery.core.note import Note, Signer, parse_note
from lottery.core.witness_protocol import (
    Cosigned,
    LogState,
    Refusal,
    add_checkpoint,
    format_request,
    parse_request,
    parse_size,
)

LOG = "example.com/behind-the-sofa"
NOW = 1_700_000_000

# The example request body of the C2SP tlog-witness spec (signatures are not checkable).
SPEC_EXAMPLE = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
).encode()


def _seed(label: str) -> bytes:
    return hashlib.sha256(b"TEST ONLY " + label.encode()).digest()


OFFICE = Signer.from_seed(LOG, _seed("office"))
WITNESS = Cosigner.from_seed("witness.example/w1", _seed("w1"))
LOGS = {LOG: [OFFICE.verifier()]}


def _tree(*entries: bytes) -> MerkleTree:
    return MerkleTree.from_entries(entries)


def _note(tree: MerkleTree, size: int, signer: Signer = OFFICE, origin: str = LOG) -> bytes:
    return sign_checkpoint(Checkpoint(origin, size, tree.root(size)), [signer])


def _ask(old: int, proof: list[bytes], note: bytes, states: dict[str, LogState] | None = None):
    return add_checkpoint(
        parse_request(format_request(old, proof, note)), LOGS, states or {}, WITNESS, NOW
    )


GROWN = _tree(*(b"entry %d" % i for i in range(7)))
FORK = _tree(*(b"forged %d" % i for i in range(7)))


def test_the_spec_example_request_parses() -> None:
    request = parse_request(SPEC_EXAMPLE)
    assert request.old_size == 20852014
    assert request.proof[0] == base64.b64decode("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")
    assert len(request.proof) == 4
    assert request.note == SPEC_EXAMPLE[SPEC_EXAMPLE.index(b"example.com") :]
    assert format_request(request.old_size, request.proof, request.note) == SPEC_EXAMPLE


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 01\n\n",  # leading zero
        b"old -1\n\n",
        b"old 3",  # no newline
        b"Old 3\n\n",
        b"old 3\n",  # no empty line, no checkpoint
        b"old 3\nnot base64!\n\n",
        b"old 3\n" + base64.b64encode(bytes(31)) + b"\n\n",  # 31 bytes is not a hash
        b"old 3\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\n",  # 64 > 63 lines
    ],
)
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(EncodingError):
        parse_request(body + _note(GROWN, 3))


def test_first_checkpoint_is_cosigned_and_the_line_verifies() -> None:
    note = _note(GROWN, 3)
    answer = _ask(0, [], note)
    assert isinstance(answer, Cosigned)
    assert answer.state == LogState(3, GROWN.root(3), NOW)
    cosigned = note + answer.body()
    (found,) = verify_cosignatures(cosigned, [WITNESS.verifier()])
    assert found.timestamp == NOW and found.name == "witness.example/w1"
    assert answer.body().startswith("\u2014 witness.example/w1 ".encode())


def test_growth_with_a_valid_proof_is_cosigned_and_a_bad_proof_is_422() -> None:
    states = {LOG: LogState(3, GROWN.root(3), NOW - 10)}
    proof = GROWN.consistency_proof(3, 7)
    answer = _ask(3, proof, _note(GROWN, 7), states)
    assert isinstance(answer, Cosigned) and answer.state.size == 7
    bad = [proof[0], bytes(32), *proof[2:]]
    refused = _ask(3, bad, _note(GROWN, 7), states)
    assert isinstance(refused, Refusal) and refused.status == 422
    # A tree that does not extend the cosigned one: its own valid proof does not help.
    fork = _ask(3, FORK.consistency_proof(3, 7), _note(FORK, 7), states)
    assert isinstance(fork, Refusal) and fork.status == 422
    # A non-empty proof from the empty tree is refused.
    assert _ask(0, proof, _note(GROWN, 7)).status == 422


def test_wrong_old_size_is_409_with_the_recorded_size() -> None:
    states = {LOG: LogState(3, GROWN.root(3), NOW)}
    answer = _ask(0, [], _note(GROWN, 7), states)
    assert isinstance(answer, Refusal) and answer.status == 409 and answer.size == 3
    assert answer.body() == b"3\n" and parse_size(answer.body()) == 3
    never = _ask(5, GROWN.consistency_proof(5, 7), _note(GROWN, 7))
    assert isinstance(never, Refusal) and (never.status, never.body()) == (409, b"0\n")


def test_split_view_and_going_back_are_refused() -> None:
    states = {LOG: LogState(7, GROWN.root(7), NOW)}
    # Same size, other root: 409 (the spec), never a second cosignature.
    split = _ask(7, [], _note(FORK, 7), states)
    assert isinstance(split, Refusal) and split.status == 409 and split.size == 7
    # Same tree again: cosigned again (a fresh timestamp), state unchanged in size.
    again = _ask(7, [], _note(GROWN, 7), states)
    assert isinstance(again, Cosigned) and again.state.size == 7
    # A smaller tree cannot be asked for: its old size would be above its size (400)...
    assert _ask(7, [], _note(GROWN, 3), states).status == 400
    # ...or not the recorded size (409).
    assert _ask(0, [], _note(GROWN, 3), states).status == 409


def test_unknown_log_is_404_and_a_wrong_key_is_403() -> None:
    other = sign_checkpoint(Checkpoint("other.example/log", 3, GROWN.root(3)), [OFFICE])
    assert _ask(0, [], other).status == 404
    stranger = Signer.from_seed(LOG, _seed("not the office"))
    assert _ask(0, [], _note(GROWN, 3, stranger)).status == 403
    # A bad signature line by the pinned key is 403 even when another line is unknown.
    note = parse_note(_note(GROWN, 3))
    sig = note.signatures[0]
    broken = Note(note.text, (type(sig)(sig.name, sig.key_id, bytes(64)),)).to_bytes()
    assert _ask(0, [], broken).status == 403


def test_the_empty_tree_and_a_clock_behind_the_last_cosignature() -> None:
    empty = sign_checkpoint(Checkpoint(LOG, 0, EMPTY_ROOT), [OFFICE])
    assert isinstance(_ask(0, [], empty), Cosigned)
    states = {LOG: LogState(3, GROWN.root(3), NOW + 60)}
    late = _ask(3, GROWN.consistency_proof(3, 7), _note(GROWN, 7), states)
    assert isinstance(late, Refusal) and late.status == 503


def test_parse_size() -> None:
    assert parse_size(b"0\n") == 0 and parse_size(b"20852163\n") == 20852163
    for bad in (b"", b"12", b"012\n", b"1 2\n", b"-1\n"):
        with pytest.raises(EncodingError):
            parse_size(bad)


def test_every_one_byte_corruption_is_answered_never_raised() -> None:
    """Bad input gets a status: parsing fails with EncodingError or the decision refuses."""
    states = {LOG: LogState(3, GROWN.root(3), NOW)}
    body = format_request(3, GROWN.consistency_proof(3, 7), _note(GROWN, 7))
    for i in range(len(body)):
        for flip in (0x01, 0x20):
            mutated = body[:i] + bytes([body[i] ^ flip]) + body[i + 1 :]
            try:
                request = parse_request(mutated)
            except EncodingError:
                continue
            answer = add_checkpoint(request, LOGS, states, WITNESS, NOW)
            # Every byte is signed, proven or structural: no corruption is cosigned.
            assert isinstance(answer, Refusal), (i, flip)
