"""``lottery witness serve``: a C2SP tlog-witness HTTP server (``POST /add-checkpoint``).

The decision is :func:`lottery.core.witness_protocol.add_checkpoint`; this module holds the
state file, the lock and the HTTP plumbing (the standard library's threading HTTP server).
Each request is decided and, when cosigned, the new state written to disk (atomically)
under one lock before the answer is sent: a crash between the two leaves a witness that
remembers a tree it never vouched for, never the reverse.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from lottery.core.canonical import b64decode, b64encode
from lottery.core.checkpoint import Checkpoint
from lottery.core.cosignature import Cosigner
from lottery.core.errors import EncodingError, InputError
from lottery.core.note import NoteVerifier
from lottery.core.witness_protocol import (
    SIZE_CONTENT_TYPE,
    Cosigned,
    LogState,
    Refusal,
    add_checkpoint,
    parse_request,
)
from lottery.storage.keys import _read_text

from .common import utc_now
from .state_file import save_atomic

MAX_BODY = 64 * 1024
"""Largest request body accepted: a checkpoint, 63 proof lines and 100 signature lines fit."""

STATE_VERSION = 2
"""Version of the multi-log state file (version 1 is ``witness cosign``'s one-log file)."""

PATH = "/add-checkpoint"


def load_states(path: Path) -> dict[str, LogState]:
    """Read a state file: version 2 (``logs``: origin -> size, root, timestamp) or the
    one-log version 1 written by ``lottery witness cosign``; empty when it does not exist.

    Raises:
        InputError: when the file is not a witness state file.
    """
    try:
        body = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"witness state file {path} is not valid JSON: {exc}") from exc
    try:
        version = body["version"]
        if version == 1:
            entries = {body["origin"]: body}
        elif version == STATE_VERSION:
            entries = dict(body["logs"])
        else:
            raise InputError(f"witness state file {path}: unknown version {version!r}")
        states: dict[str, LogState] = {}
        for origin, entry in entries.items():
            state = LogState(
                int(entry["size"]), b64decode(entry["root"], what="root"), int(entry["timestamp"])
            )
            Checkpoint(str(origin), state.size, state.root_hash)  # validates the fields
            states[str(origin)] = state
    except (ValueError, KeyError, TypeError, AttributeError, EncodingError) as exc:
        raise InputError(f"witness state file {path} is not valid: {exc}") from exc
    return states


def save_states(path: Path, states: Mapping[str, LogState]) -> None:
    """Replace the state file atomically (a crash leaves the old or the new state)."""
    logs = {
        origin: {"size": s.size, "root": b64encode(s.root_hash), "timestamp": s.timestamp}
        for origin, s in sorted(states.items())
    }
    text = json.dumps({"version": STATE_VERSION, "logs": logs}, indent=2, sort_keys=True) + "\n"
    save_atomic(path, text)


