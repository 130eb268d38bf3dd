"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A signed note is a UTF-8 text ending in a newline, a blank line, then signature lines
``— <key name> <base64(4-byte key id || signature)>``; the signature covers the text including
its final newline. Keys are encoded as in Go's ``golang.org/x/mod/sumdb/note``: verifier key
``<name>+<hex id>+<base64(0x01 || public key)>``, private key
``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>``, key id
``SHA-256(name || 0x0A || 0x01 || public key)[:4]``. :func:`open_note` verifies the exact bytes
it is given, never a re-serialization. PyNaCl's exceptions never leave this module; verifying
needs no PyNaCl (:mod:`lottery.core.ed25519`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from . import ed25519
from .canonical import b64decode, b64encode, sha256
from .check_names import CheckName
from .errors import EncodingError, InputError, VerificationError

ALG_ED25519 = 0x01
"""Signature type byte of Ed25519 in key ids and encoded keys."""

MAX_SIGNATURES = 100
"""Most signature lines accepted in one note (the spec requires accepting at least 16)."""

_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # ASCII controls other than newline
_SIG_PREFIX = "— "  # U+2014 EM DASH, then a space
_KEY_ID_SIZE = 4
_SEED_SIZE = 32
_SIGNATURE_SIZE = 64
# Unicode White_Space (Go's unicode.IsSpace); str.isspace misses some, so names check both.
_WHITE_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _name_problem(name: object) -> str | None:
    """Why ``name`` is not a valid key name, or None when it is."""
    if not isinstance(name, str) or not name:
        return "a key name must be a non-empty string"
    if "+" in name:
        return f"key name {name!r} contains '+'"
    if any(c in _WHITE_SPACE or c.isspace() or c < " " for c in name):
        return f"key name {name!r} contains a space or control character"
    return None


def _check_name(name: object, error: type[InputError]) -> str:
    problem = _name_problem(name)
    if problem is not None or not isinstance(name, str):
        raise error(problem or "a key name must be a string")
    return name


def key_id(name: str, public_key: bytes, alg: int = ALG_ED25519) -> bytes:
    """Return the 4-byte key id ``SHA-256(name || 0x0A || alg || public_key)[:4]``.

    ``alg`` is the signature type byte: 0x01 for note signatures, 0x04 for C2SP
    ``cosignature/v1`` keys (:mod:`lottery.core.cosignature`).
    """
    return key_hash(name, public_key, alg)[:_KEY_ID_SIZE]


def key_hash(name: str, public_key: bytes, alg: int = ALG_ED25519) -> bytes:
    """Return ``SHA-256(name || 0x0A || alg || public_key)``: the key's fingerprint (32 bytes;
    docs/spec.md section 2.2). The key id is its first 4 bytes."""
    return sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key)


def fingerprint_text(digest: bytes) -> str:
    """A fingerprint as people compare it: lower-case hex in groups of 4, a space between."""
    text = digest.hex()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _parse_hex_id(text: str, error: type[InputError]) -> bytes:
    # Either case is read, as Go's note package reads it (strconv.ParseUint base 16); this
    # project always writes lower case.
    if len(text) != 2 * _KEY_ID_SIZE or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise error("a key id must be 8 hex digits")
    return bytes.fromhex(text)


