"""Build ``lottery-verify.pyz``: the verifier as one file that runs on a plain Python 3.11+.

The file is a zip application (``python -m zipapp`` format: a ``#!`` line, then a zip whose
``__main__.py`` runs :func:`lottery.verifier.standalone.main`). It holds the verifier's own
modules (the pure core, the export reader, the worker plumbing, this package) and the
pure-Python packages they import, copied from the running installation with their licences:
``rfc8785``, ``py_ecc`` (drand's BLS signatures), ``eth_typing`` and ``typing_extensions``
(which py_ecc imports). No holiday calendar: deadlines are checked with the log's own
``calendar`` records (docs/spec.md §8), so ``chinese_calendar`` and ``export/holidays.py``
are left out. ``eth_utils``, of which
py_ecc's BLS module imports only an exception class but which pulls in pydantic's compiled
core, is replaced by a two-line stand-in. PyNaCl (compiled) is not shipped: Ed25519 is
verified in pure Python then (:mod:`lottery.core.ed25519`).

Reproducible: the same sources give the same bytes (files in sorted order, fixed timestamps
and permissions, a fixed compression level; docs/verifier.md).
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from importlib import metadata
from pathlib import Path

import lottery

FILE_NAME = "lottery-verify.pyz"
"""The file's name on the site (under ``verify/``)."""

SHEBANG = b"#!/usr/bin/env python3\n"
_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build time in the file
_LOTTERY_PARTS = ("__init__.py", "core", "export", "runtime", "verifier")
# The office's side (the writer, the built-in calendar the service publishes), and this builder.
_LEFT_OUT = {"export/write.py", "export/holidays.py", "verifier/bundle.py"}
_THIRD_PARTY = {  # distribution -> the top-level modules it provides
    "rfc8785": ("rfc8785",),
    "py-ecc": ("py_ecc",),
    "eth-typing": ("eth_typing",),
    "typing_extensions": ("typing_extensions",),
}
_ETH_UTILS = (
    '"""Stand-in for eth-utils in lottery-verify.pyz: py_ecc.bls imports only this class."""\n'
    "\n\nclass ValidationError(Exception):\n"
    '    """eth_utils.ValidationError."""\n'
)
_MAIN = (  # kept to what an old Python 3 parses: the version check must run to say so
    '"""lottery-verify.pyz: audit a spot-check lottery\'s published log (docs/verifier.md)."""\n'
    "\nimport sys\n\n"
    "# Exit status 3: the verifier could not run (never 1, a failed check; docs/verifier.md).\n"
    "if sys.version_info < (3, 11):\n"
    '    sys.stderr.write("lottery-verify.pyz needs Python 3.11 or later'
    ' / 需要 Python 3.11 或更新版本\\n")\n'
    "    sys.exit(3)\n"
    "try:\n"
    "    from lottery.verifier.standalone import main\n"
    "except Exception as exc:  # an archive that cannot load: not run\n"
    '    sys.stderr.write("error: the verifier could not start / 核验程序无法启动: %r\\n"'
    " % (exc,))\n"
    "    sys.exit(3)\n"
    "\nsys.exit(main())\n"
)


def _module_files(name: str) -> dict[str, bytes]:
    """The ``.py`` files of top-level module ``name``, by their path in the archive."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is not installed")
    origin = Path(spec.origin)
    if spec.submodule_search_locations is None:  # a single-file module
        return {origin.name: origin.read_bytes()}
    root = origin.parent
    return {
        f"{name}/{path.relative_to(root).as_posix()}": path.read_bytes()
        for path in root.rglob("*.py")
        if "__pycache__" not in path.parts
    }


def _distribution_files(dist_name: str) -> dict[str, bytes]:
    """The distribution's ``METADATA`` (py_ecc reads its version) and licence files."""
    dist = metadata.distribution(dist_name)
    info = f"{dist.metadata['Name'].replace('-', '_')}-{dist.version}.dist-info"
    files = {f"{info}/METADATA": (dist.read_text("METADATA") or "").encode("utf-8")}
    for entry in dist.files or []:
        if "LICENSE" in entry.name.upper() or "COPYING" in entry.name.upper():
            files[f"{info}/{entry.name}"] = Path(entry.locate()).read_bytes()
    return files


def contents() -> dict[str, bytes]:
    """Every file of the archive by its path in it."""
    root = Path(lottery.__file__).parent
    files = {"__main__.py": _MAIN.encode(), "eth_utils/__init__.py": _ETH_UTILS.encode()}
    for part in _LOTTERY_PARTS:
        path = root / part
        paths = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for p in paths:
            rel = p.relative_to(root).as_posix()
            if "__pycache__" not in p.parts and rel not in _LEFT_OUT:
                files[f"lottery/{rel}"] = p.read_bytes()
    for dist_name, modules in _THIRD_PARTY.items():
        for module in modules:
            files.update(_module_files(module))
        files.update(_distribution_files(dist_name))
    return files


def build_pyz() -> bytes:
    """The single-file verifier's bytes (the same for the same sources)."""
    buffer = io.BytesIO()
    buffer.write(SHEBANG)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(contents().items()):
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the building machine
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def write_pyz(path: Path) -> bytes:
    """Write the single-file verifier to ``path``; its bytes."""
    data = build_pyz()
    path.write_bytes(data)
    return data
