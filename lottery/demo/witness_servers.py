"""``make demo``'s witnesses: the demo city's three witnesses as real ``lottery witness serve``
processes, and the console (``lottery serve``) pointed at them (docs/demo.md item 7).

``lottery demo --out DIR`` writes ``DIR/data/witnesses/serve.json`` (:func:`write_serve_file`):
the log's origin and office keys, the quorum, the margin, and each witness's name, directory and
public key (its private key is ``<slug>/witness.key`` beside it). ``python -m
lottery.demo.witness_servers DIR --port P -- CMD...`` (what the Makefile runs) starts one
``lottery witness serve`` per witness on 127.0.0.1 ports P, P+1, P+2 (0: any free port), each
with its own state file ``<slug>/state.json`` (empty at first: ``lottery demo`` clears
``DIR/data``; the service's pusher, told 409 with size 0, sends the whole tree), waits until
they listen, says which runs where, then runs CMD with ``LOTTERY_WITNESSES``,
``LOTTERY_WITNESS_QUORUM`` and ``LOTTERY_WITNESS_MARGIN`` set. When CMD ends, or this process
is told to stop (SIGTERM, Ctrl-C), CMD and the witnesses are stopped together.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

from lottery.core.errors import InputError

SERVE_FILE = "serve.json"
STATE_FILE = "state.json"
STOP_WAIT = 10.0
"""Seconds a process is given to stop after SIGTERM before it is killed."""


@dataclass(frozen=True)
class DemoWitness:
    """One witness of ``serve.json``: its name in the policy, directory and public key."""

    name: str
    slug: str
    vkey: str


@dataclass(frozen=True)
class ServeFile:
    """What ``lottery demo`` leaves for the witness servers (``DIR/data/witnesses/serve.json``)."""

    origin: str
    office_vkeys: tuple[str, ...]
    quorum: int
    margin: int
    witnesses: tuple[DemoWitness, ...]


def write_serve_file(folder: Path, serve: ServeFile) -> Path:
    """Write ``folder/serve.json`` (no secret in it: public keys and names only)."""
    body = {
        "origin": serve.origin,
        "office_vkeys": list(serve.office_vkeys),
        "quorum": serve.quorum,
        "margin": serve.margin,
        "witnesses": [{"name": w.name, "slug": w.slug, "vkey": w.vkey} for w in serve.witnesses],
    }
    path = folder / SERVE_FILE
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_serve_file(out: Path) -> ServeFile:
    """Read ``out/data/witnesses/serve.json``.

    Raises:
        InputError: when it is missing or malformed (run ``lottery demo --out DIR`` first).
    """
    path = out / "data" / "witnesses" / SERVE_FILE
    try:
        body = json.loads(path.read_text("utf-8"))
        return ServeFile(
            origin=str(body["origin"]),
            office_vkeys=tuple(str(k) for k in body["office_vkeys"]),
            quorum=int(body["quorum"]),
            margin=int(body["margin"]),
            witnesses=tuple(
                DemoWitness(str(w["name"]), str(w["slug"]), str(w["vkey"]))
                for w in body["witnesses"]
            ),
        )
    except FileNotFoundError as exc:
        raise InputError(f"{path} is missing: run `lottery demo --out {out}` first") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not valid: {exc}") from exc


@dataclass
class Running:
    """One started witness server."""

    witness: DemoWitness
    url: str
    process: subprocess.Popen[str]


def _lottery() -> list[str]:
    return [sys.executable, "-m", "lottery"]


def _pump(stream: IO[str]) -> None:
    """Copy a witness's log lines (one per request) to our stderr until it closes."""
    for line in stream:
        sys.stderr.write(line)
    stream.close()


