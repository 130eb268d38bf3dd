"""The last checkpoint the office signed, kept in a file where a database restore does not reach.

``<data_dir>/state/last-checkpoint`` holds the signed checkpoint note of the largest log the
service has signed and committed. It lives outside the database on purpose: ``lottery backup``
leaves it out and ``lottery restore`` never writes it, so after a restore of an old backup the
service still knows how far the public log already went and refuses to sign a fork
(:mod:`lottery.service.fork_guard`, docs/operations.md).

Writes are atomic and durable: a private temporary file, ``fsync``, ``rename`` over the old
file, then ``fsync`` of the directory. The file only grows: a smaller checkpoint never
replaces a larger one (the caller checks consistency).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .durable import fsync_dir

STATE_DIR = "state"
FILE_NAME = "last-checkpoint"


def checkpoint_path(data_dir: Path) -> Path:
    """``<data_dir>/state/last-checkpoint``."""
    return Path(data_dir) / STATE_DIR / FILE_NAME


def read_checkpoint_file(path: Path) -> bytes | None:
    """The note stored at ``path``, or None when there is none yet."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def write_checkpoint_file(path: Path, note: bytes) -> None:
    """Replace ``path`` with ``note`` atomically and durably (fsync of file and directory)."""
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)  # a name of its own: threads and processes never share one
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(note)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_dir(target.parent)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (``flock``): one read-compare-write of the
    file at a time, across the threads and processes of one machine."""
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target.with_name(target.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
