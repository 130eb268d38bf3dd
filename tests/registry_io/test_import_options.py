"""The import functions' keyword options: one set (`ImportOptions`) for all three entry points,
and a misspelt option is refused as a misspelt keyword argument would be."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lottery.registry_io import import_bytes, import_file, import_stream

DATA = b"x\n"  # never read: the options are checked first


@pytest.mark.parametrize("entry", ["file", "bytes", "stream"])
def test_a_misspelt_option_is_refused(entry: str, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(DATA)
    call = {
        "file": lambda **kw: import_file(path, "items", **kw),
        "bytes": lambda **kw: import_bytes(DATA, "items", **kw),
        "stream": lambda **kw: import_stream(io.BytesIO(DATA), "items", **kw),
    }[entry]
    with pytest.raises(TypeError, match="known_region"):
        call(known_region=["410000"])


@pytest.mark.parametrize("entry", ["file", "bytes", "stream"])
def test_a_required_option_left_out_is_named(entry: str, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(DATA)
    call = {
        "file": lambda: import_file(path, "targets"),
        "bytes": lambda: import_bytes(DATA, "targets"),
        "stream": lambda: import_stream(io.BytesIO(DATA), "targets"),
    }[entry]
    with pytest.raises(ValueError, match="known_regions is required"):
        call()