class _NoteKey:
    """What signers and verifiers share: a key name, a public key and the key id.

    ``ALG`` is the signature type byte of the key (subclasses for other types override it).
    """

    __slots__ = ("_key_id", "_name", "_public")
    ALG: ClassVar[int] = ALG_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        self._name = name
        self._public = public_key
        self._key_id = key_id(name, public_key, self.ALG)

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key id."""
        return self._key_id

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return self._public

    @property
    def fingerprint(self) -> str:
        """The key's fingerprint, ``SHA-256(name || 0x0A || ALG || public key)`` in groups of
        4 hex digits (:func:`fingerprint_text`; docs/spec.md section 2.2)."""
        return fingerprint_text(key_hash(self._name, self._public, self.ALG))

    @property
    def vkey(self) -> str:
        """The verifier key string ``<name>+<hex id>+<base64(ALG || public key)>``."""
        return f"{self._name}+{self._key_id.hex()}+{b64encode(bytes([self.ALG]) + self._public)}"

    def __repr__(self) -> str:
        """Name and key id only (never key material beyond the public key id)."""
        return f"{type(self).__name__}(name={self._name!r}, key_id={self._key_id.hex()!r})"


class _PrivateKey(_NoteKey):
    """What signers share: a key name and the private Ed25519 key of a 32-byte seed (never
    shown by ``repr``), written ``PRIVATE+KEY+<name>+<hex id>+<base64(ALG || seed)>``.

    ``_KIND`` names the key's type when a private key string of another type is refused.
    """

    __slots__ = ("_key",)
    _KIND: ClassVar[str] = "an Ed25519 key (0x01 || seed)"

    def __init__(self, name: str, seed: bytes) -> None:
        """Create the key from a 32-byte seed; same as :meth:`from_seed`.

        Raises:
            InputError: for an invalid name or a seed that is not 32 bytes.
        """
        name = _check_name(name, InputError)
        if not isinstance(seed, bytes) or len(seed) != _SEED_SIZE:
            raise InputError(f"an Ed25519 seed must be {_SEED_SIZE} bytes")
        import nacl.signing  # signing is the office's side: the verifier needs no PyNaCl

        self._key = nacl.signing.SigningKey(seed)
        super().__init__(name, bytes(self._key.verify_key))

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Self:
        """Create the key from a 32-byte Ed25519 seed (RFC 8032 private key).

        Raises:
            InputError: for an invalid name or seed.
        """
        return cls(name, seed)

    @classmethod
    def generate(cls, name: str) -> Self:
        """A key with a fresh random seed (randomness from libsodium, not a clock).

        Raises:
            InputError: for an invalid name.
        """
        import nacl.signing

        return cls(name, bytes(nacl.signing.SigningKey.generate()))

    @classmethod
    def from_private_key_string(cls, text: str) -> Self:
        """Parse ``PRIVATE+KEY+<name>+<hex id>+<base64(ALG || seed)>`` (Go sumdb format).

        Raises:
            EncodingError: when the string is malformed, not a key of this type, or its key
                id does not match the key (the message never contains key material).
        """
        parts = text.split("+", 4) if isinstance(text, str) else []
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise EncodingError("a private key must look like PRIVATE+KEY+<name>+<id>+<key>")
        name = _check_name(parts[2], EncodingError)
        want_id = _parse_hex_id(parts[3], EncodingError)
        raw = b64decode(parts[4], what=f"private key of {name!r}")
        if len(raw) != 1 + _SEED_SIZE or raw[0] != cls.ALG:
            raise EncodingError(f"private key of {name!r} is not {cls._KIND}")
        key = cls(name, raw[1:])
        if key.key_id != want_id:
            raise EncodingError(f"private key of {name!r}: key id does not match the key")
        return key

    def private_key_string(self) -> str:
        """Return the Go sumdb encoding of this private key (keep it secret)."""
        raw = bytes([self.ALG]) + bytes(self._key)
        return f"PRIVATE+KEY+{self._name}+{self._key_id.hex()}+{b64encode(raw)}"


class Signer(_PrivateKey):
    """An Ed25519 note signer: a key name and a private key (never shown by ``repr``)."""

    __slots__ = ()

    def verifier(self) -> NoteVerifier:
        """Return the matching :class:`NoteVerifier`."""
        return NoteVerifier(self._name, self._public)

    def sign(self, text: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``text``."""
        return bytes(self._key.sign(text).signature)


