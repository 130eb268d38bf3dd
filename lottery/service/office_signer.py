"""Who signs for the office: the one way the service signs records and checkpoints.

:class:`OfficeSigner` is the interface; :func:`open_office_signer` picks the implementation
from the settings:

- :class:`KeyFileSigner` (the default): ``keys/office.key`` loaded into this process;
- :class:`SocketSigner` (``LOTTERY_SIGNER_SOCKET``): every signature is asked of the signer
  process (``lottery signer serve``, :mod:`lottery.service.signer_server`), which alone reads
  the key and parses what it signs; this process never opens ``office.key``.

docs/decisions.md, "Keeping the office key out of the web process", says why.
"""

from __future__ import annotations

import secrets
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from lottery.core.canonical import b64decode, b64encode, format_time
from lottery.core.checkpoint import Checkpoint, sign_checkpoint
from lottery.core.errors import EncodingError, LotteryError
from lottery.core.merkle import MerkleTree
from lottery.core.note import NoteVerifier, Signer, open_note, sign_note
from lottery.settings import Settings
from lottery.storage.keys import load_or_create_office_key

from .signer_protocol import PROBE_PREFIX, ProtocolError, read_message, write_message

START_GRACE = 5.0
"""Seconds :func:`open_office_signer` waits for a signer that does not answer yet."""


class SignerUnavailable(LotteryError):
    """The signer process does not answer (not running, socket missing, timed out)."""


class SignerRefused(LotteryError):
    """The signer process refused to sign (the message says why); nothing is signed."""


class SignerStale(SignerRefused):
    """The signer signed another checkpoint between this client's ``state`` and its
    ``checkpoint`` request (a harmless race): ask again."""


class OfficeSigner(ABC):
    """Signs for the office with one key; knows the office's public key(s)."""

    @property
    @abstractmethod
    def verifier(self) -> NoteVerifier:
        """The office key in force (public half)."""

    @property
    def name(self) -> str:
        """The key name (the log's origin)."""
        return self.verifier.name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key id."""
        return self.verifier.key_id

    @property
    def vkey(self) -> str:
        """The verifier key string."""
        return self.verifier.vkey

    def archived(self) -> list[NoteVerifier]:
        """The office's earlier keys this signer knows, oldest first (none by default)."""
        return []

    @property
    def cosigning(self) -> NoteVerifier | None:
        """The pending key the next checkpoint is also signed with (a rotation inside the
        signer process), or None."""
        return None

    @property
    def key(self) -> Signer:
        """The private key itself, for what only an in-process key can do (``lottery key
        rotate``).

        Raises:
            SignerRefused: the key is held by another process.
        """
        raise SignerRefused(
            "the office key is held by the signer process (LOTTERY_SIGNER_SOCKET): this "
            "process cannot use it directly; 机关签名密钥由签名进程保管"
        )

    @abstractmethod
    def sign_record(self, text: bytes) -> bytes:
        """Sign a record text (:func:`lottery.core.records.record_text`); the signed note."""

    @abstractmethod
    def sign_checkpoint(
        self, checkpoint: Checkpoint, tree: MerkleTree, cosigners: Sequence[Signer] = ()
    ) -> bytes:
        """Sign ``checkpoint`` of ``tree`` (which proves it extends what came before), with
        ``cosigners`` too (an in-process key rotation only); the signed note."""

    @abstractmethod
    def probe(self) -> bool:
        """Whether the key signs now (a signature over a throwaway text verifies).

        Raises:
            SignerUnavailable: the signer does not answer.
        """


class KeyFileSigner(OfficeSigner):
    """The office key loaded in this process (today's behaviour, the default)."""

    def __init__(self, key: Signer) -> None:
        """Sign with ``key``."""
        self._key = key
        self._verifier = key.verifier()

    @property
    def verifier(self) -> NoteVerifier:
        """The key's public half."""
        return self._verifier

    @property
    def key(self) -> Signer:
        """The key."""
        return self._key

    def sign_record(self, text: bytes) -> bytes:
        """Sign the record text."""
        return sign_note(text, [self._key])

    def sign_checkpoint(
        self, checkpoint: Checkpoint, tree: MerkleTree, cosigners: Sequence[Signer] = ()
    ) -> bytes:
        """Sign the checkpoint (the caller checked that it extends the log)."""
        return sign_checkpoint(checkpoint, [self._key, *cosigners])

    def probe(self) -> bool:
        """Sign and verify a throwaway text."""
        text = PROBE_PREFIX + secrets.token_hex(16).encode() + b"\n"
        return self._verifier.verify(text, self._key.sign(text))


