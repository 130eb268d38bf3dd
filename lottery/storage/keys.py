"""Key files: create and load the Ed25519 note keys of an office, a log or a witness.

A key pair is two files in one directory:

- ``<stem>.key``: the private key in Go sumdb form
  (``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>``) and a newline, mode 0600. It is
  created exclusively (never overwritten) and refused when group or others can access it.
- ``<stem>.pub``: the verifier key (``<name>+<hex id>+<base64(0x01 || public key)>``) and a
  newline, safe to publish.

This is the I/O shell around :mod:`lottery.core.note`; the core never touches files.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from lottery.core.errors import EncodingError, InputError
from lottery.core.note import NoteVerifier, Signer
from lottery.settings import Settings

from .key_archive import ARCHIVE_DIR, archive_and_switch_files

PRIVATE_SUFFIX = ".key"
PUBLIC_SUFFIX = ".pub"
_PRIVATE_MODE = 0o600
_PUBLIC_MODE = 0o644


def _create_exclusive(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode``; never follow a link or replace an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise InputError(f"{path} already exists; refusing to overwrite a key file") from None
    except OSError as exc:
        raise InputError(f"cannot create {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, mode)  # the umask may have removed bits, never added any
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        if fd >= 0:
            os.close(fd)


def generate_keypair(dir: Path, name: str, file_stem: str) -> Signer:
    """Generate a key named ``name`` and write ``<file_stem>.key`` and ``<file_stem>.pub``.

    Args:
        dir: the directory for both files (created with mode 0700 if missing).
        name: the key name written in signatures, e.g. ``example.gov.cn/lottery``.
        file_stem: the file name without suffix, e.g. ``office``.

    Raises:
        InputError: for an invalid key name or file stem, when either file already exists, or
            when a file cannot be created.
    """
    if not file_stem or file_stem in {".", ".."} or "/" in file_stem or os.sep in file_stem:
        raise InputError(f"invalid key file stem {file_stem!r}")
    signer = Signer.generate(name)
    directory = Path(dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path = directory / f"{file_stem}{PRIVATE_SUFFIX}"
    public_path = directory / f"{file_stem}{PUBLIC_SUFFIX}"
    if public_path.exists() or public_path.is_symlink():
        raise InputError(f"{public_path} already exists; refusing to overwrite a key file")
    _create_exclusive(private_path, (signer.private_key_string() + "\n").encode(), _PRIVATE_MODE)
    try:
        _create_exclusive(public_path, (signer.vkey + "\n").encode(), _PUBLIC_MODE)
    except InputError:
        with contextlib.suppress(OSError):
            private_path.unlink()  # do not leave half a key pair behind
        raise
    return signer


def _read_text(path: Path, *, private: bool) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise InputError(f"key file {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"cannot open key file {path}: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"key file {path} is not a regular file")
        if private and info.st_mode & 0o077:
            raise InputError(
                f"private key file {path} is accessible by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); fix it with: chmod 600 {path}"
            )
        with os.fdopen(fd, "rb") as handle:
            fd = -1  # the file object owns it now
            raw = handle.read()
    finally:
        if fd >= 0:
            os.close(fd)
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise InputError(f"key file {path} is not UTF-8 text") from exc


def load_signer(path: Path) -> Signer:
    """Load a private key file written by :func:`generate_keypair` (or Go's note package).

    Raises:
        InputError: when the file is missing, not a regular file, accessible by group or others
            (the message names the path and ``chmod 600``), or does not hold a valid key.
    """
    text = _read_text(Path(path), private=True)
    try:
        return Signer.from_private_key_string(text)
    except EncodingError as exc:
        raise InputError(f"{path}: {exc}") from exc


def load_verifier(path: Path) -> NoteVerifier:
    """Load a public (verifier) key file.

    Raises:
        InputError: when the file is missing or does not hold a valid verifier key.
    """
    text = _read_text(Path(path), private=False)
    try:
        return NoteVerifier.from_vkey(text)
    except EncodingError as exc:
        raise InputError(f"{path}: {exc}") from exc


def load_or_create_office_key(settings: Settings) -> Signer:
    """The office key ``<data_dir>/keys/office.key`` named after the log, created once."""
    path = settings.office_key_file
    if not path.exists():
        try:
            return generate_keypair(settings.keys_dir, settings.log_origin, "office")
        except InputError:
            if not path.exists():
                raise
    return load_signer(path)


# -- office key rotation (docs/operations.md "Key ceremony") -----------------------------------

OFFICE_STEM = "office"
NEXT_STEM = "office-next"


def archived_office_keys(keys_dir: Path) -> list[NoteVerifier]:
    """The office's earlier public keys (``archive/office-<n>-<key id>.pub``), oldest first."""
    archive = Path(keys_dir) / ARCHIVE_DIR
    if not archive.is_dir():
        return []
    found: list[tuple[int, Path]] = []
    for path in archive.glob(f"{OFFICE_STEM}-*{PUBLIC_SUFFIX}"):
        number = path.name.split("-")[1]
        if number.isdigit():
            found.append((int(number), path))
    return [load_verifier(path) for _, path in sorted(found)]


def archive_and_switch(keys_dir: Path) -> None:
    """Put ``office-next`` in place of ``office``: the current pair is first hard-linked into
    ``archive/office-<n>-<key id>.*`` (mode 0700 directory, the private key stays 0600 and is
    never exported), then each next file renamed over the current one. Every step is
    idempotent, so a crash at any point is finished by calling this again
    (:func:`~lottery.storage.key_archive.archive_and_switch_files`)."""
    directory = Path(keys_dir)
    current = directory / f"{OFFICE_STEM}{PRIVATE_SUFFIX}"
    archive_and_switch_files(
        directory,
        OFFICE_STEM,
        NEXT_STEM,
        (PRIVATE_SUFFIX, PUBLIC_SUFFIX),
        tag=lambda: f"-{load_signer(current).key_id.hex()}",
    )


def discard_next(keys_dir: Path) -> None:
    """Remove a ``office-next`` pair that no key change put in force (a rotation that did not
    commit)."""
    for suffix in (PRIVATE_SUFFIX, PUBLIC_SUFFIX):
        with contextlib.suppress(FileNotFoundError):
            (Path(keys_dir) / f"{NEXT_STEM}{suffix}").unlink()
