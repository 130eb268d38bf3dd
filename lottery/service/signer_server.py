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

A key rotation runs inside the signer, and **only on its admin socket** (``--admin-socket``,
mode 0600, default ``<data_dir>/state/admin.sock``: reachable by the signer's own user and root,
never by the service's user). There ``rotate-begin`` makes the ``office-next`` pair and the
key-change record signed by both keys (kept in ``keys/office-next.change``); the checkpoint
covering it is asked with ``"cosign": true``; ``rotate-finish`` switches the key files
(:func:`lottery.storage.keys.archive_and_switch`) only when the last checkpoint the signer
signed carries the pending key's signature and an inclusion proof shows it covers that
key-change record (and answers success when the rotation it names already finished);
``rotate-abort`` discards the pending pair, refused once a checkpoint signed by the next key has
left (the log may hold the key change: only finishing is then safe). From then until the
finish a checkpoint without ``"cosign"`` is refused even when it extends the last one (checked
after the extension, so a fork still reads as one): signed by the current key alone it would
replace the cosigned checkpoint that ``rotate-finish`` needs, and the rotation could neither
finish nor abort. The service never asks for one there (the log's key change puts its key out
of force), so only a misbehaving client would. On the service's socket these requests, and
``"cosign"``, are refused.

While it serves, the signer holds ``state/signer.lock`` (:func:`hold_serve_lock`):
``lottery signer reset-state`` and ``lottery signer init --floor`` refuse to run beside it.
With no last checkpoint, it signs a first checkpoint only for a new log (started with
``--first-log``, or a key ``lottery signer init`` just made: ``state/new-log``); it refuses
to start with an archived key but no last checkpoint (a signer that lost its state).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import socket
import socketserver
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from lottery.core.canonical import b64decode, b64encode, format_time, parse_time, sha256_hex
from lottery.core.checkpoint import (
    Checkpoint,
    check_checkpoint_successor,
    open_checkpoint,
    sign_checkpoint,
)
from lottery.core.errors import InputError, LotteryError, VerificationError
from lottery.core.merkle import leaf_hash, verify_inclusion
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
"""The service socket's mode: the signer's user and the signer-clients group."""
ADMIN_SOCKET_MODE = 0o600
"""The admin socket's mode (key rotation): the signer's user only (and root)."""
ADMIN_SOCKET = "admin.sock"
"""The admin socket's default name, in ``<data_dir>/state/``."""
NEW_LOG_FILE = "new-log"
"""``state/new-log``: made by ``lottery signer init`` with a new key (it never signed a
checkpoint): the first checkpoint may start the log; removed once one is signed."""
LOCK_FILE = "signer.lock"
"""The lock a serving signer holds, in ``<data_dir>/state/``."""
CHANGE_SUFFIX = ".change"
"""``keys/office-next.change``: the key-change record a pending rotation made."""
ADMIN_OPS = frozenset({"rotate-begin", "rotate-finish", "rotate-abort"})
"""Requests served only on the admin socket."""
REQUEST_TIMEOUT = 10.0
"""Seconds a client may take to send its request."""

_NONCE = re.compile(r"[0-9a-f]{32}")
_RECORD_META = ("type", "v", "log", "time")


class SignerRefusal(LotteryError):
    """A request the signer will not sign; the message says why (sent to the client)."""


class StaleState(SignerRefusal):
    """A checkpoint request whose ``old_size`` is not the signer's last size: another request
    was signed in between (a harmless race); the client asks the state again and retries."""


RUN_AS_OWNER = "run it as the signer's user (sudo -u lottery-signer ...)"


def require_owner(data_dir: Path) -> int:
    """The user id owning ``data_dir``, refusing a command run as another user (root): what
    it made there (``keys/``, ``state/``, the lock) would be its own, and the signer, running
    as the directory's owner, could not read it. Writing as root into a directory another user
    controls is refused rather than mended afterwards (a symlink planted there would lead the
    write elsewhere).

    Raises:
        InputError: one line naming the directory and how to run the command.
    """
    try:
        owner = Path(data_dir).stat().st_uid
    except OSError as exc:
        raise InputError(f"cannot read {data_dir}: {exc.strerror}") from None
    if os.geteuid() != owner:
        raise InputError(f"{data_dir} belongs to another user than this command's: {RUN_AS_OWNER}")
    return owner


def hold_serve_lock(data_dir: Path) -> IO[bytes]:
    """Take ``<data_dir>/state/signer.lock`` for as long as the returned file stays open.

    Only the data directory's owner (the signer's user) takes it: a command run as another
    user (root) would leave the lock file, or ``state/``, its own, and the signer could then
    not open it and would not start. The file is made 0600.

    Raises:
        InputError: another process (a running signer) holds it; or this process runs as
            another user than the directory's owner, or the lock file is not the owner's.
    """
    data_dir = Path(data_dir)
    state = data_dir / "state"
    path = state / LOCK_FILE
    owner = require_owner(data_dir)
    try:
        state.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror}; {RUN_AS_OWNER}") from None
    if os.fstat(fd).st_uid != owner:
        os.close(fd)
        raise InputError(
            f"{path} is not owned by the owner of {data_dir}: {RUN_AS_OWNER}; give it back "
            "(chown) or remove it while the signer is stopped"
        )
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise InputError(
            f"the signer of {data_dir} is running (it holds {path}): stop it "
            "first (systemctl stop lottery-signer)"
        ) from None
    return os.fdopen(fd, "r+b")


