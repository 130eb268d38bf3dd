"""Office secrets and sealed outcomes, encrypted at rest under a key file outside the database.

Scheme (docs/secrets.md): one 32-byte key in ``<data_dir>/keys/secrets.key`` (hex, mode 0600,
created once, never overwritten); each value is sealed with PyNaCl's ``SecretBox``
(XSalsa20-Poly1305, a fresh random 24-byte nonce per value). The sealed plaintext starts with
a label naming its purpose and task, so a ciphertext moved to another task or column fails to
open. Nothing here logs or returns a secret except :meth:`SecretKeeper.open`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets as _secrets
import stat
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from lottery.core.errors import InputError, LotteryError
from lottery.core.seed import SECRET_LEN
from lottery.storage.durable import fsync_dir

KEY_FILE = "secrets.key"
NEXT_KEY_FILE = "secrets-next.key"
"""The new key of a rotation in progress (``lottery secrets rotate``, docs/operations.md)."""
_KEY_MODE = 0o600
ARCHIVE_DIR = "archive"
CHECK_LABEL = b"lottery secrets key check v1"
"""The constant whose HMAC-SHA256 under the key is the key's check value (docs/secrets.md)."""


class SecretStoreError(LotteryError):
    """A sealed value cannot be opened: wrong key file, tampered row or wrong label."""


def new_office_secret() -> bytes:
    """Thirty-two bytes from the operating system's CSPRNG."""
    return _secrets.token_bytes(SECRET_LEN)


def _label(purpose: str, task: str) -> bytes:
    return f"lottery-v1 {purpose} {task}".encode() + b"\x00"