class SocketSigner(OfficeSigner):
    """The signer process on a local Unix socket (:mod:`.signer_protocol`).

    One connection per request: threads and worker processes share nothing.
    """

    def __init__(self, path: Path, *, timeout: float = 10.0) -> None:
        """Ask the signer at ``path`` for the office's public keys.

        Raises:
            SignerUnavailable: it does not answer.
            SignerRefused: its answer is not a public key.
        """
        self.path = Path(path)
        self.timeout = timeout
        self._pending: NoteVerifier | None = None
        answer = self._ask({"op": "public-key"})
        try:
            self._verifier = NoteVerifier.from_vkey(str(answer.get("vkey")))
            self._archived = [NoteVerifier.from_vkey(str(v)) for v in answer.get("archived", [])]
        except EncodingError as exc:
            raise SignerRefused(f"the signer's public key does not parse: {exc}") from exc

    @property
    def verifier(self) -> NoteVerifier:
        """The key the signer holds (as it said when this client opened)."""
        return self._verifier

    def archived(self) -> list[NoteVerifier]:
        """The earlier keys in the signer's ``keys/archive``."""
        return list(self._archived)

    @property
    def cosigning(self) -> NoteVerifier | None:
        """The key :meth:`rotate_begin` made, until the rotation is finished or aborted."""
        return self._pending

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self.timeout)
                sock.connect(str(self.path))
                write_message(sock, request)
                answer = read_message(sock)
        except (OSError, ProtocolError) as exc:
            raise SignerUnavailable(
                f"the office signer at {self.path} does not answer ({exc}); "
                "机关签名服务无法连接：请检查 lottery-signer 服务是否在运行"
            ) from exc
        if answer.get("ok") is not True:
            kind = SignerStale if answer.get("retry") is True else SignerRefused
            raise kind(
                f"the office signer refused: {answer.get('error', 'no reason given')}; "
                "机关签名服务拒绝签名"
            )
        return answer

    def _note(self, answer: dict[str, Any]) -> bytes:
        note = answer.get("note")
        if not isinstance(note, str):
            raise SignerRefused("the office signer's answer holds no signed note")
        try:
            open_note(note.encode("utf-8"), [self._verifier])
        except LotteryError as exc:
            raise SignerRefused(
                "the office signer did not sign with the key this process knows (was the key "
                f"rotated? restart this process): {exc}; 签名密钥已更换，请重启服务"
            ) from exc
        return note.encode("utf-8")

    def pending(self) -> str | None:
        """The vkey of a rotation pending in the signer (``office-next``), or None."""
        pending = self._ask({"op": "state"}).get("pending")
        return pending if isinstance(pending, str) else None

    def state_size(self) -> int:
        """The size of the last checkpoint the signer signed (0: none)."""
        size = self._ask({"op": "state"}).get("size")
        if not isinstance(size, int) or size < 0:
            raise SignerRefused("the office signer's state holds no size")
        return size

    def rotate_begin(self, reason: str, now: datetime) -> tuple[bytes, NoteVerifier]:
        """Have the signer make the next key and the key-change record signed by both keys:
        (signed record, next key). Checkpoints are cosigned by the next key until
        :meth:`rotate_finish` or :meth:`rotate_abort`."""
        answer = self._ask({"op": "rotate-begin", "reason": reason, "time": format_time(now)})
        note, vkey = answer.get("note"), answer.get("vkey")
        if not isinstance(note, str) or not isinstance(vkey, str):
            raise SignerRefused("the office signer's answer holds no key-change record")
        try:
            self._pending = NoteVerifier.from_vkey(vkey)
        except EncodingError as exc:
            raise SignerRefused(f"the signer's next key does not parse: {exc}") from exc
        return note.encode("utf-8"), self._pending

    def rotate_finish(self, vkey: str, index: int, proof: Sequence[bytes]) -> None:
        """Have the signer switch to the next key ``vkey``, proving that its last checkpoint
        covers the key change at log ``index`` (inclusion ``proof``); success too when the
        signer already switched to ``vkey``. This client is then unusable (the service
        restarts, as after every rotation). Admin socket only."""
        request = {
            "op": "rotate-finish",
            "vkey": vkey,
            "index": index,
            "proof": [b64encode(h) for h in proof],
        }
        self._ask(request)
        self._pending = None

    def rotate_abort(self) -> None:
        """Have the signer discard the next key (refused once a checkpoint it cosigned left)."""
        self._ask({"op": "rotate-abort"})
        self._pending = None

    def sign_record(self, text: bytes) -> bytes:
        """Ask the signer to sign the record text (it checks it is a record of this log)."""
        note = self._note(self._ask({"op": "record", "text": text.decode("utf-8")}))
        return note

    def sign_checkpoint(
        self, checkpoint: Checkpoint, tree: MerkleTree, cosigners: Sequence[Signer] = ()
    ) -> bytes:
        """Ask the signer's last size, then send the checkpoint with the consistency proof
        from it (the signer refuses a checkpoint that does not extend its last one)."""
        if cosigners:  # the signer cosigns itself (cosign) during a rotation
            raise SignerRefused(
                "a checkpoint with cosigners (a key rotation) is signed on the signer host: "
                "run `lottery key rotate` there (docs/operations.md, key ceremony)"
            )
        for attempt in (1, 2):  # a second time only after a harmless race (SignerStale)
            size = self.state_size()
            proof = tree.consistency_proof(size) if 0 < size < tree.size else []
            request = {
                "op": "checkpoint",
                "text": checkpoint.to_text().decode("utf-8"),
                "old_size": size,
                "proof": [b64encode(h) for h in proof],
            }
            if self._pending is not None:
                request["cosign"] = True
            try:
                return self._note(self._ask(request))
            except SignerStale:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def probe(self) -> bool:
        """The signer signs a throwaway two-line text; True when it verifies."""
        nonce = secrets.token_hex(16)
        answer = self._ask({"op": "probe", "nonce": nonce})
        try:
            signature = b64decode(str(answer.get("signature")), what="probe signature")
        except EncodingError:
            return False
        return self._verifier.verify(PROBE_PREFIX + nonce.encode() + b"\n", signature)


def open_office_signer(settings: Settings) -> OfficeSigner:
    """The socket signer when ``LOTTERY_SIGNER_SOCKET`` is set, else the key file (created
    once, as ``lottery init`` does).

    Raises:
        SignerUnavailable, SignerRefused: the configured signer does not answer usefully.
        InputError: the key file cannot be loaded.
    """
    if settings.signer_socket is not None:
        # At boot the signer may still be binding its socket (systemd starts both units at
        # once: Type=exec says nothing of readiness); a few seconds' grace, then fail.
        deadline = time.monotonic() + START_GRACE
        while True:
            try:
                return SocketSigner(settings.signer_socket, timeout=settings.signer_timeout)
            except SignerUnavailable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.25)
    return KeyFileSigner(load_or_create_office_key(settings))
