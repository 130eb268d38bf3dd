"""C2SP signed notes: the C2SP and Go reference vectors, strict parsing, fail-closed opening."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery.core.errors import EncodingError, InputError, VerificationError
from lottery.core.note import (
    MAX_SIGNATURES,
    NoteSignature,
    NoteVerifier,
    Signer,
    add_signatures,
    open_note,
    parse_note,
    sign_note,
)

# C2SP signed-note specification example (tests/vectors/c2sp-signed-note/README.md).
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n"
    "\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"  # noqa: E501 - published vector
).encode()

# golang.org/x/mod/sumdb/note documentation and tests (the reference implementation).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    b"If you think cryptography is the answer to your problem,\n"
    b"then you don't know what your problem is.\n"
)
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n".encode()  # noqa: E501
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n".encode()  # noqa: E501

PETER = NoteVerifier.from_vkey(GO_VKEY)
ENOCH = NoteVerifier.from_vkey(ENOCH_VKEY)


def signer(name: str = "log.example/test", n: int = 1) -> Signer:
    return Signer.from_seed(name, bytes([n]) * 32)


# --- known answers ------------------------------------------------------------------------------


def test_c2sp_example_verifies() -> None:
    v = NoteVerifier.from_vkey(C2SP_VKEY)
    assert v.name == "example.com/foo"
    assert v.key_id.hex() == "530d903a"
    assert v.vkey == C2SP_VKEY
    opened = open_note(C2SP_NOTE, [v])
    assert opened.note.text == b"This is an example message.\n"
    assert opened.verified_by == ("example.com/foo",)
    assert opened.note.to_bytes() == C2SP_NOTE


def test_go_signer_reproduces_the_reference_note_byte_for_byte() -> None:
    s = Signer.from_private_key_string(GO_SKEY)
    assert s.name == "PeterNeumann"
    assert s.key_id.hex() == "c74f20a3"
    assert s.vkey == GO_VKEY
    assert s.private_key_string() == GO_SKEY
    assert sign_note(GO_TEXT, [s]) == GO_TEXT + b"\n" + PETER_SIG


def test_go_cosignature_example_byte_for_byte() -> None:
    # Go's tests derive EnochRoot from an all-zero seed; its published vkey proves it.
    enoch = Signer.from_seed("EnochRoot", bytes(32))
    assert enoch.vkey == ENOCH_VKEY
    assert add_signatures(GO_TEXT + b"\n" + PETER_SIG, [enoch]) == (
        GO_TEXT + b"\n" + PETER_SIG + ENOCH_SIG
    )


def test_go_open_cases() -> None:
    both = GO_TEXT + b"\n" + PETER_SIG + ENOCH_SIG
    assert open_note(both, [PETER]).verified_by == ("PeterNeumann",)  # Enoch unknown: ignored
    assert open_note(both, [PETER, ENOCH]).verified_by == ("PeterNeumann", "EnochRoot")
    assert open_note(both, [PETER, ENOCH], required=2).note.text == GO_TEXT
    with pytest.raises(VerificationError, match="no signature by a known key") as info:
        open_note(both, [])
    assert info.value.check == "note.signature"
    # The same verifier twice is one key, not an ambiguity.
    assert open_note(GO_TEXT + b"\n" + PETER_SIG, [ENOCH, PETER, ENOCH]).verified_by == (
        "PeterNeumann",
    )
    # Duplicated signature lines by one key count once.
    dup = GO_TEXT + b"\n" + PETER_SIG + PETER_SIG + ENOCH_SIG
    assert open_note(dup, [PETER]).verified_by == ("PeterNeumann",)


def test_go_invalid_signature_is_rejected() -> None:
    bad = GO_TEXT + b"\n" + PETER_SIG[:60] + b"ABCD" + PETER_SIG[60:]
    with pytest.raises(VerificationError, match="PeterNeumann") as info:
        open_note(bad, [PETER])
    assert info.value.check == "note.signature"


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (GO_TEXT, "no blank line"),
        (GO_TEXT + b"\n", "no signature lines"),
        (GO_TEXT + b"\n" + PETER_SIG[:-1], "does not end with a newline"),
        (b"\x01" + GO_TEXT + b"\n" + PETER_SIG, "control character U\\+0001"),
        (b"\xff" + GO_TEXT + b"\n" + PETER_SIG, "not valid UTF-8"),
        (GO_TEXT + "\n— Bad Name x08go/ZJk=\n".encode(), "not valid base64"),
        (GO_TEXT + b"\n" + PETER_SIG + b"Unexpected line.\n", "em dash"),
        (GO_TEXT + b"\n" + PETER_SIG * (MAX_SIGNATURES + 1), "more than 100"),
        (GO_TEXT + "\n— a+b QUJDREU=\n".encode(), "contains '\\+'"),
        (GO_TEXT + "\n— a\u00a0b QUJDREU=\n".encode(), "space"),
        (GO_TEXT + "\n— a\u2003b QUJDREU=\n".encode(), "space"),
        (GO_TEXT + "\n—  QUJDREU=\n".encode(), "non-empty"),
        (GO_TEXT + "\n— PeterNeumann\n".encode(), "no signature after"),
        (GO_TEXT + "\n— PeterNeumann QUJDRA==\n".encode(), "too short"),
        (GO_TEXT + "\n— PeterNeumann QUJDREV=\n".encode(), "not canonical base64"),
        (GO_TEXT + b"\r\n" + PETER_SIG, "control character U\\+000D"),
        (GO_TEXT + b"\n- PeterNeumann QUJDREU=\n", "em dash"),
    ],
)
def test_malformed_notes_are_rejected_with_the_problem_named(message: bytes, problem: str) -> None:
    with pytest.raises(EncodingError, match=problem):
        parse_note(message)
    with pytest.raises(EncodingError):
        open_note(message, [PETER])


def test_exactly_100_signatures_are_accepted() -> None:
    note = parse_note(GO_TEXT + b"\n" + PETER_SIG * MAX_SIGNATURES)
    assert len(note.signatures) == MAX_SIGNATURES


def test_verifier_key_manglings_are_rejected() -> None:
    # Ported from Go's TestNewVerifier: every proper substring and every one-character change.
    for i in range(len(GO_VKEY)):
        for j in range(i + 1, len(GO_VKEY) + 1):
            if (i, j) != (0, len(GO_VKEY)):
                with pytest.raises(EncodingError):
                    NoteVerifier.from_vkey(GO_VKEY[i:j])
        with pytest.raises(EncodingError):
            NoteVerifier.from_vkey(GO_VKEY[:i] + chr(ord(GO_VKEY[i]) + 1) + GO_VKEY[i + 1 :])
    with pytest.raises(EncodingError):  # wrong length, adjusted key id
        NoteVerifier.from_vkey(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
    with pytest.raises(EncodingError, match="not an Ed25519 key"):  # unknown algorithm
        NoteVerifier.from_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


def test_private_key_manglings_are_rejected() -> None:
    for i in range(len(GO_SKEY)):
        for j in range(i + 1, len(GO_SKEY) + 1):
            if (i, j) != (0, len(GO_SKEY)):
                with pytest.raises(EncodingError):
                    Signer.from_private_key_string(GO_SKEY[i:j])
        with pytest.raises(EncodingError):
            Signer.from_private_key_string(
                GO_SKEY[:i] + chr(ord(GO_SKEY[i]) + 1) + GO_SKEY[i + 1 :]
            )


def test_verifier_key_with_a_33_byte_public_key_is_rejected() -> None:
    raw = base64.b64encode(b"\x01" + bytes(33)).decode()
    with pytest.raises(EncodingError, match="32 bytes"):
        NoteVerifier.from_vkey(f"n.example+00000000+{raw}")


def test_key_id_is_read_in_either_case_as_go_reads_it() -> None:
    upper = NoteVerifier.from_vkey(GO_VKEY.replace("c74f20a3", "C74F20A3"))
    assert upper.key_id == NoteVerifier.from_vkey(GO_VKEY).key_id
    # ... and written back in lower case.
    assert upper.vkey == GO_VKEY


@pytest.mark.parametrize("bad", ["c74f20a", "c74f20a33", "c74f20g3", "+c74f20a", "0xc74f20"])
def test_key_id_must_be_eight_hex_digits(bad: str) -> None:
    with pytest.raises(EncodingError, match="8 hex digits"):
        NoteVerifier.from_vkey(GO_VKEY.replace("c74f20a3", bad))


@pytest.mark.parametrize(
    "name", ["", "a b", "a+b", "tab\there", "nbsp\u00a0", "ideo\u3000", "nl\n"]
)
def test_invalid_key_names(name: str) -> None:
    with pytest.raises(InputError):
        Signer.from_seed(name, bytes(32))
    with pytest.raises(InputError):
        NoteVerifier(name, bytes(32))


def test_signer_repr_never_shows_the_seed() -> None:
    seed = bytes(range(32))
    s = Signer.from_seed("office.example/keys", seed)
    secret_b64 = s.private_key_string().rsplit("+", 1)[1]
    for text in (repr(s), str(s)):
        assert seed.hex() not in text
        assert secret_b64 not in text
        assert "office.example/keys" in text


def test_generate_and_properties() -> None:
    s = Signer.generate("gen.example/k")
    assert len(s.public_key) == 32
    assert len(s.key_id) == 4
    assert len(s.sign(b"x\n")) == 64
    v = NoteVerifier.from_vkey(s.vkey)
    assert v.vkey == s.verifier().vkey
    assert v.verify(b"x\n", s.sign(b"x\n"))
    assert not v.verify(b"y\n", s.sign(b"x\n"))
    assert not v.verify(b"x\n", b"short")
    assert Signer.from_private_key_string(s.private_key_string()).vkey == s.vkey


def test_seed_must_be_32_bytes() -> None:
    with pytest.raises(InputError, match="32 bytes"):
        Signer.from_seed("a", bytes(31))


# --- signing, cosigning and opening -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (b"no final newline", EncodingError),
        (b"tab\tinside\n", EncodingError),
        (b"\xc3\x28\n", EncodingError),
        ("text\n", EncodingError),
    ],
)
def test_sign_note_rejects_bad_text(text: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        sign_note(text, [signer()])


def test_sign_note_rejects_bad_signer_lists() -> None:
    with pytest.raises(InputError, match="at least one signer"):
        sign_note(b"x\n", [])
    with pytest.raises(InputError, match="twice"):
        sign_note(b"x\n", [signer(), signer()])
    with pytest.raises(InputError, match="at most 100"):
        sign_note(b"x\n", [signer(f"k{i}") for i in range(MAX_SIGNATURES + 1)])


@pytest.mark.parametrize("text", [b"\n", b"a\n\nb\n", b"ends with a blank line\n\n", b"\n\n\n"])
def test_texts_with_blank_lines_round_trip(text: bytes) -> None:
    s = signer()
    note = sign_note(text, [s])
    opened = open_note(note, [s.verifier()])
    assert opened.note.text == text


def test_cosigning_is_idempotent_and_keeps_order() -> None:
    a, b, c = signer("a.example", 1), signer("b.example", 2), signer("c.example", 3)
    note = sign_note(b"checkpoint\n", [a])
    twice = add_signatures(note, [b])
    assert add_signatures(twice, [b]) == twice
    assert add_signatures(twice, [a, c]) == add_signatures(twice, [c])
    names = [s.name for s in parse_note(add_signatures(twice, [c])).signatures]
    assert names == ["a.example", "b.example", "c.example"]
    opened = open_note(twice, [a.verifier(), b.verifier()], required=2)
    assert opened.verified_by == ("a.example", "b.example")


def test_cosigning_replaces_a_bad_signature_by_the_same_key() -> None:
    a = signer("a.example", 1)
    bogus = NoteSignature("a.example", a.key_id, bytes(64))
    forged = b"text\n\n" + bogus.line()
    with pytest.raises(VerificationError):
        open_note(forged, [a.verifier()])
    assert open_note(add_signatures(forged, [a]), [a.verifier()]).verified_by == ("a.example",)


def test_required_quorum() -> None:
    a, b = signer("a.example", 1), signer("b.example", 2)
    note = sign_note(b"x\n", [a])
    with pytest.raises(VerificationError, match="only 1 of the 2") as info:
        open_note(note, [a.verifier(), b.verifier()], required=2)
    assert info.value.check == "note.signature"
    with pytest.raises(InputError):
        open_note(note, [a.verifier()], required=2)
    with pytest.raises(InputError):
        open_note(note, [a.verifier()], required=0)


def test_a_bad_signature_by_a_known_key_fails_even_when_another_verifies() -> None:
    a, b = signer("a.example", 1), signer("b.example", 2)
    note = sign_note(b"x\n", [a])
    bad = NoteSignature(b.name, b.key_id, b.sign(b"other\n"))
    with pytest.raises(VerificationError, match=r"b\.example"):
        open_note(note + bad.line(), [a.verifier(), b.verifier()])
    assert open_note(note + bad.line(), [a.verifier()]).verified_by == ("a.example",)


def test_unknown_keys_sharing_a_name_or_an_id_are_ignored() -> None:
    a = signer("a.example", 1)
    impostor = signer("a.example", 2)  # same name, other key (other id)
    note = sign_note(b"x\n", [impostor, a])
    assert open_note(note, [a.verifier()]).verified_by == ("a.example",)
    same_id_other_name = NoteSignature("b.example", a.key_id, a.sign(b"x\n"))
    note2 = sign_note(b"x\n", [a]) + same_id_other_name.line()
    assert open_note(note2, [a.verifier()]).verified_by == ("a.example",)
    with pytest.raises(VerificationError, match="no signature by a known key"):
        open_note(sign_note(b"x\n", [impostor]), [a.verifier()])


def test_open_checks_the_exact_bytes() -> None:
    a = signer()
    note = sign_note(b"x\n", [a])
    sig_b64 = note.split(b" ")[-1].strip()
    raw = base64.b64decode(sig_b64)
    # Same signature bytes, non-canonical base64 (a padding char replaced): refused, not fixed.
    noncanonical = base64.b64encode(raw).replace(b"=", b"") + b"\n"
    with pytest.raises(EncodingError):
        open_note(note.replace(sig_b64 + b"\n", noncanonical), [a.verifier()])


_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x0A, max_codepoint=0x10FFFF, exclude_categories=["Cs"]),
    max_size=200,
).filter(lambda t: all(c >= " " or c == "\n" for c in t))


@settings(max_examples=80, deadline=None)
@given(_TEXT, st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=4, unique=True))
def test_sign_parse_open_round_trip(text: str, seeds: list[bytes]) -> None:
    data = (text + "\n").encode()
    signers = [Signer.from_seed(f"k{i}.example", seed) for i, seed in enumerate(seeds)]
    note = sign_note(data, signers)
    parsed = parse_note(note)
    assert parsed.text == data
    assert parsed.to_bytes() == note
    opened = open_note(note, [s.verifier() for s in signers], required=len(signers))
    assert opened.verified_by == tuple(s.name for s in signers)


@settings(max_examples=80, deadline=None)
@given(_TEXT, st.data())
def test_any_byte_change_in_the_text_is_detected(text: str, data: st.DataObject) -> None:
    s = signer()
    body = (text + "\n").encode()
    note = sign_note(body, [s])
    pos = data.draw(st.integers(0, len(body) - 1))
    tampered = bytearray(note)
    tampered[pos] ^= data.draw(st.integers(1, 255))
    with pytest.raises((EncodingError, VerificationError)):
        opened = open_note(bytes(tampered), [s.verifier()])
        assert opened.note.text != body  # pragma: no cover - must not be reached
