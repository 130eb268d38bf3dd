"""Checked registry files kept between the check and the confirmation (docs/console.md).

The console's import is two steps: the upload is checked (a dry run, nothing written) and, when
it has no error, kept on the server under ``<data_dir>/console-uploads/<sha256>``; the
confirmation names the file by that digest and the service imports it from there, validating
it again from scratch. The browser never sends the file twice, and nothing it sends about the
file (counts, rows) is trusted. A kept file is deleted once imported, when its check fails,
and in any case after :data:`KEEP` (checked on every new upload).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from fastapi import Request

KEEP = 24 * 3600  # seconds a checked file waits for its confirmation
_DIGEST = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


def store_dir(request: Request) -> Path:
    """``<data_dir>/console-uploads`` of the app's settings."""
    data_dir: Path = request.app.state.settings.data_dir
    return Path(data_dir) / "console-uploads"


def keep(folder: Path, upload: BinaryIO) -> tuple[str, Path]:
    """Copy an upload into ``folder`` (streamed) under its SHA-256; return (digest, path).

    Files older than :data:`KEEP` are removed first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    prune(folder)
    digest = hashlib.sha256()
    upload.seek(0)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        name = digest.hexdigest()
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    upload.seek(0)
    return name, folder / name


def kept(folder: Path, digest: str) -> Path | None:
    """The kept file of ``digest``, or None (malformed digest, imported, expired)."""
    if not _DIGEST.fullmatch(digest):
        return None
    path = folder / digest
    return path if path.is_file() else None


def discard(path: Path) -> None:
    """Delete a kept file (imported, or refused by its check)."""
    path.unlink(missing_ok=True)


def prune(folder: Path, now: float | None = None) -> None:
    """Delete kept files (and broken partial copies) older than :data:`KEEP`."""
    limit = (time.time() if now is None else now) - KEEP
    for entry in folder.iterdir():
        try:
            if entry.stat().st_mtime < limit:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        except FileNotFoundError:
            continue
