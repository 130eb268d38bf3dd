"""What the HTTP benchmarks share: the ``lottery`` CLI over a throw-away data directory, and
``lottery serve`` started on 127.0.0.1 (a free port) as a subprocess.

The bench scripts run as ``python bench/<script>.py``, so this module is imported by its bare
name (``from _server import ...``): the script's own folder is first on ``sys.path``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

LOTTERY = [sys.executable, "-m", "lottery"]
START_TRIES = 300  # x 0.1 s: how long the server may take to answer


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, data: Path, **env: str) -> None:
    """Run ``lottery <args> --data-dir <data>`` with ``env`` added; fail if it fails.

    Raises:
        subprocess.CalledProcessError: the command exited non-zero.
    """
    subprocess.run(
        [*LOTTERY, *args, "--data-dir", str(data)],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )


@contextmanager
def serving(data: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``lottery serve`` over ``data`` (with ``options``), once it answers; stopped on exit.

    Yields the base URL (``http://127.0.0.1:<port>``) and the server process.
    """
    port = free_port()
    server = subprocess.Popen(
        [*LOTTERY, "serve", "--data-dir", str(data), "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(START_TRIES):
            try:
                if httpx.get(f"{base}/log/checkpoint", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)
