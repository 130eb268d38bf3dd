"""A log monitor (docs/monitor.md): check only what is new since the last run.

A monitor keeps a small state (:class:`MonitorState`): the log's origin, the office keys it
pinned, the last verified tree (size, root hash) and the root of every checkpoint size it has
seen. On each run, :func:`monitor_log` reads the log's latest checkpoint and decides:

- ``first``: no state yet; the keys are pinned (given, or the log's own on first use);
- ``same``: the same tree as last time;
- ``grown``: a larger tree whose prefix is the remembered tree; the new records are checked;
- ``key-change``: grown, and a lawful ``key-change`` record (signed by a pinned key and by
  every new key) moved the pins;
- an alarm (:class:`MonitorAlarm`): ``other-log``, ``rollback`` (smaller tree), ``fork``
  (a remembered root differs: history rewritten), ``key-replaced`` (the checkpoint is not
  signed by a pinned key and no pinned key announced the new one);
- a verification failure (:class:`~lottery.core.errors.VerificationError`): a tile, an entry,
  a new record or a re-run draw does not verify.

:func:`compare_states` compares two monitors' (or a monitor's and a witness's) notes: a
size both saw with different roots, or a smaller tree that is not a prefix of the larger
one, is a split view. Pure: the log is read through ``get(path) -> bytes``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .audit import Getter, LazyBlobs, archived_sizes, as_verification, checkpoint_origin
from .check_names import CheckName
from .checkpoint import Checkpoint, claimed_checkpoint, open_checkpoint
from .errors import EncodingError, InputError, VerificationError
from .key_schedule import lawful_change
from .merkle import MerkleTree, leaf_hash
from .monitor_words import Said, key_change_words, record_words
from .note import NoteVerifier, parse_note
from .records import Record, open_record, parse_record_text
from .sharing import SERIAL, Workers
from .tiles import check_tiles, entries_from
from .tree_state import TreeState, parse_tree
from .verify import verify_task

STATE_VERSION = 1
"""The ``version`` member of a monitor state file."""


class Verdict(StrEnum):
    """What a run of the monitor found (``status`` in the JSON output)."""

    FIRST = "first"
    SAME = "same"
    GROWN = "grown"
    KEY_CHANGE = "key-change"
    OTHER_LOG = "other-log"
    ROLLBACK = "rollback"
    FORK = "fork"
    KEY_REPLACED = "key-replaced"
    SPLIT_VIEW = "split-view"
    CONSISTENT = "consistent"
    UNDECIDED = "undecided"


class MonitorAlarm(InputError):
    """The log is not consistent with what this monitor saw before (or with another view)."""

    def __init__(self, verdict: Verdict, said: Said) -> None:
        super().__init__(said[0])
        self.verdict = verdict
        self.said = said


@dataclass(frozen=True)
class MonitorState(TreeState):
    """What a monitor remembers between runs (docs/monitor.md "State file"): the tree it
    verified last (:class:`~lottery.core.tree_state.TreeState`, its keys the pins)."""

    checked: str = ""
    """When the last successful check ended (RFC 3339 UTC), for people; never compared."""

    def to_json(self) -> str:
        """The state file's text (sorted keys, two-space indent, final newline)."""
        body = {"version": STATE_VERSION, **self.tree_json(), "checked": self.checked}
        return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> MonitorState:
        """Parse a state file's text strictly.

        Raises:
            InputError: naming what is wrong.
        """
        try:
            return cls._parse(json.loads(text))
        except (ValueError, KeyError, TypeError, EncodingError, InputError) as exc:
            raise InputError(f"not a monitor state file: {exc}") from exc

    @classmethod
    def _parse(cls, body: Any) -> MonitorState:
        if not isinstance(body, dict):
            raise InputError("not a JSON object")
        if body.get("version") != STATE_VERSION:
            raise InputError(f"unknown version {body.get('version')!r}")
        tree = parse_tree(body, root_listed=False)
        return cls(**tree.tree_fields(), checked=str(body.get("checked", "")))


