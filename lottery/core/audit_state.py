"""What ``lottery verify --state`` remembers between runs (docs/verifier.md "Incremental runs").

After a passing audit of a whole log, :func:`state_of` keeps: the log (origin, size, root),
the office keys the audit used, the root at every size the archive listed, and per task the
digest of its entries with what :func:`~lottery.core.verify.verify_task` and the pool
membership check established. :func:`prior_of` turns a state into what
:func:`~lottery.core.audit.audit_export` needs to go on from it. The file carries a SHA-256
digest of its own content: a state that does not match it is refused, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .canonical import b64decode, b64encode
from .errors import EncodingError, InputError
from .merkle import leaf_hash
from .sealed_audit import CheckedSealed
from .tree_state import TreeState, parse_tree
from .verify import Check

STATE_KIND = "lottery-verify-state"
STATE_VERSION = 1


def task_digest(entries: Sequence[bytes]) -> str:
    """Lower-case hex SHA-256 over the leaf hashes of a task's entries, in log order: a task
    whose digest is unchanged has exactly the records it had."""
    h = hashlib.sha256()
    for entry in entries:
        h.update(leaf_hash(entry))
    return h.hexdigest()


@dataclass(frozen=True)
class KnownTask:
    """One task as the last passing run left it."""

    digest: str
    status: str
    checks: tuple[Check, ...]
    """The checks of ``verify_task`` (not those added by the log-wide checks)."""
    picks: int | None
    membership: tuple[str, str | None] | None = None
    """Pool membership passed: its summary and the cross-check summary (or None)."""


@dataclass(frozen=True)
class PriorAudit:
    """What an audit may carry over: records below ``size`` were verified, and tasks whose
    entry digest is unchanged keep their results."""

    size: int
    roots: Mapping[int, bytes] = field(default_factory=dict)
    """The prior tree's root at sizes up to ``size`` (including ``size``)."""
    tasks: Mapping[str, KnownTask] = field(default_factory=dict)
    sealed: CheckedSealed | None = None
    """The sealed blobs below ``size`` were checked (None: not known, every blob is read)."""


@dataclass(frozen=True)
class AuditState(TreeState):
    """The state file of ``lottery verify --state``: the tree the last passing audit verified
    (:class:`~lottery.core.tree_state.TreeState`), whether its keys were pinned, its tasks."""

    pinned: bool
    tasks: Mapping[str, KnownTask]
    checked: str = ""
    """When the run that wrote it ended (RFC 3339 UTC), for people; never compared."""
    onsite: frozenset[int] | None = None
    """The log indexes of the results whose sealed content holds an on-site record; None
    in a state written before it was kept (then the next run reads every sealed blob)."""

    def prior(self) -> PriorAudit:
        """What the next audit may carry over."""
        sealed = None if self.onsite is None else CheckedSealed(self.size, self.onsite)
        return PriorAudit(self.size, self.roots, self.tasks, sealed)

    def _body(self) -> dict[str, Any]:
        return {
            "kind": STATE_KIND,
            "version": STATE_VERSION,
            **self.tree_json(),
            "pinned": self.pinned,
            "tasks": {
                name: {
                    "digest": t.digest,
                    "status": t.status,
                    "checks": [[c.name, c.detail] for c in t.checks],
                    "picks": t.picks,
                    "membership": list(t.membership) if t.membership else None,
                }
                for name, t in sorted(self.tasks.items())
            },
            "checked": self.checked,
            **({} if self.onsite is None else {"onsite": _bitmap(self.onsite, self.size)}),
        }

    def to_json(self) -> str:
        """The file's text: sorted keys, two-space indent, with ``digest`` (SHA-256 of the
        compact sorted JSON of every other member)."""
        body = self._body()
        body["digest"] = _digest(body)
        return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> AuditState:
        """Parse a state file strictly, its digest first.

        Raises:
            InputError: naming what is wrong (the digest does not match, a member is missing
                or malformed).
        """
        try:
            return cls._parse(_checked(json.loads(text)))
        except InputError as exc:
            raise InputError(f"state file refused: {exc}") from exc
        except (ValueError, KeyError, TypeError, EncodingError) as exc:
            raise InputError(f"state file refused: malformed ({exc})") from exc

    @classmethod
    def _parse(cls, body: dict[str, Any]) -> AuditState:
        if body.get("version") != STATE_VERSION:
            raise InputError(f"unknown version {body.get('version')!r}")
        tree = parse_tree(body, root_listed=True)
        tasks = {str(name): _task(t) for name, t in dict(body["tasks"]).items()}
        return cls(
            **tree.tree_fields(),
            pinned=bool(body["pinned"]),
            tasks=tasks,
            checked=str(body.get("checked", "")),
            onsite=None if "onsite" not in body else _indexes(body["onsite"], tree.size),
        )


def _bitmap(indexes: frozenset[int], size: int) -> str:
    """Base64 of a bitmap of ``size`` bits, bit ``i`` (least significant first in each
    byte) set for each index ``i``."""
    bits = bytearray((size + 7) // 8)
    for i in indexes:
        bits[i >> 3] |= 1 << (i & 7)
    return b64encode(bytes(bits))


def _indexes(text: Any, size: int) -> frozenset[int]:
    """The indexes a :func:`_bitmap` of ``size`` bits sets."""
    bits = b64decode(str(text), what="onsite")
    if len(bits) != (size + 7) // 8:
        raise InputError("onsite has the wrong length")
    return frozenset(i for i in range(size) if bits[i >> 3] >> (i & 7) & 1)


def _checked(body: Any) -> dict[str, Any]:
    """The members of a state file whose ``digest`` matches them (without ``digest``)."""
    if not isinstance(body, dict) or body.get("kind") != STATE_KIND:
        raise InputError("not a verify state file")
    claimed = body.pop("digest", None)
    if claimed != _digest(body):
        raise InputError("its digest does not match its content (changed or damaged)")
    return body


def _task(t: Any) -> KnownTask:
    membership = t["membership"]
    return KnownTask(
        digest=str(t["digest"]),
        status=str(t["status"]),
        checks=tuple(Check(str(n), str(d)) for n, d in t["checks"]),
        picks=None if t["picks"] is None else int(t["picks"]),
        membership=None
        if membership is None
        else (str(membership[0]), None if membership[1] is None else str(membership[1])),
    )


def _digest(body: Mapping[str, Any]) -> str:
    compact = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(compact.encode("utf-8")).hexdigest()
