"""C2SP tlog-cosignature (Ed25519 cosignature/v1): keys, cosign, verify, tampering.

The keys here are TEST-ONLY, derived from fixed labels.
"""

from __future__ import annotations

import base64
import hashlib

import nacl.signing
import pytest

from lottery.core.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from lottery.core.cosignature import (
    CosignatureVerifier,
    Cosigner,
    cosign,
    cosigner_key_id,
    verify_cosignatures,
)
from lottery.core.errors import EncodingError, InputError, VerificationError
from lottery.core.note import NoteSignature, Signer, parse_note

LOG = "example.com/behind-the-sofa"
ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
TS = 1679315147  # the timestamp of the spec's example


def _seed(label: str) -> bytes:
    return hashlib.sha256(b"TEST ONLY " + label.encode()).digest()


def _office() -> Signer:
    return Signer.from_seed(LOG, _seed("office"))


def _witness(name: str = "witness.example.com/w1") -> Cosigner:
    return Cosigner.from_seed(name, _seed(name))


def _checkpoint(size: int = 20852163) -> bytes:
    return sign_checkpoint(Checkpoint(LOG, size, ROOT), [_office()])


def _lines(note: bytes) -> list[bytes]:
    return note[note.rindex(b"\n\n") + 2 :].splitlines(keepends=True)


def test_round_trip_keeps_the_office_signature() -> None:
    w = _witness()
    cosigned = cosign(_checkpoint(), w, TS)
    assert cosigned.startswith(_checkpoint())  # the office note, then one more line
    assert len(_lines(cosigned)) == 2
    # The office's signature still verifies; the cosignature is ignored by the note reader.
    assert open_checkpoint(cosigned, [_office().verifier()], origin=LOG).size == 20852163
    [found] = verify_cosignatures(cosigned, [w.verifier()])
    assert (found.name, found.key_id, found.timestamp) == (w.name, w.key_id, TS)
    # Cosigning again later replaces the line in place; two witnesses both count.
    again = cosign(cosign(cosigned, w, TS + 60), _witness("w2.example"), TS + 5)
    assert len(_lines(again)) == 3
    got = verify_cosignatures(again, [w.verifier(), _witness("w2.example").verifier()])
    assert [(c.name, c.timestamp) for c in got] == [(w.name, TS + 60), ("w2.example", TS + 5)]


def test_independent_implementation_from_the_spec_text() -> None:
    """Key id, vkey, signed message and line rebuilt with hashlib and nacl only."""
    name = "witness.example.com/w1"
    seed = _seed(name)
    key = nacl.signing.SigningKey(seed)
    pub = bytes(key.verify_key)
    # SHA-256(<name> || "\n" || 0x04 || 32-byte Ed25519 cosigner public key)[:4]
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + pub).digest()[:4]
    assert cosigner_key_id(name, pub) == key_id == _witness(name).key_id
    encoded = base64.b64encode(bytes([4]) + pub).decode()
    vkey = f"{name}+{key_id.hex()}+{encoded}"
    assert _witness(name).vkey == vkey
    assert CosignatureVerifier.from_vkey(vkey).public_key == pub
    body = f"{LOG}\n20852163\n{base64.b64encode(ROOT).decode()}\n".encode()
    message = b"cosignature/v1\ntime " + str(TS).encode() + b"\n" + body
    sig = key.sign(message).signature
    blob = key_id + TS.to_bytes(8, "big") + sig
    line = "— ".encode() + name.encode() + b" " + base64.b64encode(blob) + b"\n"
    # Ed25519 is deterministic: our cosign writes exactly this line ...
    ours = cosign(_checkpoint(), _witness(name), TS)
    assert _lines(ours)[-1] == line
    # ... and our verifier accepts a line built by hand, returning its timestamp.
    by_hand = _checkpoint() + line
    assert [
        c.timestamp for c in verify_cosignatures(by_hand, [CosignatureVerifier.from_vkey(vkey)])
    ] == [TS]
    # The signature is over the message above, checked by nacl itself.
    parsed = parse_note(ours).signatures[-1]
    nacl.signing.VerifyKey(pub).verify(message, parsed.signature[8:])