class Witness:
    """The witness's key, the logs it follows and its state, behind one lock."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Mapping[str, Sequence[NoteVerifier]],
        state_path: Path,
        clock: Callable[[], int],
    ) -> None:
        self.cosigner = cosigner
        self.logs = {origin: list(keys) for origin, keys in logs.items()}
        self.state_path = state_path
        self.clock = clock
        self._lock = threading.Lock()
        self._states = load_states(state_path)

    def states(self) -> dict[str, LogState]:
        """A copy of the current state."""
        with self._lock:
            return dict(self._states)

    def handle(self, body: bytes) -> Cosigned | Refusal:
        """Decide one request; persist the new state before returning a cosignature."""
        try:
            request = parse_request(body)
        except InputError as exc:  # EncodingError, or a checkpoint field out of range
            return Refusal(400, f"malformed add-checkpoint body: {exc}")
        with self._lock:
            answer = add_checkpoint(request, self.logs, self._states, self.cosigner, self.clock())
            if isinstance(answer, Cosigned):
                states = dict(self._states)
                states[answer.checkpoint.origin] = answer.state
                save_states(self.state_path, states)
                self._states = states
        return answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the spec recommends
    timeout = 30  # seconds for a slow client, per socket operation
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def log_error(self, format: str, *args: object) -> None:
        # An idle keep-alive connection the client left open ends with a timeout: not an error.
        if not format.startswith("Request timed out"):
            super().log_error(format, *args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _text(self, status: int, message: str, *, close: bool = False) -> None:
        if close:
            self.close_connection = True
        self._send(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def do_GET(self) -> None:
        self._text(405, f"use POST {PATH}")

    def do_POST(self) -> None:
        if self.path != PATH:
            self._text(404, f"not found: the only endpoint is POST {PATH}", close=True)
            return
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length_text is None:
            self._text(411, "a Content-Length is required", close=True)
            return
        try:
            length = int(length_text)
        except ValueError:
            self._text(400, "bad Content-Length", close=True)
            return
        if not 0 <= length <= MAX_BODY:
            self._text(413, f"the body is limited to {MAX_BODY} bytes", close=True)
            return
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return
        try:
            answer = self.server.witness.handle(body)
        except (OSError, InputError) as exc:  # the state file could not be written
            self.log_error("cannot record the state: %s", exc)
            self._text(503, "the witness cannot record its state; try later")
            return
        if isinstance(answer, Refusal) and answer.size is not None:
            self._send(answer.status, answer.body(), SIZE_CONTENT_TYPE)
        else:
            self._send(
                answer.status if isinstance(answer, Refusal) else 200,
                answer.body(),
                "text/plain; charset=utf-8",
            )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], witness: Witness, *, quiet: bool) -> None:
        self.witness = witness
        self.quiet = quiet
        super().__init__(address, _Handler)


def make_server(witness: Witness, host: str, port: int, *, quiet: bool = False) -> _Server:
    """Bind the witness's HTTP server (``port`` 0: any free port; see ``server_address``)."""
    return _Server((host, port), witness, quiet=quiet)


def load_cosigner(path: Path) -> Cosigner:
    """Load a witness private key file (mode 0600 required).

    Raises:
        InputError: when the file is missing, readable by others, or not a witness key.
    """
    text = _read_text(path, private=True)
    try:
        return Cosigner.from_private_key_string(text)
    except EncodingError as exc:
        raise InputError(f"{path}: {exc}") from exc


def _parse_logs(values: list[str]) -> dict[str, list[NoteVerifier]]:
    logs: dict[str, list[NoteVerifier]] = {}
    for value in values:
        origin, eq, key = value.partition("=")
        if not eq or not origin or not key:
            raise InputError(f"--log {value!r}: expected ORIGIN=OFFICE_VKEY (or ORIGIN=FILE)")
        path = Path(key)
        vkeys = path.read_text("utf-8").split() if "+" not in key and path.is_file() else [key]
        try:
            logs.setdefault(origin, []).extend(NoteVerifier.from_vkey(v) for v in vkeys)
        except EncodingError as exc:
            raise InputError(f"--log {origin}: {exc}") from exc
    if not logs:
        raise InputError("at least one --log ORIGIN=OFFICE_VKEY is required")
    return logs


def serve_command(
    key: Annotated[Path, typer.Option("--key", help="The witness private key file.")],
    state: Annotated[Path, typer.Option("--state", help="State file (kept across restarts).")],
    log: Annotated[
        list[str],
        typer.Option("--log", help="ORIGIN=OFFICE_VKEY (or =FILE of vkeys); repeatable."),
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
) -> None:
    """Serve C2SP tlog-witness add-checkpoint: cosign each log's consistent checkpoints."""
    cosigner = load_cosigner(key)
    witness = Witness(cosigner, _parse_logs(log), state, lambda: int(utc_now().timestamp()))
    try:
        server = make_server(witness, host, port)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(
        f"witness {cosigner.name} listening on http://{host}:{server.server_port}{PATH}",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
