"""Never sign a fork: the log must extend every checkpoint the office already let out.

The database alone cannot tell whether it was restored from an old backup: a restored
database is consistent with itself. So before signing, the service also compares the log with
checkpoints that a database restore does not reach (docs/operations.md, "Restore drill"):

- the last checkpoint it signed, kept in ``<data_dir>/state/last-checkpoint``
  (:mod:`lottery.storage.checkpoint_file`), written after each commit that signed one and
  before every export, so before the checkpoint can be published;
- the checkpoint of the published export: ``<site_dir>/export/checkpoint`` (the served site)
  and ``<site_export_dir>/checkpoint`` (the export the site is built from), when they exist.

A checkpoint that is not the office's (another origin, another key, unreadable) is not a
floor and is ignored, except the file, which only the service writes: an unreadable file is
refused. The largest floor must be a prefix of the log being signed, with the same root.

The witnesses' latest cosigned sizes are floors too (:class:`WitnessFloor`): asked once at
start (:mod:`lottery.service.witness_floor`) and kept in :attr:`ForkGuard.witnesses` for
every later check of that process. A witness gives a size, not a root: the log must be at
least that long; a witness that has cosigned another tree than the log's (a split view or a
consistency proof it refuses) is a fork already, and nothing is signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lottery.core.checkpoint import Checkpoint, open_checkpoint
from lottery.core.errors import LotteryError, VerificationError
from lottery.core.merkle import MerkleTree
from lottery.core.note import NoteVerifier
from lottery.settings import Settings
from lottery.storage.checkpoint_file import (
    checkpoint_path,
    locked,
    read_checkpoint_file,
    write_checkpoint_file,
)

RECOVER_HINT_ZH = (
    "数据库比已公开的日志旧（例如从旧备份恢复）：已停止签名，以免公开日志出现分叉。"
    "请运行 `lottery recover --from <网站目录或网址>` 从公开网站补回备份之后发布的记录，"
    "然后再启动服务（见 docs/operations.md）。"
)
RECOVER_HINT_EN = (
    "the database is behind the published log (restored from an old backup?): signing is "
    "refused so that the public log never forks. Run `lottery recover --from <site dir or URL>` "
    "to re-ingest the records published after the backup, then start the service "
    "(docs/operations.md)."
)


class LogForkError(LotteryError):
    """Signing now would fork the public log; nothing is signed."""


@dataclass(frozen=True)
class Floor:
    """A checkpoint the log must extend, and where it was found."""

    source: str
    checkpoint: Checkpoint
    note: bytes


WITNESS_CONFLICT_ZH = (
    "见证方已联署的日志与数据库中的日志不同（分叉）：已停止签名。请勿再签名或发布，"
    "保留数据目录和网站，联系开发人员（见 docs/operations.md“永不签署分叉”）。"
)
WITNESS_CONFLICT_EN = (
    "a witness has cosigned a log that differs from the database's (a fork): signing is "
    "refused. Do not sign or publish; keep the data directory and the site and call the "
    "developers (docs/operations.md, 'Never sign a fork')."
)


@dataclass(frozen=True)
class WitnessFloor:
    """A witness's latest cosigned size of this log, as it answered at start.

    ``conflict``: the witness's refusal when it has cosigned a tree the log does not extend
    (no size makes that right); None otherwise.
    """

    source: str  # the witness's name and URL
    size: int
    conflict: str | None = None


@dataclass
class ForkGuard:
    """The checkpoints outside the database that the log must extend.

    ``file``: the service's own last-checkpoint file; ``published``: export directories whose
    ``checkpoint`` is a floor when present; ``witnesses``: the witnesses' sizes asked at
    start (none until :func:`lottery.service.witness_floor.ask_witnesses` ran).
    """

    file: Path
    published: tuple[Path, ...] = ()
    witnesses: tuple[WitnessFloor, ...] = ()
    _written: int = field(default=-1, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> ForkGuard:
        """The guard of the data directory and the configured site (docs/site-publishing.md)."""
        published = [settings.site_export]
        if settings.site_dir is not None:
            published += [settings.site_dir / "export", settings.site_dir]
        return cls(checkpoint_path(settings.data_dir), tuple(published))

    def floors(self, origin: str, verifiers: Sequence[NoteVerifier]) -> list[Floor]:
        """Every checkpoint found, opened with the office key.

        Raises:
            LogForkError: when the service's own file does not hold the office's checkpoint.
        """
        found: list[Floor] = []
        note = read_checkpoint_file(self.file)
        if note is not None:
            try:
                found.append(
                    Floor(
                        str(self.file), open_checkpoint(note, list(verifiers), origin=origin), note
                    )
                )
            except VerificationError as exc:
                raise LogForkError(
                    f"{self.file} does not hold a checkpoint of this log signed by the office "
                    f"key ({exc}); 该文件不是本日志的检查点：请核对数据目录"
                ) from exc
        for directory in self.published:
            path = directory / "checkpoint"
            try:
                data = path.read_bytes()
                checkpoint = open_checkpoint(data, list(verifiers), origin=origin)
            except (OSError, VerificationError):
                continue
            found.append(Floor(str(path), checkpoint, data))
        return found

    def check(self, tree: MerkleTree, origin: str, verifiers: Sequence[NoteVerifier]) -> None:
        """Refuse a log ``tree`` that does not extend every floor.

        Raises:
            LogForkError: naming the floor, what to do (``lottery recover``), in Chinese and
                English.
        """
        for floor in self.floors(origin, verifiers):
            cp = floor.checkpoint
            if cp.size > tree.size:
                raise LogForkError(
                    f"数据库中的日志只有 {tree.size} 条记录，但 {floor.source} 中已签名的检查点"
                    f"有 {cp.size} 条。{RECOVER_HINT_ZH} / the database log holds {tree.size} "
                    f"entries but the checkpoint in {floor.source} covers {cp.size}: "
                    f"{RECOVER_HINT_EN}"
                )
            if cp.size and tree.root(cp.size) != cp.root_hash:
                raise LogForkError(
                    f"数据库中的日志与 {floor.source} 中的检查点（{cp.size} 条）不一致，"
                    f"签名将造成分叉。{RECOVER_HINT_ZH} / the database log differs from the "
                    f"checkpoint of {cp.size} entries in {floor.source}: signing would fork the "
                    f"log. {RECOVER_HINT_EN}"
                )
        for witness in self.witnesses:
            if witness.conflict is not None:
                raise LogForkError(
                    f"见证方 {witness.source}：{WITNESS_CONFLICT_ZH} / witness {witness.source}: "
                    f"{witness.conflict}: {WITNESS_CONFLICT_EN}"
                )
            if witness.size > tree.size:
                raise LogForkError(
                    f"数据库中的日志只有 {tree.size} 条记录，但见证方 {witness.source} 已联署 "
                    f"{witness.size} 条的检查点。{RECOVER_HINT_ZH} / the database log holds "
                    f"{tree.size} entries but the witness {witness.source} has cosigned a "
                    f"checkpoint of {witness.size}: {RECOVER_HINT_EN}"
                )

    def problem(
        self, tree: MerkleTree, origin: str, verifiers: Sequence[NoteVerifier]
    ) -> str | None:
        """Why signing would be refused now, or None."""
        try:
            self.check(tree, origin, verifiers)
        except LogForkError as exc:
            return str(exc)
        return None

    def remember(self, note: bytes, origin: str, verifiers: Sequence[NoteVerifier]) -> None:
        """Keep ``note`` (a checkpoint the office signed and committed) in the file when it is
        larger than the one there; fsynced before returning."""
        checkpoint = open_checkpoint(note, list(verifiers), origin=origin)
        if checkpoint.size <= self._written:
            return
        with locked(self.file):
            old = read_checkpoint_file(self.file)
            if old is not None:
                try:
                    if open_checkpoint(old, list(verifiers), origin=origin).size >= checkpoint.size:
                        self._written = checkpoint.size
                        return
                except VerificationError:
                    pass  # replaced by a valid one below
            write_checkpoint_file(self.file, note)
        self._written = checkpoint.size