def test_the_spec_example_line_decodes_to_its_timestamp() -> None:
    """The spec's example cosignature: key id, then the u64 big-endian time 1679315147."""
    example = (
        f"{LOG}\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
        "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
        "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
        "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZC"
        "B9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
    ).encode()
    sig = parse_note(example).signatures[1]
    assert sig.key_id.hex() == "8d66cf3f"
    assert len(sig.signature) == 8 + 64
    assert int.from_bytes(sig.signature[:8], "big") == TS
    # A key we do not know (ours is not the spec's) is ignored, as the spec says.
    assert verify_cosignatures(example, [_witness().verifier()]) == []


def _replace_last_line(note: bytes, sig: NoteSignature) -> bytes:
    return note[: note.rindex("—".encode())] + sig.line()


@pytest.mark.parametrize("what", ["timestamp", "body", "signature", "length"])
def test_tampering_is_refused(what: str) -> None:
    w = _witness()
    good = cosign(_checkpoint(), w, TS)
    sig = parse_note(good).signatures[-1]
    if what == "timestamp":  # claim an earlier time: the signature covers it
        bad = _replace_last_line(
            good,
            NoteSignature(sig.name, sig.key_id, (TS - 3600).to_bytes(8, "big") + sig.signature[8:]),
        )
    elif what == "body":  # same cosignature line on another tree
        bad = _checkpoint(20852164) + sig.line()
    elif what == "signature":
        flipped = sig.signature[:20] + bytes([sig.signature[20] ^ 1]) + sig.signature[21:]
        bad = _replace_last_line(good, NoteSignature(sig.name, sig.key_id, flipped))
    else:  # a malformed line of a known key fails closed, it is not skipped
        bad = _replace_last_line(good, NoteSignature(sig.name, sig.key_id, sig.signature[:-1]))
    with pytest.raises(VerificationError) as err:
        verify_cosignatures(bad, [w.verifier()])
    assert err.value.check == (
        "cosignature.format" if what == "length" else "cosignature.signature"
    )


def test_timestamp_above_2_63_is_refused() -> None:
    w = _witness()
    with pytest.raises(InputError):
        cosign(_checkpoint(), w, 2**63)
    good = cosign(_checkpoint(), w, TS)
    sig = parse_note(good).signatures[-1]
    big = NoteSignature(sig.name, sig.key_id, (2**63).to_bytes(8, "big") + sig.signature[8:])
    with pytest.raises(VerificationError, match="2\\*\\*63"):
        verify_cosignatures(_replace_last_line(good, big), [w.verifier()])


def test_unknown_and_same_name_other_key_are_ignored() -> None:
    w = _witness()
    impostor = Cosigner.from_seed(w.name, _seed("impostor"))  # same name, other key id
    note = cosign(_checkpoint(), impostor, TS)
    assert verify_cosignatures(note, [w.verifier()]) == []


def test_keys_parse_strictly() -> None:
    w = _witness()
    assert Cosigner.from_private_key_string(w.private_key_string()).vkey == w.vkey
    office_vkey = _office().vkey  # type 0x01: a note key, not a cosigner key
    with pytest.raises(EncodingError, match="type 0x04"):
        CosignatureVerifier.from_vkey(office_vkey)
    name, _, key = w.vkey.split("+", 2)
    with pytest.raises(EncodingError, match="does not match"):
        CosignatureVerifier.from_vkey(f"{name}+{'0' * 8}+{key}")
    assert w.key_id != Signer.from_seed(w.name, _seed(w.name)).key_id  # 0x04 vs 0x01
    assert "PRIVATE" not in repr(w) and w.private_key_string() not in repr(w)


def test_cosign_needs_a_checkpoint() -> None:
    note = Signer.from_seed(LOG, _seed("office")).sign(b"x")  # not even a note
    with pytest.raises(EncodingError):
        cosign(note, _witness(), TS)
    from lottery.core.note import sign_note

    with pytest.raises(EncodingError):
        cosign(sign_note(b"just text\n", [_office()]), _witness(), TS)