def _create_key_file(path: Path) -> bool:
    """Create the key file atomically: write a private temp file, then link it into place.

    ``os.link`` fails when the file exists, so two processes racing here end with one key;
    True for the one whose file was linked into place.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{_secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _KEY_MODE)
    try:
        os.fchmod(fd, _KEY_MODE)
        os.write(fd, (_secrets.token_bytes(SecretBox.KEY_SIZE).hex() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    made = False
    try:
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
            made = True
    finally:
        tmp.unlink()
    fsync_dir(path.parent)
    return made


def key_check_value(key: bytes) -> str:
    """HMAC-SHA256(key, :data:`CHECK_LABEL`) in hex: names the key without revealing it."""
    return hmac.new(key, CHECK_LABEL, hashlib.sha256).hexdigest()


def archived_key_files(keys_dir: Path) -> list[Path]:
    """``keys/archive/secrets-<n>.key`` (the keys retired by ``lottery secrets rotate``),
    newest first."""
    found = []
    for path in (Path(keys_dir) / ARCHIVE_DIR).glob("secrets-*.key"):
        number = path.name[len("secrets-") : -len(".key")]
        if number.isdigit():
            found.append((int(number), path))
    return [path for _, path in sorted(found, reverse=True)]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def create_key_file(path: Path) -> bool:
    """Create a new random key file at ``path`` (as for ``secrets.key``); never overwrite.
    True when this call made the file (False: one was already there, it is kept)."""
    return _create_key_file(path)


def _read_key_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise InputError(f"cannot open the secrets key file {path}: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"secrets key file {path} is not a regular file")
        if info.st_mode & 0o077:
            raise InputError(
                f"secrets key file {path} is accessible by group or others; "
                f"fix it with: chmod 600 {path}"
            )
        raw = os.read(fd, 1024)
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(raw.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"secrets key file {path} does not hold a hex key") from None
    if len(key) != SecretBox.KEY_SIZE:
        raise InputError(f"secrets key file {path} does not hold a {SecretBox.KEY_SIZE}-byte key")
    return key


class SecretKeeper:
    """Seals and opens private values under the data directory's secrets key."""

    def __init__(self, key: bytes, path: Path | None = None) -> None:
        """Use ``key`` (32 bytes); prefer :meth:`from_data_dir`. With ``path`` (the file it was
        read from), sealing and opening refuse once that file was replaced (a rotation)."""
        self._box = SecretBox(key)
        self.check_value = key_check_value(key)
        """The key's check value (:func:`key_check_value`), as stored in the database."""
        self._path = path
        self._archived: list[tuple[Path, SecretKeeper]] | None = None
        self._file = _identity(path) if path is not None else None

    def _check_current(self) -> None:
        if self._path is not None and _identity(self._path) != self._file:
            raise SecretStoreError(
                f"the secrets key file {self._path} was replaced (lottery secrets rotate) after "
                "this process read it: restart the process"
            )

    def is_file_read(self) -> bool:
        """Whether the key file it was read from is still the one at its path."""
        return self._path is not None and _identity(self._path) == self._file

    def __repr__(self) -> str:
        return "SecretKeeper(<key hidden>)"

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> SecretKeeper:
        """Load ``<data_dir>/keys/secrets.key`` (made, when the database allows it, by
        :func:`lottery.service.secrets_check.open_secrets_keeper`).

        It never makes the file: a missing file is refused (a new key for a database whose
        rows are sealed under another would make every secret look lost).

        Raises:
            InputError: when the file is missing, unreadable, not private (0600) or malformed.
        """
        return cls(
            _read_key_file(Path(data_dir) / "keys" / KEY_FILE), Path(data_dir) / "keys" / KEY_FILE
        )

    def archived_opening(self, purpose: str, task: str, sealed: bytes) -> Path | None:
        """The archived key file (``keys/archive/secrets-<n>.key``) that opens ``sealed``, if
        any: then the value is not lost, that key must be put back (docs/operations.md). None
        for a keeper not read from a data directory."""
        if self._path is None:
            return None
        if self._archived is None:  # read once: the archive changes only at a rotation
            self._archived = []
            for path in archived_key_files(self._path.parent):
                with contextlib.suppress(InputError):  # an unreadable file opens nothing
                    self._archived.append((path, SecretKeeper.from_file(path)))
        for path, keeper in self._archived:
            if keeper.opens(purpose, task, sealed):
                return path
        return None

    @classmethod
    def from_file(cls, path: Path) -> SecretKeeper:
        """Load an existing key file (e.g. a rotation's new key), without watching it.

        Raises:
            InputError: when the file is unreadable, not private (0600) or malformed.
        """
        return cls(_read_key_file(path))

    def seal(self, purpose: str, task: str, value: bytes) -> bytes:
        """Encrypt ``value`` bound to ``purpose`` and ``task`` (nonce || ciphertext).

        Raises:
            SecretStoreError: when the key file was rotated after this keeper read it.
        """
        self._check_current()
        return bytes(self._box.encrypt(_label(purpose, task) + value))

    def opens(self, purpose: str, task: str, sealed: bytes) -> bool:
        """Whether :meth:`open` would give the value back (it decrypts, with its label).

        Raises:
            SecretStoreError: when the key file was rotated after this keeper read it (that
                says nothing about the value: restart the process and ask again).
        """
        self._check_current()
        try:
            self.open(purpose, task, sealed)
        except SecretStoreError:
            return False
        return True

    def open(self, purpose: str, task: str, sealed: bytes) -> bytes:
        """Decrypt a value sealed by :meth:`seal` for the same purpose and task.

        Raises:
            SecretStoreError: when it does not decrypt or carries another label, or the key
                file was rotated after this keeper read it.
        """
        self._check_current()
        try:
            plain = self._box.decrypt(sealed)
        except CryptoError:
            raise SecretStoreError(
                f"the sealed {purpose} of task {task} does not decrypt with this key file"
            ) from None
        label = _label(purpose, task)
        if not plain.startswith(label):
            raise SecretStoreError(f"the sealed {purpose} row does not belong to task {task}")
        return plain[len(label) :]