@dataclass(frozen=True)
class Event:
    """One new record, in human terms."""

    index: int
    type: str
    task: str | None
    record: str
    said: Said
    late_by: int = 0


@dataclass
class MonitorRun:
    """The outcome of one successful run: the verdict, the new state, what happened."""

    verdict: Verdict
    previous_size: int
    state: MonitorState
    events: list[Event] = field(default_factory=list)
    rerun: list[str] = field(default_factory=list)
    """Tasks whose whole record set was re-verified (draw re-run) because something was new."""
    notes: list[Said] = field(default_factory=list)

    def by_type(self) -> dict[str, int]:
        """How many new records of each type."""
        counts: dict[str, int] = {}
        for event in self.events:
            counts[event.type] = counts.get(event.type, 0) + 1
        return dict(sorted(counts.items()))


def tree_verdict(
    old_size: int, old_root: bytes, new_size: int, root_at: Callable[[int], bytes]
) -> Verdict:
    """Compare a remembered tree with a new one (``root_at(n)``: the new tree's root at n).

    Returns ``same``, ``grown``, ``rollback`` (smaller) or ``fork`` (the remembered tree is
    not the new tree's prefix). Shared by the monitor and ``lottery witness cosign``.
    """
    if new_size < old_size:
        return Verdict.ROLLBACK
    if root_at(old_size) != old_root:
        return Verdict.FORK
    return Verdict.SAME if new_size == old_size else Verdict.GROWN


def _verifiers(keys: Sequence[str]) -> list[NoteVerifier]:
    return [NoteVerifier.from_vkey(k) for k in keys]


def _entries(start: int, size: int, get: Getter, tree: MerkleTree) -> list[tuple[int, bytes]]:
    """The entries ``start..size-1``, each checked against the verified ``tree``."""
    try:
        entries = entries_from(start, size, as_verification(get, CheckName.LOG_ENTRIES))
    except EncodingError as exc:
        raise VerificationError(CheckName.LOG_ENTRIES, str(exc)) from exc
    for index, entry in entries:
        if leaf_hash(entry) != tree.leaf_hash(index):
            raise VerificationError(
                CheckName.LOG_ENTRIES, f"entry {index} does not match its leaf hash"
            )
    return entries


def _alarm(verdict: Verdict, en: str, zh: str) -> MonitorAlarm:
    return MonitorAlarm(verdict, (en, zh))


def _unverified_checkpoint(note: bytes) -> Checkpoint | None:
    try:
        return claimed_checkpoint(note)
    except (EncodingError, InputError):
        return None


