"""Small state files that commands keep between runs (witness, monitor): atomic replacement."""

from __future__ import annotations

import os
from pathlib import Path


def save_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically: a crash leaves the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