class _PublicKey(_NoteKey):
    """What verifiers share: a key name and an Ed25519 public key, written
    ``<name>+<hex id>+<base64(ALG || public key)>``.

    ``_WHAT`` names such a string in errors, ``_KIND`` the key's type.
    """

    __slots__ = ()
    _WHAT: ClassVar[str] = "verifier key"
    _KIND: ClassVar[str] = "an Ed25519 key (type 0x01)"

    def __init__(self, name: str, public_key: bytes) -> None:
        """Create a verifier; prefer :meth:`from_vkey`.

        Raises:
            InputError: for an invalid name or a public key that is not 32 bytes.
        """
        name = _check_name(name, InputError)
        if not isinstance(public_key, bytes) or len(public_key) != 32:
            raise InputError("an Ed25519 public key must be 32 bytes")
        super().__init__(name, public_key)

    @staticmethod
    def _other_type(raw: bytes) -> str:
        """What to add when a key string of another type is refused ("": nothing)."""
        return ""

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Parse a verifier key ``<name>+<hex id>+<base64(ALG || public key)>`` strictly.

        Raises:
            EncodingError: when the string is malformed, the key is not of this type, or the
                key id does not match the name and key.
        """
        parts = vkey.split("+", 2) if isinstance(vkey, str) else []
        if len(parts) != 3:
            raise EncodingError(f"a {cls._WHAT} must look like <name>+<id>+<key>: {vkey!r}")
        name = _check_name(parts[0], EncodingError)
        want_id = _parse_hex_id(parts[1], EncodingError)
        raw = b64decode(parts[2], what=f"public key of {name!r}")
        if not raw or raw[0] != cls.ALG:
            raise EncodingError(
                f"{cls._WHAT} of {name!r} is not {cls._KIND}" + cls._other_type(raw)
            )
        if len(raw) != 33:
            raise EncodingError(f"{cls._WHAT} of {name!r}: an Ed25519 public key is 32 bytes")
        verifier = cls(name, raw[1:])
        if verifier.key_id != want_id:
            raise EncodingError(
                f"{cls._WHAT} of {name!r}: key id {parts[1]} does not match the key "
                f"(computed {verifier.key_id.hex()})"
            )
        return verifier


class NoteVerifier(_PublicKey):
    """An Ed25519 note verifier: a key name and a public key."""

    __slots__ = ()

    def verify(self, text: bytes, sig: bytes) -> bool:
        """Return whether ``sig`` is a valid Ed25519 signature of ``text`` by this key."""
        if not isinstance(sig, bytes) or len(sig) != _SIGNATURE_SIZE:
            return False
        return ed25519.verify(self._public, text, sig)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key id and the signature proper."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> bytes:
        """Return the signature line ``— <name> <base64(key id || signature)>\\n``."""
        encoded = b64encode(self.key_id + self.signature)
        return f"{_SIG_PREFIX}{self.name} {encoded}\n".encode()


@dataclass(frozen=True)
class Note:
    """A parsed (not necessarily verified) signed note.

    Attributes:
        text: the signed text, including its final newline, exactly as in the note.
        signatures: the signature lines in order.
    """

    text: bytes
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        """Return the signed note; for a parsed note, exactly the bytes that were parsed."""
        return self.text + b"\n" + b"".join(s.line() for s in self.signatures)


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures by known keys all verified.

    Attributes:
        note: the parsed note (its ``text`` is what was verified).
        verified_by: names of the known keys that signed it, in note order, once per key.
    """

    note: Note
    verified_by: tuple[str, ...]


def _decode(data: bytes, what: str) -> str:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError(f"{what} is not valid UTF-8 (byte {exc.start})") from exc
    if bad := _CONTROL.search(decoded):
        raise EncodingError(f"{what} contains control character U+{ord(bad[0]):04X}")
    return decoded


def _with_signatures(
    text: bytes, existing: tuple[NoteSignature, ...], signers: Sequence[Signer]
) -> bytes:
    """Sign ``text``; a signer's signature replaces an existing one by the same key in place."""
    fresh: dict[tuple[str, bytes], NoteSignature] = {}
    for s in signers:
        if not isinstance(s, Signer):
            raise InputError(f"not a Signer: {type(s).__name__}")
        if (s.name, s.key_id) in fresh:
            raise InputError(f"signer {s.name} ({s.key_id.hex()}) given twice")
        fresh[(s.name, s.key_id)] = NoteSignature(s.name, s.key_id, s.sign(text))
    if not fresh:
        raise InputError("signing a note needs at least one signer")
    out = [fresh.pop((s.name, s.key_id), s) for s in existing]
    out.extend(fresh.values())
    if len(out) > MAX_SIGNATURES:
        raise InputError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return Note(text, tuple(out)).to_bytes()


def sign_note(text: bytes, signers: Sequence[Signer]) -> bytes:
    """Sign ``text`` with every signer and return the signed note.

    Raises:
        EncodingError: when the text is not UTF-8, holds an ASCII control character other than
            newline, or does not end with a newline.
        InputError: when there is no signer, more than 100, or the same key twice.
    """
    if not isinstance(text, bytes) or not _decode(text, "note text").endswith("\n"):
        raise EncodingError("note text must be bytes ending with a newline")
    return _with_signatures(text, (), signers)