def _start_one(
    out: Path, serve: ServeFile, w: DemoWitness, host: str, port: int
) -> subprocess.Popen[str]:
    folder = out / "data" / "witnesses" / w.slug
    command = [
        *_lottery(),
        "witness",
        "serve",
        "--key",
        str(folder / "witness.key"),
        "--state",
        str(folder / STATE_FILE),
        "--host",
        host,
        "--port",
        str(port),
    ]
    for vkey in serve.office_vkeys:
        command += ["--log", f"{serve.origin}={vkey}"]
    return subprocess.Popen(  # noqa: S603 - our own CLI, a list of arguments
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def _listening(process: subprocess.Popen[str], w: DemoWitness) -> str:
    """Wait for the line ``witness … listening on URL/add-checkpoint``; the URL prefix."""
    if process.stderr is None:  # never: started with stderr=PIPE
        raise InputError(f"the demo witness {w.name}: no output to read")
    line = process.stderr.readline()
    marker = " listening on "
    if marker not in line:
        process.wait()
        rest = line.strip() or f"exit status {process.returncode}"
        raise InputError(f"the demo witness {w.name} did not start: {rest}")
    threading.Thread(target=_pump, args=(process.stderr,), daemon=True).start()
    return line.split(marker, 1)[1].strip().removesuffix("/add-checkpoint")


def stop(processes: Sequence[subprocess.Popen[str]]) -> None:
    """SIGTERM to each process still running, then wait (kill after ``STOP_WAIT`` seconds)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def witness_servers(out: Path, port: int, host: str = "127.0.0.1") -> Iterator[list[Running]]:
    """The demo's witnesses serving on ``host`` ports ``port``, ``port + 1``... (0: any free
    port each), stopped on leaving.

    Raises:
        InputError: when ``serve.json`` is missing or a witness cannot start (a port in use).
    """
    serve = read_serve_file(out)
    running: list[Running] = []
    try:
        for i, w in enumerate(serve.witnesses):
            process = _start_one(out, serve, w, host, port + i if port else 0)
            running.append(Running(w, "", process))
            running[-1].url = _listening(process, w)
        yield running
    finally:
        stop([r.process for r in running])


def service_env(out: Path, running: Sequence[Running]) -> dict[str, str]:
    """``LOTTERY_WITNESSES`` (and the quorum and margin of the demo's policy) for ``lottery
    serve``: the witnesses' names and keys as the published policy lists them."""
    serve = read_serve_file(out)
    witnesses = [{"name": r.witness.name, "url": r.url, "vkey": r.witness.vkey} for r in running]
    return {
        "LOTTERY_WITNESSES": json.dumps(witnesses, ensure_ascii=False),
        "LOTTERY_WITNESS_QUORUM": str(serve.quorum),
        "LOTTERY_WITNESS_MARGIN": str(serve.margin),
    }


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lottery.demo.witness_servers DIR --port P -- CMD...``."""
    parser = argparse.ArgumentParser(
        prog="python -m lottery.demo.witness_servers",
        usage="%(prog)s DIR [--port P] [--host H] -- CMD...",
        description="Serve the demo's witnesses, then run CMD with LOTTERY_WITNESSES set.",
    )
    parser.add_argument("out", type=Path, help="the directory of `lottery demo --out`")
    parser.add_argument("--port", type=int, default=8002, help="first port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1")
    argv = list(sys.argv[1:] if argv is None else argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    command = argv[cut + 1 :]
    if not command:
        parser.error("a command to run after -- is required (e.g. lottery serve ...)")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        with witness_servers(args.out, args.port, args.host) as running:
            for r in running:
                print(f"witness {r.witness.name}: {r.url}/add-checkpoint", flush=True)
            env = service_env(args.out, running)
            print(
                f"the console's pusher sends each new checkpoint to these {len(running)} "
                f"witnesses (LOTTERY_WITNESSES, quorum {env['LOTTERY_WITNESS_QUORUM']})",
                flush=True,
            )
            # CMD is the command line the caller gave (the Makefile's `lottery serve`).
            service = subprocess.Popen(command, env=os.environ | env, text=True)  # noqa: S603
            try:
                return service.wait()
            finally:
                stop([service])
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