def monitor_log(
    get: Getter,
    state: MonitorState | None,
    keys: Sequence[str],
    *,
    now: str = "",
    workers: Workers = SERIAL,
) -> MonitorRun:
    """Check the log behind ``get`` against ``state``; return the run and the new state.

    ``keys``: the office vkeys to pin on a first run (ignored when ``state`` exists).

    Raises:
        MonitorAlarm: other log, rollback, fork or replaced key (nothing is to be saved).
        VerificationError: when a signature, tile, entry, record or draw does not verify.
        InputError: when the log publishes no checkpoint or a key is malformed.
    """
    try:
        note = get("checkpoint")
    except KeyError as exc:
        raise InputError("the log publishes no checkpoint") from exc
    try:
        origin = checkpoint_origin(note)
    except EncodingError as exc:
        raise VerificationError(CheckName.CHECKPOINT_FORMAT, str(exc)) from exc
    if state is not None and state.origin != origin:
        raise _alarm(
            Verdict.OTHER_LOG,
            f"this state file is for log {state.origin!r}, not {origin!r}",
            f"此状态文件属于日志 {state.origin!r}，而不是 {origin!r}",
        )
    pinned = state.keys if state is not None else tuple(keys)
    old_size = state.size if state is not None else 0
    claimed = _unverified_checkpoint(note)
    if claimed is None:
        open_checkpoint(note, _verifiers(pinned), origin=origin)  # raises checkpoint.format
        raise VerificationError(CheckName.CHECKPOINT_FORMAT, "malformed checkpoint")
    if state is not None and claimed.size < state.size:
        # Before anything else: a smaller tree is an alarm whichever key signed it.
        _check_checkpoint_keys(note, origin, pinned)
        raise _alarm(
            Verdict.ROLLBACK,
            f"rollback: the log now shows {claimed.size} records, but this monitor already "
            f"verified {state.size}",
            f"日志回滚：现在只有 {claimed.size} 条记录，而本监测已核验过 {state.size} 条",
        )
    tree = rebuild_tree(get, claimed.size, claimed.root_hash)
    if state is not None:
        for size, root in sorted(state.roots.items()):
            if size <= claimed.size and tree.root(size) != root:
                _check_checkpoint_keys(note, origin, pinned)
                raise _alarm(
                    Verdict.FORK,
                    f"history rewritten: the log's first {size} records are not the ones this "
                    "monitor verified before (a fork)",
                    f"历史被改写：日志的前 {size} 条记录与本监测此前核验的不同（分叉）",
                )
    entries = _entries(old_size, claimed.size, get, tree)
    changes = _key_changes(entries, pinned, origin)
    final_keys = changes[-1][1] if changes else pinned
    # The checkpoint that first covers a key change may be signed by the old or the new key.
    _check_checkpoint_keys(note, origin, tuple(dict.fromkeys([*final_keys, *pinned])))
    records = _open_new(entries, pinned, changes, origin)
    all_keys = tuple(dict.fromkeys([*pinned, *(k for _, ks, _ in changes for k in ks)]))
    roots = dict(state.roots) if state is not None else {}
    roots.update(_archived_roots(get, all_keys, origin, old_size, claimed, tree.root))
    roots.update(_cosigned_roots(get, claimed.size, tree.root))
    roots[claimed.size] = claimed.root_hash
    if state is None:
        verdict = Verdict.FIRST
    elif changes:
        verdict = Verdict.KEY_CHANGE
    else:
        verdict = Verdict.SAME if claimed.size == state.size else Verdict.GROWN
    checked = now or (state.checked if state is not None else "")
    new_state = MonitorState(origin, claimed.size, claimed.root_hash, final_keys, roots, checked)
    run = MonitorRun(verdict, old_size, new_state)
    run.events = [_event(i, r) for i, r in records]
    run.notes = [key_change_words(i, r.body) for i, _, r in changes]
    touched = sorted(
        {str(r.body["task"]) for _, r in records if "task" in r.body and r.type.startswith("task-")}
    )
    if touched:
        run.rerun = _rerun_tasks(get, tree, touched, all_keys, origin, workers)
    return run


def rebuild_tree(get: Getter, size: int, root: bytes) -> MerkleTree:
    """The tree of ``size`` leaves rebuilt from the published tiles; its root must be ``root``.

    Raises:
        VerificationError: ``log.tiles`` for a missing or malformed tile, ``tiles.root`` or
            ``tiles.hash`` when the tiles do not give ``root``.
    """
    try:
        return check_tiles(size, root, as_verification(get, CheckName.LOG_TILES))
    except EncodingError as exc:
        raise VerificationError(CheckName.LOG_TILES, str(exc)) from exc


def _signed_by_known_key(note: bytes, verifiers: Sequence[NoteVerifier]) -> bool:
    known = {(v.name, v.key_id) for v in verifiers}
    try:
        return any((s.name, s.key_id) in known for s in parse_note(note).signatures)
    except EncodingError:
        return False