def _has_signed_checkpoint(audit: Path) -> bool:
    try:
        lines = audit.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return False
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(entry, dict)
            and entry.get("kind") == "checkpoint"
            and "size" in entry
            and "refused" not in entry
            and "stale" not in entry
        ):
            return True
    return False


class OfficeKeyHolder:
    """The office key of one data directory and the rules for using it (module docstring).

    Thread-safe: one request at a time changes the state.
    """

    def __init__(self, data_dir: Path, *, now: Any = None, first_log: bool = False) -> None:
        """Load ``<data_dir>/keys/office.key`` (and a pending ``office-next`` pair).

        ``now``: a clock for the audit file (tests); default the UTC wall clock.
        ``first_log``: sign a first checkpoint with no last one (a new log; module docstring).

        Raises:
            InputError: the key file is missing, readable by others or malformed; or
                ``first_log`` for a signer that has signed a checkpoint or has archived keys.
        """
        self.data_dir = Path(data_dir)
        self.keys_dir = self.data_dir / "keys"
        self.guard = ForkGuard(checkpoint_path(self.data_dir))
        self.audit_path = self.data_dir / "state" / AUDIT_FILE
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._load()
        if first_log and (self.archived or _has_signed_checkpoint(self.audit_path)):
            raise InputError(
                f"--first-log: the signer of {self.data_dir} has signed checkpoints before "
                "(archived keys or its audit file): give the log's last checkpoint with "
                "`lottery signer init --floor FILE` instead"
            )
        self.first_log = first_log
        self.new_log_file = self.data_dir / "state" / NEW_LOG_FILE

    def check_can_serve(self) -> None:
        """Refuse to serve a signer that lost its last checkpoint.

        Raises:
            InputError: ``keys/archive`` holds keys but ``state/last-checkpoint`` is missing.
        """
        if self.archived and not self.guard.file.exists():
            raise InputError(
                f"{self.data_dir} has archived office keys but no state/last-checkpoint: the "
                "signer's state is lost; put back the log's last checkpoint with "
                "`lottery signer init --floor FILE` (docs/operations.md)"
            )

    def _load(self) -> None:
        self.key: Signer = load_signer(self.keys_dir / f"{OFFICE_STEM}{PRIVATE_SUFFIX}")
        self.origin = self.key.name
        self.archived: list[NoteVerifier] = archived_office_keys(self.keys_dir)
        next_key = self.keys_dir / f"{NEXT_STEM}{PRIVATE_SUFFIX}"
        self.next: Signer | None = load_signer(next_key) if next_key.exists() else None
        change = self._change_file
        self.change: bytes | None = (
            change.read_bytes() if self.next is not None and change.exists() else None
        )

    @property
    def _change_file(self) -> Path:
        return self.keys_dir / f"{NEXT_STEM}{CHANGE_SUFFIX}"

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

    def handle(self, request: dict[str, Any], *, admin: bool = False) -> dict[str, Any]:
        """Answer one request (:mod:`.signer_protocol`); a refusal is audited and answered
        with its reason. ``admin``: the request came on the admin socket (key rotation)."""
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
                if not admin and (op in ADMIN_OPS or request.get("cosign") is True):
                    raise SignerRefusal(
                        "a key rotation is not served on this socket: run `lottery key rotate` "
                        "on the signer host with LOTTERY_SIGNER_ADMIN_SOCKET"
                    )
                return {"ok": True, **handler(request)}
            except StaleState as exc:  # a harmless race: audited as such, retried
                self._audit(str(op), None, stale=str(exc))
                return {"ok": False, "error": str(exc), "retry": True}
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
        if last is None and not self.first_log and not self.new_log_file.exists():
            raise SignerRefusal(
                "the signer has no last checkpoint: start it with --first-log for a new log, "
                "or give the log's last checkpoint with `lottery signer init --floor FILE`"
            )
        if last is not None:
            old_size = request.get("old_size")
            if (
                isinstance(old_size, int)
                and not isinstance(old_size, bool)
                and old_size != last.size
            ):
                raise StaleState(
                    f"the signer's last checkpoint has {last.size} entries, not "
                    f"{old_size}: ask its state again"
                )
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
        if len(signers) == 1 and self._cosigned_out():
            # Signed, it would replace the cosigned floor that rotate-finish proves the key
            # change with: the rotation could then neither finish nor (safely) abort.
            raise SignerRefusal(
                "a key rotation's checkpoint cosigned by the next key has left the signer: "
                "until `lottery key rotate` finishes it, a checkpoint is signed only cosigned "
                "(admin socket)"
            )
        note = sign_checkpoint(new, signers)
        # Kept (fsynced) before the signature leaves: the next request must extend it. Written
        # whatever a cache says: the file (checked above) is the floor.
        write_checkpoint_file(self.guard.file, note)
        with contextlib.suppress(FileNotFoundError):
            self.new_log_file.unlink()  # the log has its first checkpoint
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
        stopped (the CLI holds :func:`hold_serve_lock`), after checking that the orphaned
        checkpoint was never published (docs/operations.md).

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
        fields = {"keys": [new.vkey], "reason": reason}
        note = make_record("key-change", self.origin, at, fields, [self.key, new])
        fd = os.open(self._change_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, note)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.next, self.change = new, note
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
        expected = request.get("vkey")
        if self.next is None:
            if isinstance(expected, str) and expected == self.key.vkey:
                return {"vkey": self.key.vkey}  # finished already (a settle, a retry)
            raise SignerRefusal("no key rotation is pending")
        if isinstance(expected, str) and expected != self.next.vkey:
            raise SignerRefusal("the pending key is not the one this rotation made")
        self._check_change_signed(request)
        old = self.key.vkey
        archive_and_switch(self.keys_dir)
        with contextlib.suppress(FileNotFoundError):
            self._change_file.unlink()
        self._load()
        self._audit("rotate-finish", None, old=old, new=self.key.vkey)
        return {"vkey": self.key.vkey}

    def _check_change_signed(self, request: dict[str, Any]) -> None:
        """The last checkpoint signed is cosigned by the pending key and covers the key-change
        record the rotation made (inclusion proof ``index``/``proof`` in the request)."""
        note = read_checkpoint_file(self.guard.file)
        if self.next is None or self.change is None or note is None:
            raise SignerRefusal(
                "no key-change record of this rotation is kept: abort it and rotate again"
            )
        try:
            last = open_checkpoint(note, [self.next.verifier()], origin=self.origin)
        except LotteryError as exc:
            raise SignerRefusal(
                "the last checkpoint signed is not cosigned by the pending key: the key change "
                "is not in the log yet"
            ) from exc
        index, proof = request.get("index"), request.get("proof")
        if (
            not isinstance(index, int)
            or isinstance(index, bool)
            or not isinstance(proof, list)
            or not all(isinstance(h, str) for h in proof)
        ):
            raise SignerRefusal("rotate-finish needs the key change's index and inclusion proof")
        hashes = [b64decode(h, what="proof hash") for h in proof]
        try:
            verify_inclusion(leaf_hash(self.change), index, last.size, hashes, last.root_hash)
        except (VerificationError, LotteryError) as exc:
            raise SignerRefusal(
                f"the last checkpoint signed ({last.size} entries) does not cover the key "
                f"change at index {index}: {exc}"
            ) from exc

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
        with contextlib.suppress(FileNotFoundError):
            self._change_file.unlink()
        self.next, self.change = None, None
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
            answer = self.server.holder.handle(request, admin=self.server.admin)
        except Exception:  # a fault of the signer itself: say so, keep serving
            logger.exception("signer: request failed")
            answer = {"ok": False, "error": "internal error in the signer (see its log)"}
        try:
            write_message(sock, answer)
        except (OSError, ProtocolError) as exc:
            logger.warning("signer: could not answer: %s", exc)


class SignerServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The signer on a Unix socket of mode 0660, or the admin socket of mode 0600 (one thread
    per connection)."""

    daemon_threads = True

    def __init__(self, path: Path, holder: OfficeKeyHolder, *, admin: bool = False) -> None:
        """Bind ``path`` (a stale socket file left by a dead signer is replaced).

        ``admin``: the admin socket (mode 0600), the only one that serves key rotation.

        Raises:
            InputError: another signer answers on ``path``, it is not a socket, or it cannot
                be bound (naming the path).
        """
        self.holder = holder
        self.admin = admin
        self.path = Path(path)
        _clear_stale(self.path)
        mode = ADMIN_SOCKET_MODE if admin else SOCKET_MODE
        old_umask = os.umask(0o177 if admin else 0o117)  # born with its mode, never wider
        try:
            super().__init__(str(self.path), _Handler)
        except OSError as exc:
            raise InputError(f"cannot listen on {self.path}: {exc.strerror or exc}") from None
        finally:
            os.umask(old_umask)
        os.chmod(self.path, mode)

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
