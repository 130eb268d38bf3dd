"""The office's signer process: the only process that reads ``keys/office.key``
(``lottery signer serve``; docs/deploy.md "The signer", docs/decisions.md "Keeping the office
key out of the web process").

It answers the requests of :mod:`.signer_protocol` on a local Unix socket and **parses what it
signs**, so that a compromised web process can get signed only what the office could lawfully
publish anyway:

- a record must be one valid record text (:func:`lottery.core.records.parse_record_text`) of
  this log (``log`` is the key's name, the log's origin), with no refused character in its
  fields; a ``key-change`` record is never signed on request: only a rotation makes one;
- a checkpoint must be a checkpoint of this log without extension lines that **extends the
  last checkpoint this signer signed**, proven by the consistency proof sent with it. That last
  checkpoint is the signer's own ``<data_dir>/state/last-checkpoint``
  (:mod:`lottery.storage.checkpoint_file`, through :class:`.fork_guard.ForkGuard`), written and
  fsynced before the signature leaves, so no fork and no rollback is ever signed, whatever the
  database says;
- a readiness probe signs ``PROBE_PREFIX + nonce``: two lines, neither a record nor a
  checkpoint.

Every signature and every refusal is appended to ``<data_dir>/state/signer-audit.jsonl`` (one
JSON object a line: time, kind, SHA-256 of the signed text, and the record type or checkpoint
size; never key material).

A key rotation (``lottery key rotate`` on the service with a socket signer) runs inside the
signer: ``rotate-begin`` makes the ``office-next`` pair and the key-change record signed by both
keys; the checkpoint covering it is asked with ``"cosign": true``; ``rotate-finish`` switches the
key files (:func:`lottery.storage.keys.archive_and_switch`); ``rotate-abort`` discards the
pending pair, refused once a checkpoint signed by the next key has left (the log may hold the
key change: only finishing is then safe).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import socketserver
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lottery.core.canonical import b64decode, b64encode, format_time, parse_time, sha256_hex
from lottery.core.checkpoint import (
    Checkpoint,
    check_checkpoint_successor,
    open_checkpoint,
    sign_checkpoint,
)
from lottery.core.errors import InputError, LotteryError
from lottery.core.note import NoteVerifier, Signer, open_note, sign_note
from lottery.core.records import make_record, parse_record_text
from lottery.storage.checkpoint_file import (
    checkpoint_path,
    read_checkpoint_file,
    write_checkpoint_file,
)
from lottery.storage.keys import (
    NEXT_STEM,
    OFFICE_STEM,
    PRIVATE_SUFFIX,
    archive_and_switch,
    archived_office_keys,
    discard_next,
    generate_keypair,
    load_signer,
)

from .fork_guard import ForkGuard
from .signer_protocol import PROBE_PREFIX, ProtocolError, read_message, write_message
from .text_input import refuse_unsafe_text

logger = logging.getLogger(__name__)

AUDIT_FILE = "signer-audit.jsonl"
"""The signer's audit file, in ``<data_dir>/state/``."""
SOCKET_MODE = 0o660
"""The socket's mode: the signer's user and the service's group."""
REQUEST_TIMEOUT = 10.0
"""Seconds a client may take to send its request."""

_NONCE = re.compile(r"[0-9a-f]{32}")
_RECORD_META = ("type", "v", "log", "time")


class SignerRefusal(LotteryError):
    """A request the signer will not sign; the message says why (sent to the client)."""