def _check_checkpoint_keys(note: bytes, origin: str, keys: Sequence[str]) -> Checkpoint:
    """The checkpoint, verified with ``keys``; an alarm when no line is by one of them."""
    verifiers = _verifiers(keys)
    if not _signed_by_known_key(note, verifiers):
        fingerprints = ", ".join(k.split("+")[0] + "+" + k.split("+")[1] for k in keys)
        raise _alarm(
            Verdict.KEY_REPLACED,
            f"office key replaced: the checkpoint is not signed by the pinned key ({fingerprints}) "
            "and no key-change record signed by it announces a new key",
            f"机关密钥被更换：检查点不是用已固定的公钥（{fingerprints}）签名的，"
            "且日志中没有用该公钥签名的密钥变更记录",
        )
    return open_checkpoint(note, verifiers, origin=origin)


def _body(entry: bytes) -> dict[str, Any] | None:
    try:
        return parse_record_text(parse_note(entry).text)
    except (EncodingError, InputError):
        return None


def _key_changes(
    entries: Sequence[tuple[int, bytes]], pinned: Sequence[str], origin: str
) -> list[tuple[int, tuple[str, ...], Record]]:
    """The key-change records among ``entries`` signed by a key in force at their index, with
    the keys they put in force (docs/monitor.md "Key changes")."""
    keys = tuple(pinned)
    changes: list[tuple[int, tuple[str, ...], Record]] = []
    for index, entry in entries:
        body = _body(entry)
        if body is None or body.get("type") != "key-change":
            continue
        try:
            record = open_record(entry, _verifiers(keys), log=origin)
        except (VerificationError, EncodingError, InputError):
            continue  # not signed by a key in force: its record fails below, or is ignored
        # Signed by a key in force: it must be lawful (signed by every new key too), else
        # log.key_change (docs/spec.md §2 "Key changes").
        keys = tuple(v.vkey for v in lawful_change(index, entry, _verifiers(keys), origin))
        changes.append((index, keys, record))
    return changes


def _open_new(
    entries: Sequence[tuple[int, bytes]],
    pinned: Sequence[str],
    changes: Sequence[tuple[int, tuple[str, ...], Record]],
    origin: str,
) -> list[tuple[int, Record]]:
    """Every new record, opened with the keys in force at its index.

    Raises:
        VerificationError: ``record.*`` naming the log index of the first that fails.
    """
    records: list[tuple[int, Record]] = []
    keys, pending = _verifiers(pinned), list(changes)
    for index, entry in entries:
        try:
            records.append((index, open_record(entry, keys, log=origin)))
        except VerificationError as exc:
            raise VerificationError(exc.check, f"log index {index}: {exc.detail}") from exc
        if pending and pending[0][0] == index:
            keys = _verifiers(pending.pop(0)[1])
    return records


def _archived_roots(
    get: Getter,
    keys: Sequence[str],
    origin: str,
    old_size: int,
    latest: Checkpoint,
    root_at: Callable[[int], bytes],
) -> dict[int, bytes]:
    """The root at every archived checkpoint size; those newer than ``old_size`` are
    verified (office signature, a prefix of today's tree)."""
    sizes = archived_sizes(get, latest)
    verifiers = _verifiers(keys)
    roots: dict[int, bytes] = {}
    for size in sizes:
        if size > old_size and size != latest.size:
            fetch = as_verification(get, CheckName.LOG_MISSING)
            old = open_checkpoint(fetch(f"checkpoints/{size}"), verifiers, origin=origin)
            if old.size != size or old.root_hash != root_at(size):
                raise VerificationError(
                    CheckName.LOG_CONSISTENCY,
                    f"checkpoint {size} is not a prefix of the current log: history was rewritten",
                )
        if size > 0:
            roots[size] = root_at(size)
    return roots


def _cosigned_roots(get: Getter, size: int, root_at: Callable[[int], bytes]) -> dict[int, bytes]:
    """This tree's root at every size that witnesses cosigned (``cosigned/list``; checked by
    ``lottery verify --witness``): the sizes a witness state is likely to hold."""
    try:
        listed = get("cosigned/list").decode("ascii").split()
    except (KeyError, UnicodeDecodeError):
        return {}
    sizes = {int(s) for s in listed if s.isascii() and s.isdigit()}
    return {n: root_at(n) for n in sorted(sizes) if 0 < n <= size}


