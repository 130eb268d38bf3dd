"""Consistent database backups taken while the service runs, and restoring them.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  page by page while other connections keep writing; restoring copies the backup over the
  live database the same way (one transaction, so readers see the old or the new database).
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot in one transaction) and
  ``pg_restore --clean --if-exists --single-transaction``; both must be on ``PATH``.

What is never in a backup, and never written by a restore: the key files under
``<data_dir>/keys`` (docs/secrets.md: backed up apart) and the last checkpoint the service
signed (``<data_dir>/state/last-checkpoint``, :mod:`lottery.storage.checkpoint_file`).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from lottery.core.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InputError(f"cannot back up the in-memory database {url}")
    return Path(database)


def _pg_url(url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise InputError(
            f"{name} is not on PATH: install the PostgreSQL client tools of the server's "
            f"version (Debian: apt-get install postgresql-client), or back up with the "
            f"server's own tools (docs/operations.md)"
        )
    return path


def backup_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``.

    Raises:
        InputError: for another database.
    """
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InputError(f"backups of {backend} databases are not supported")
    return backend


def backup_database(url: str, out: Path) -> None:
    """Write a consistent backup of the database ``url`` to the new file ``out``.

    Raises:
        InputError: when ``out`` exists, the database cannot be read or ``pg_dump`` fails.
    """
    if out.exists():
        raise InputError(f"{out} already exists: a backup never overwrites a file")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if backup_kind(url) == "sqlite":
            source = _sqlite_path(url)
            if not source.is_file():
                raise InputError(f"database file {source} does not exist")
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        else:
            done = subprocess.run(  # noqa: S603 - fixed tool, list of arguments
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial),
                 "--dbname", _pg_url(url)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise InputError(f"pg_dump failed: {done.stderr.strip()}")
        partial.chmod(0o600)
        partial.rename(out)
    finally:
        partial.unlink(missing_ok=True)


def restore_database(url: str, backup: Path) -> None:
    """Replace the database ``url`` with the backup file ``backup``.

    Raises:
        InputError: when the file is not a backup of this kind of database, or the restore
            fails (nothing changed for SQLite; one transaction for PostgreSQL).
    """
    try:
        head = backup.read_bytes()[:16] if backup.is_file() else b""
    except OSError as exc:
        raise InputError(f"cannot read {backup}: {exc.strerror}") from exc
    if backup_kind(url) == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise InputError(f"{backup} is not a SQLite backup made by `lottery backup`")
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        except sqlite3.Error as exc:
            raise InputError(f"restoring {backup} failed: {exc}") from exc
        finally:
            dst.close()
            src.close()
        return
    if not head.startswith(PG_MAGIC):
        raise InputError(f"{backup} is not a PostgreSQL backup made by `lottery backup`")
    done = subprocess.run(  # noqa: S603 - fixed tool, list of arguments
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--exit-on-error", "--dbname", _pg_url(url), str(backup)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise InputError(f"pg_restore failed: {done.stderr.strip()}")