class OfficeKeyHolder:
    """The office key of one data directory and the rules for using it (module docstring).

    Thread-safe: one request at a time changes the state.
    """

    def __init__(self, data_dir: Path, *, now: Any = None) -> None:
        """Load ``<data_dir>/keys/office.key`` (and a pending ``office-next`` pair).

        ``now``: a clock for the audit file (tests); default the UTC wall clock.

        Raises:
            InputError: the key file is missing, readable by others or malformed.
        """
        self.data_dir = Path(data_dir)
        self.keys_dir = self.data_dir / "keys"
        self.guard = ForkGuard(checkpoint_path(self.data_dir))
        self.audit_path = self.data_dir / "state" / AUDIT_FILE
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        self.key: Signer = load_signer(self.keys_dir / f"{OFFICE_STEM}{PRIVATE_SUFFIX}")
        self.origin = self.key.name
        self.archived: list[NoteVerifier] = archived_office_keys(self.keys_dir)
        next_key = self.keys_dir / f"{NEXT_STEM}{PRIVATE_SUFFIX}"
        self.next: Signer | None = load_signer(next_key) if next_key.exists() else None

    @property
    def verifiers(self) -> list[NoteVerifier]:
        """Every key a checkpoint of this log may be signed with (current, pending, archived)."""
        keys = [self.key.verifier(), *self.archived]
        if self.next is not None:
            keys.append(self.next.verifier())
        return keys

    # -- the audit file --------------------------------------------------------------------

    def _audit(self, kind: str, text: bytes | None, **detail: Any) -> None:
        line: dict[str, Any] = {"time": format_time(self._now()), "kind": kind}
        if text is not None:
            line["sha256"] = sha256_hex(text)
        line.update(detail)
        data = (json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        self.audit_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.audit_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- requests ----------------------------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one request (:mod:`.signer_protocol`); a refusal is audited and answered
        with its reason."""
        op = request.get("op")
        handlers = {
            "public-key": self._public_key,
            "state": self._state,
            "probe": self._probe,
            "record": self._record,
            "checkpoint": self._checkpoint,
            "rotate-begin": self._rotate_begin,
            "rotate-finish": self._rotate_finish,
            "rotate-abort": self._rotate_abort,
        }
        handler = handlers.get(op) if isinstance(op, str) else None
        if handler is None:
            return {"ok": False, "error": f"unknown op {op!r}"}
        with self._lock:
            try:
                return {"ok": True, **handler(request)}
            except LotteryError as exc:
                text = request.get("text")
                raw = text.encode("utf-8", "replace") if isinstance(text, str) else None
                self._audit(str(op), raw, refused=str(exc))
                return {"ok": False, "error": str(exc)}

    def _public_key(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"vkey": self.key.vkey, "archived": [k.vkey for k in self.archived]}

    def _last(self) -> Checkpoint | None:
        floors = self.guard.floors(self.origin, self.verifiers)  # LogForkError: unreadable
        return floors[0].checkpoint if floors else None

    def _state(self, request: dict[str, Any]) -> dict[str, Any]:
        last = self._last()
        pending = self.next.vkey if self.next is not None else None
        return {"size": last.size if last is not None else 0, "pending": pending}

    def _probe(self, request: dict[str, Any]) -> dict[str, Any]:
        nonce = request.get("nonce")
        if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
            raise SignerRefusal("a probe nonce must be 32 lower-case hex digits")
        return {"signature": b64encode(self.key.sign(PROBE_PREFIX + nonce.encode() + b"\n"))}

    @staticmethod
    def _text(request: dict[str, Any]) -> bytes:
        text = request.get("text")
        if not isinstance(text, str):
            raise SignerRefusal("the request holds no text to sign")
        return text.encode("utf-8")

    def _record(self, request: dict[str, Any]) -> dict[str, Any]:
        text = self._text(request)
        body = parse_record_text(text)  # EncodingError: not a valid record
        if body["log"] != self.origin:
            raise SignerRefusal(f"a record of log {body['log']!r}, not of {self.origin!r}")
        if body["type"] == "key-change":
            raise SignerRefusal("a key-change record is made only by a key rotation")
        refuse_unsafe_text({k: v for k, v in body.items() if k not in _RECORD_META})
        note = sign_note(text, [self.key])
        self._audit("record", text, type=body["type"])
        return {"note": note.decode("utf-8")}

    def _checkpoint(self, request: dict[str, Any]) -> dict[str, Any]:
        text = self._text(request)
        new = Checkpoint.from_text(text)
        if new.origin != self.origin:
            raise SignerRefusal(f"a checkpoint of log {new.origin!r}, not of {self.origin!r}")
        if new.extensions:
            raise SignerRefusal("a checkpoint of this log has no extension lines")
        signers = [self.key]
        if request.get("cosign") is True:
            if self.next is None:
                raise SignerRefusal("no key rotation is pending: nothing to cosign with")
            signers.append(self.next)
        last = self._last()
        if last is not None:
            old_size = request.get("old_size")
            if old_size != last.size:
                raise SignerRefusal(
                    f"the proof must start at the signer's last checkpoint ({last.size} "
                    f"entries), not at {old_size!r}"
                )
            proof = request.get("proof")
            if not isinstance(proof, list) or not all(isinstance(h, str) for h in proof):
                raise SignerRefusal("the consistency proof must be a list of base64 hashes")
            hashes = [b64decode(h, what="proof hash") for h in proof]
            try:
                check_checkpoint_successor(last, new, hashes)
            except LotteryError as exc:
                raise SignerRefusal(
                    f"refusing a checkpoint of {new.size} entries that does not extend the "
                    f"last one signed ({last.size} entries): {exc}"
                ) from exc
        note = sign_checkpoint(new, signers)
        # Kept (fsynced) before the signature leaves: the next request must extend it.
        self.guard.remember(note, self.origin, self.verifiers)
        self._audit("checkpoint", text, size=new.size, cosigned=len(signers) > 1)
        return {"note": note.decode("utf-8")}

    # -- the operator's repair (never a request) -----------------------------------------------

    def reset_state(self, note: bytes, reason: str) -> tuple[int, int]:
        """Put back an earlier checkpoint as the signer's floor: (size before, size after).

        For the one case the rules above cannot settle: the signer signed a checkpoint whose
        transaction then rolled back (a crash or a failed commit between the signature and
        the commit), so the database never held it and every later checkpoint looks like a
        fork. ``note`` is a checkpoint of this log the office signed, no larger than the
        signer's floor; the service's own ``state/last-checkpoint`` (written only after a
        commit) is the one to give. The floor it replaces is kept beside it
        (``last-checkpoint.orphaned-<size>``) and the reset is audited. Run with the signer
        stopped, after checking that the orphaned checkpoint was never published
        (docs/operations.md).

        Raises:
            SignerRefusal: an empty reason, a note that is not the office's checkpoint of this
                log, or one larger than the floor.
        """
        if not reason.strip():
            raise SignerRefusal("a reset needs a reason")
        with self._lock:
            new = open_checkpoint(note, self.verifiers, origin=self.origin)
            last = self._last()
            if last is not None and new.size > last.size:
                raise SignerRefusal(
                    f"the checkpoint of {new.size} entries is larger than the signer's last "
                    f"({last.size}): nothing to reset, the signer signs it when asked"
                )
            old_size = last.size if last is not None else 0
            current = read_checkpoint_file(self.guard.file)
            if current is not None:
                aside = self.guard.file.with_name(f"{self.guard.file.name}.orphaned-{old_size}")
                write_checkpoint_file(aside, current)
            write_checkpoint_file(self.guard.file, note)
            self._audit("reset", note, size=new.size, orphaned=old_size, reason=reason)
            return old_size, new.size

    # -- key rotation -------------------------------------------------------------------------

    def _rotate_begin(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.next is not None:
            raise SignerRefusal("a key rotation is already pending: finish or abort it first")
        reason, time = request.get("reason"), request.get("time")
        if not isinstance(reason, str) or not reason.strip() or not isinstance(time, str):
            raise SignerRefusal("a key rotation needs a reason and a time")
        refuse_unsafe_text({"reason": reason})
        at = parse_time(time)
        new = generate_keypair(self.keys_dir, self.origin, NEXT_STEM)
        self.next = new
        fields = {"keys": [new.vkey], "reason": reason}
        note = make_record("key-change", self.origin, at, fields, [self.key, new])
        self._audit("rotate-begin", note, new=new.vkey)
        return {"note": note.decode("utf-8"), "vkey": new.vkey}

    def _cosigned_out(self) -> bool:
        """Whether the last checkpoint signed carries the pending key's signature."""
        note = read_checkpoint_file(self.guard.file)
        if note is None or self.next is None:
            return False
        try:
            open_note(note, [self.next.verifier()])
        except LotteryError:
            return False
        return True

    def _rotate_finish(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.next is None:
            raise SignerRefusal("no key rotation is pending")
        old = self.key.vkey
        archive_and_switch(self.keys_dir)
        self._load()
        self._audit("rotate-finish", None, old=old, new=self.key.vkey)
        return {"vkey": self.key.vkey}

    def _rotate_abort(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.next is None:
            return {"vkey": self.key.vkey}
        if self._cosigned_out():
            raise SignerRefusal(
                "a checkpoint signed by the pending key has left the signer: the log may hold "
                "the key change, so the rotation can only be finished"
            )
        discarded = self.next.vkey
        discard_next(self.keys_dir)
        self.next = None
        self._audit("rotate-abort", None, discarded=discarded)
        return {"vkey": self.key.vkey}


class _Handler(socketserver.BaseRequestHandler):
    server: SignerServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(REQUEST_TIMEOUT)
        try:
            request = read_message(sock)
        except (OSError, ProtocolError) as exc:
            logger.warning("signer: unreadable request: %s", exc)
            return
        try:
            answer = self.server.holder.handle(request)
        except Exception:  # a fault of the signer itself: say so, keep serving
            logger.exception("signer: request failed")
            answer = {"ok": False, "error": "internal error in the signer (see its log)"}
        try:
            write_message(sock, answer)
        except (OSError, ProtocolError) as exc:
            logger.warning("signer: could not answer: %s", exc)


class SignerServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The signer on a Unix socket of mode 0660 (one thread per connection)."""

    daemon_threads = True

    def __init__(self, path: Path, holder: OfficeKeyHolder) -> None:
        """Bind ``path`` (a stale socket file left by a dead signer is replaced).

        Raises:
            InputError: another signer answers on ``path``, or it is not a socket.
        """
        self.holder = holder
        self.path = Path(path)
        _clear_stale(self.path)
        old_umask = os.umask(0o117)  # the socket is born 0660, never wider
        try:
            super().__init__(str(self.path), _Handler)
        finally:
            os.umask(old_umask)
        os.chmod(self.path, SOCKET_MODE)

    def server_close(self) -> None:
        """Stop listening and remove the socket file."""
        super().server_close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _clear_stale(path: Path) -> None:
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_socket():
        raise InputError(f"{path} exists and is not a socket: refusing to replace it")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()  # nobody listens: a dead signer's socket
            return
    raise InputError(f"another signer is already listening on {path}")
