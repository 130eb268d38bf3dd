"""``lottery witness keygen``, ``cosign``, ``push`` (``serve``: witness_serve.py).

A witness (docs/witness.md) keeps one private key and a small state file: the largest tree of
the log it has cosigned (origin, size, root hash). ``cosign`` fetches the log's latest
checkpoint, verifies the office signature, rebuilds the tree from the published tiles, checks
that it extends the remembered tree, records the new tree and only then prints the checkpoint
with its cosignature line. The timestamp is this machine's clock.

``push`` is the office's side of a witness *server* (``lottery witness serve``, C2SP
tlog-witness): it sends the log's latest checkpoint with a consistency proof from the size
the witness last cosigned and prints the checkpoint with the witness's cosignature line, ready
for ``lottery checkpoint add-cosignature``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from lottery.core.audit import Getter, checkpoint_origin
from lottery.core.canonical import b64decode, b64encode
from lottery.core.checkpoint import Checkpoint, open_checkpoint
from lottery.core.cosignature import CosignatureVerifier, Cosigner, cosign
from lottery.core.errors import EncodingError, InputError, VerificationError
from lottery.core.monitor import Verdict, tree_verdict
from lottery.core.note import NoteVerifier
from lottery.core.tiles import check_tiles
from lottery.service.witness_client import export_log, request_cosignature
from lottery.storage.keys import _create_exclusive

from .common import utc_now
from .state_file import save_atomic
from .verify_cmd import open_export
from .witness_office import policy_app, status_command
from .witness_serve import load_cosigner, serve_command

app = typer.Typer(help="Witness a log: keep a key, cosign consistent checkpoints.")

_STATE_VERSION = 1


class WitnessRefusal(InputError):
    """The witness will not cosign: the log is not consistent with what it saw before."""


@dataclass(frozen=True)
class WitnessState:
    """The largest tree this witness cosigned, and when."""

    origin: str
    size: int
    root_hash: bytes
    timestamp: int

    def to_json(self) -> str:
        """The state file's text."""
        body = {
            "version": _STATE_VERSION,
            "origin": self.origin,
            "size": self.size,
            "root": b64encode(self.root_hash),
            "timestamp": self.timestamp,
        }
        return json.dumps(body, indent=2, sort_keys=True) + "\n"

    @classmethod
    def load(cls, path: Path) -> WitnessState | None:
        """Read the state file, or None when it does not exist yet.

        Raises:
            InputError: when the file is not a state file written by this command.
        """
        try:
            raw = path.read_text("utf-8")
        except FileNotFoundError:
            return None
        try:
            body = json.loads(raw)
            version = body["version"]
            state = cls(
                str(body["origin"]),
                int(body["size"]),
                b64decode(body["root"], what="root"),
                int(body["timestamp"]),
            )
            Checkpoint(state.origin, state.size, state.root_hash)  # validates the fields
        except (ValueError, KeyError, TypeError, EncodingError, InputError) as exc:
            raise InputError(f"witness state file {path} is not valid: {exc}") from exc
        if version != _STATE_VERSION:
            raise InputError(f"witness state file {path}: unknown version {version!r}")
        return state

    def save(self, path: Path) -> None:
        """Replace the state file atomically (a crash leaves the old or the new state)."""
        save_atomic(path, self.to_json())


def _office_verifiers(keys: list[str]) -> list[NoteVerifier]:
    lines: list[str] = []
    for key in keys:
        path = Path(key)
        lines += path.read_text("utf-8").split() if "+" not in key and path.is_file() else [key]
    if not lines:
        raise InputError("--office-key is required: the office's verifier key (or a file)")
    try:
        return [NoteVerifier.from_vkey(v) for v in lines]
    except EncodingError as exc:
        raise InputError(f"--office-key: {exc}") from exc


def _strict(get: Getter) -> Getter:
    def fetch(path: str) -> bytes:
        try:
            return get(path)
        except KeyError as exc:
            raise VerificationError("log.tiles", f"{path} is not published") from exc

    return fetch


def witness_checkpoint(
    get: Getter, office: list[NoteVerifier], state: WitnessState | None
) -> tuple[bytes, Checkpoint]:
    """The log's latest checkpoint, verified and consistent with ``state``.

    Raises:
        VerificationError: when the office signature or the tiles do not verify.
        WitnessRefusal: when the log is another log, smaller than, or inconsistent with the
            tree in ``state``.
    """
    try:
        note = get("checkpoint")
    except KeyError as exc:
        raise InputError("the log publishes no checkpoint") from exc
    origin = checkpoint_origin(note)
    checkpoint = open_checkpoint(note, office, origin=origin)
    # Rebuild the whole tree from the tiles: the root must be the signed one, and the tree
    # we remember must be its prefix (the consistency proof, computed from the data itself).
    try:
        tree = check_tiles(checkpoint.size, checkpoint.root_hash, _strict(get))
    except EncodingError as exc:
        raise VerificationError("log.tiles", str(exc)) from exc
    if state is not None:
        if state.origin != origin:
            raise WitnessRefusal(
                f"this state file is for log {state.origin!r}, not {origin!r}: "
                "use one state file per log"
            )
        verdict = tree_verdict(state.size, state.root_hash, checkpoint.size, tree.root)
        if verdict is Verdict.ROLLBACK:
            raise WitnessRefusal(
                f"refusing to cosign: the log now has {checkpoint.size} entries but this witness "
                f"already cosigned a tree of {state.size} (the log shrank or forked)"
            )
        if verdict is Verdict.FORK:
            raise WitnessRefusal(
                f"refusing to cosign: the log's tree of {checkpoint.size} entries is not "
                f"consistent with the tree of {state.size} this witness cosigned "
                "(history was rewritten)"
            )
    return note, checkpoint