def add_signatures(note: bytes, signers: Sequence[Signer]) -> bytes:
    """Cosign a signed note: add a signature by each signer, keeping the existing ones.

    A signature line with a signer's name and key id is replaced in place by a fresh one
    (identical when it was valid: Ed25519 is deterministic), so adding twice changes nothing.
    The caller must :func:`open_note` the note first: this function does not verify it.

    Raises:
        EncodingError: when ``note`` is not a well-formed signed note.
        InputError: when there is no signer, the same key twice, or more than 100 signatures.
    """
    parsed = parse_note(note)
    return _with_signatures(parsed.text, parsed.signatures, signers)


def parse_note(data: bytes) -> Note:
    """Parse a signed note strictly, without verifying any signature.

    The text is everything up to and including the newline before the last blank line.

    Raises:
        EncodingError: naming the problem: not UTF-8, a control character, no blank line before
            the signatures, no final newline, a malformed signature line, bad base64, an invalid
            key name, or more than 100 signatures.
    """
    if not isinstance(data, bytes):
        raise EncodingError("a signed note must be bytes")
    _decode(data, "signed note")
    split = data.rfind(b"\n\n")
    if split < 0:
        raise EncodingError("signed note has no blank line before its signatures")
    text, block = data[: split + 1], data[split + 2 :]
    if not block:
        raise EncodingError("signed note has no signature lines")
    if not block.endswith(b"\n"):
        raise EncodingError("signed note does not end with a newline")
    lines = block[:-1].split(b"\n")
    if len(lines) > MAX_SIGNATURES:
        raise EncodingError(f"signed note has more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_parse_signature_line(n, line) for n, line in enumerate(lines, 1)))


def _parse_signature_line(number: int, raw: bytes) -> NoteSignature:
    line = raw.decode("utf-8")  # already checked by parse_note
    where = f"signature line {number}"
    if not line.startswith(_SIG_PREFIX):
        raise EncodingError(f"{where} does not start with an em dash and a space")
    name, space, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not space or not encoded:
        raise EncodingError(f"{where} has no signature after the key name")
    problem = _name_problem(name)
    if problem is not None:
        raise EncodingError(f"{where}: {problem}")
    blob = b64decode(encoded, what=f"{where} ({name})")
    if len(blob) < _KEY_ID_SIZE + 1:
        raise EncodingError(f"{where} ({name}): signature too short")
    return NoteSignature(name, blob[:_KEY_ID_SIZE], blob[_KEY_ID_SIZE:])


def open_note(data: bytes, verifiers: Sequence[NoteVerifier], *, required: int = 1) -> OpenedNote:
    """Parse a signed note and verify it against known keys; fail closed.

    Signatures whose name and key id match no known key are ignored (C2SP signed-note). Every
    signature by a known key must verify, and at least ``required`` distinct known keys must
    have signed.

    Raises:
        EncodingError: when the note is malformed (see :func:`parse_note`).
        InputError: for ``required < 1``, more than the known keys, or two different keys with
            the same name and key id.
        VerificationError: ``note.signature`` when a known key's signature does not verify or
            fewer than ``required`` known keys signed.
    """
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for v in verifiers:
        if not isinstance(v, NoteVerifier):
            raise InputError(f"not a NoteVerifier: {type(v).__name__}")
        other = known.setdefault((v.name, v.key_id), v)
        if other.public_key != v.public_key:
            raise InputError(f"two different keys named {v.name} share key id {v.key_id.hex()}")
    if not isinstance(required, int) or not 1 <= required <= max(len(known), 1):
        raise InputError(f"required must be in 1..{len(known)} (the known keys), got {required!r}")
    note = parse_note(data)
    verified: dict[tuple[str, bytes], str] = {}  # one entry per key, in note order
    for sig in note.signatures:
        signer = known.get((sig.name, sig.key_id))
        if signer is None:
            continue
        if not signer.verify(note.text, sig.signature):
            raise VerificationError(
                CheckName.NOTE_SIGNATURE,
                f"the signature by known key {signer.name} ({signer.key_id.hex()}) does not verify",
            )
        verified.setdefault((sig.name, sig.key_id), signer.name)
    if not verified:
        names = ", ".join(sorted({k[0] for k in known})) or "none"
        raise VerificationError(
            CheckName.NOTE_SIGNATURE, f"no signature by a known key (known: {names})"
        )
    if len(verified) < required:
        detail = f"only {len(verified)} of the {required} required known keys signed"
        raise VerificationError(CheckName.NOTE_SIGNATURE, detail)
    return OpenedNote(note, tuple(verified.values()))