def _rerun_tasks(
    get: Getter,
    tree: MerkleTree,
    tasks: Sequence[str],
    keys: Sequence[str],
    origin: str,
    workers: Workers,
) -> list[str]:
    """Verify every record of each task in ``tasks`` (the draw re-run when it is disclosed).

    Raises:
        VerificationError: naming the task and the first failed check.
    """
    wanted = set(tasks)
    by_task: dict[str, list[bytes]] = {}
    for _, entry in _entries(0, tree.size, get, tree):
        body = _body(entry)
        kind = str(body.get("type")) if body is not None else ""
        if body is not None and kind.startswith("task-") and body.get("task") in wanted:
            by_task.setdefault(str(body["task"]), []).append(entry)
    blobs = LazyBlobs(get)
    verifiers = _verifiers(keys)
    for name in tasks:
        try:
            verify_task(by_task.get(name, []), blobs, verifiers, log=origin, workers=workers)
        except VerificationError as exc:
            raise VerificationError(exc.check, f"task {name}: {exc.detail}") from exc
    return list(tasks)


def _event(index: int, record: Record) -> Event:
    said, late_by = record_words(record.body)
    task = str(record.body["task"]) if "task" in record.body else None
    return Event(index, record.type, task, record.id, said, late_by)


@dataclass(frozen=True)
class Comparison:
    """Two monitors' notes compared."""

    verdict: Verdict
    said: Said
    common: int
    """How many tree sizes both remember."""


def compare_states(
    a: MonitorState, b: MonitorState, larger_root_at: Callable[[int], bytes] | None = None
) -> Comparison:
    """Do two monitors (or a monitor and a witness) see one history of one log?

    Split view: a tree size both remember with different roots, or the smaller latest tree
    not a prefix of the larger one. The larger state's root at the smaller size comes from
    its ``roots``, else from ``larger_root_at`` (the larger tree, rebuilt from a copy of the
    log's tiles by the caller); without either the answer is ``undecided``.

    Raises:
        InputError: when the states are of different logs.
    """
    if a.origin != b.origin:
        raise InputError(f"the states are of different logs: {a.origin!r} and {b.origin!r}")
    common = sorted(set(a.roots) & set(b.roots))
    small, large = (a, b) if a.size <= b.size else (b, a)
    for size in common:
        if a.roots[size] != b.roots[size]:
            return _split(a.origin, size, len(common))
    if small.size > 0 and small.size not in large.roots:
        if larger_root_at is None:
            return Comparison(
                Verdict.UNDECIDED,
                (
                    f"undecided: the state of {large.size} records has no root at {small.size}; "
                    "give --log (any copy of the log) to compute it from the published tiles",
                    f"无法判定：{large.size} 条记录的状态中没有前 {small.size} 条的根哈希；"
                    "请用 --log 指定日志（任一副本），从公开的瓦片计算",
                ),
                len(common),
            )
        if larger_root_at(small.size) != small.root_hash:
            return _split(a.origin, small.size, len(common))
    return Comparison(
        Verdict.CONSISTENT,
        (
            f"consistent: the tree of {small.size} records is a prefix of the tree of "
            f"{large.size} ({len(common)} sizes compared)",
            f"一致：{small.size} 条记录的树是 {large.size} 条记录的树的前缀"
            f"（比较了 {len(common)} 个规模）",
        ),
        len(common),
    )


def _split(origin: str, size: int, common: int) -> Comparison:
    return Comparison(
        Verdict.SPLIT_VIEW,
        (
            f"split view: the two views of {origin} differ in their first {size} records",
            f"分叉视图：{origin} 的两个视图在前 {size} 条记录上不同",
        ),
        common,
    )