def keygen_command(
    name: Annotated[str, typer.Argument(help="Witness key name, e.g. jiwei.example.gov.cn/w1.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for witness.key and .pub.")],
    stem: Annotated[str, typer.Option(help="File name stem.")] = "witness",
) -> None:
    """Create a witness key pair; print the public key (the private key is never printed)."""
    if not stem or "/" in stem or stem in {".", ".."}:
        raise InputError(f"invalid key file stem {stem!r}")
    cosigner = Cosigner.generate(name)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    private, public = out / f"{stem}.key", out / f"{stem}.pub"
    if public.exists() or public.is_symlink():
        raise InputError(f"{public} already exists; refusing to overwrite a key file")
    _create_exclusive(private, (cosigner.private_key_string() + "\n").encode(), 0o600)
    try:
        _create_exclusive(public, (cosigner.vkey + "\n").encode(), 0o644)
    except InputError:
        private.unlink(missing_ok=True)  # do not leave half a key pair behind
        raise
    typer.echo(cosigner.vkey)


def cosign_command(
    log: Annotated[str, typer.Argument(help="The log: export or site directory, or URL.")],
    key: Annotated[Path, typer.Option("--key", help="The witness private key file.")],
    office_key: Annotated[
        list[str], typer.Option("--office-key", help="The office's vkey, or a file of vkeys.")
    ],
    state: Annotated[
        Path | None,
        typer.Option(help="State file (largest tree cosigned); default <key>.state.json."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the cosigned checkpoint here.")
    ] = None,
) -> None:
    """Verify the log's checkpoint and its consistency, then cosign it."""
    cosigner = load_cosigner(key)
    office = _office_verifiers(office_key)
    state_path = state or key.with_name(key.name + ".state.json")
    previous = WitnessState.load(state_path)
    get = open_export(log)
    note, checkpoint = witness_checkpoint(get, office, previous)
    timestamp = int(utc_now().timestamp())
    if previous is not None and timestamp < previous.timestamp:
        raise WitnessRefusal(
            f"this machine's clock ({timestamp}) is before the last cosignature "
            f"({previous.timestamp}): fix the clock before cosigning"
        )
    cosigned = cosign(note, cosigner, timestamp)
    # Remember the tree before releasing the cosignature: a crash in between must not let
    # this witness later cosign a tree inconsistent with one it vouched for.
    if previous is None or checkpoint.size >= previous.size:
        WitnessState(checkpoint.origin, checkpoint.size, checkpoint.root_hash, timestamp).save(
            state_path
        )
    if out is None:
        typer.echo(cosigned.decode("utf-8"), nl=False)
    else:
        out.write_bytes(cosigned)
        typer.echo(f"cosigned checkpoint {checkpoint.size} of {checkpoint.origin} -> {out}")


def push_command(
    log: Annotated[str, typer.Argument(help="The office's log: export or site directory, or URL.")],
    url: Annotated[str, typer.Option("--url", help="The witness's submission prefix.")],
    size: Annotated[int, typer.Option(help="The size the witness cosigned last (0: ask it).")] = 0,
    witness: Annotated[
        str | None, typer.Option(help="The witness's vkey: keep only its verified lines.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the cosigned checkpoint here.")
    ] = None,
) -> None:
    """Ask a witness server (C2SP tlog-witness) to cosign the log's latest checkpoint."""
    verifier = None
    if witness is not None:
        try:
            verifier = CosignatureVerifier.from_vkey(witness)
        except EncodingError as exc:
            raise InputError(f"--witness: {exc}") from exc
    if size < 0:
        raise InputError(f"--size must be at least 0, got {size}")
    note, tree = export_log(open_export(log))
    answer = request_cosignature(url, note, tree, size, witness=verifier)
    cosigned = answer.cosigned(note)
    if out is None:
        typer.echo(cosigned.decode("utf-8"), nl=False)
    else:
        out.write_bytes(cosigned)
        typer.echo(f"cosigned checkpoint {answer.size} -> {out}")


def register(root: typer.Typer) -> None:
    """Add ``lottery witness`` to ``root``."""
    app.command("keygen")(keygen_command)
    app.command("cosign")(cosign_command)
    app.command("serve")(serve_command)
    app.command("push")(push_command)
    app.command("status")(status_command)
    app.add_typer(policy_app, name="policy")
    root.add_typer(app, name="witness")
