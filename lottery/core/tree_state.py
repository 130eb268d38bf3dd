"""The tree a state file remembers: what ``lottery monitor``'s and ``lottery verify --state``'s
state files share (docs/monitor.md "State file", docs/verifier.md "Incremental runs").

Both remember one verified tree of one log: its origin, size and root, the office keys it was
verified with, and the root at every size seen. Each file adds its own members (the verifier
its tasks and whether the keys were pinned, both a ``checked`` time for people) and its own
framing (``kind``, ``version``, ``digest``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .canonical import b64decode, b64encode
from .checkpoint import Checkpoint
from .errors import InputError
from .note import NoteVerifier


@dataclass(frozen=True)
class TreeState:
    """A verified tree of one log, remembered between runs."""

    origin: str
    size: int
    root_hash: bytes
    keys: tuple[str, ...]
    """The office keys (vkeys) the tree was verified with."""
    roots: Mapping[int, bytes]
    """The tree's root at every size seen (up to ``size``)."""

    def tree_fields(self) -> dict[str, Any]:
        """The shared fields by name, to build a state that adds its own."""
        return {f.name: getattr(self, f.name) for f in fields(TreeState)}

    def tree_json(self) -> dict[str, Any]:
        """The shared members as a state file writes them."""
        return {
            "origin": self.origin,
            "size": self.size,
            "root": b64encode(self.root_hash),
            "keys": list(self.keys),
            "roots": {str(s): b64encode(r) for s, r in sorted(self.roots.items())},
        }


def parse_tree(body: Mapping[str, Any], *, root_listed: bool) -> TreeState:
    """The shared members of a state file's JSON object, validated: keys a non-empty list of
    vkeys, every (size, root) a valid tree head of the origin, and ``roots`` agreeing with
    ``root`` at ``size`` (``root_listed``: ``roots`` must also list ``size``).

    Raises:
        InputError: naming what is wrong.
        ValueError, KeyError, TypeError, EncodingError: for a member missing or malformed.
    """
    keys = body["keys"]
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise InputError("keys must be a non-empty list of vkeys")
    for key in keys:
        NoteVerifier.from_vkey(key)
    roots = {int(s): b64decode(r, what="root") for s, r in dict(body["roots"]).items()}
    root = b64decode(body["root"], what="root")
    tree = TreeState(str(body["origin"]), int(body["size"]), root, tuple(keys), roots)
    Checkpoint(tree.origin, tree.size, tree.root_hash)  # validates the fields
    for size, root in roots.items():
        Checkpoint(tree.origin, size, root)
    listed = roots.get(tree.size)
    if (listed is None and root_listed) or (listed is not None and listed != tree.root_hash):
        raise InputError("roots disagree with root")
    return tree
