"""The witnesses' latest cosigned sizes as floors of the fork guard (docs/operations.md).

C2SP tlog-witness has no read endpoint, but a witness answers an ``add-checkpoint`` whose old
size is not its own with 409 and its size. So at start the service sends each configured
witness its latest signed checkpoint, from the size its ``witness_state`` row believes, as the
pusher would (:func:`lottery.service.witness_push.attempt`, the outcome recorded the same way):

- cosigned: the witness now holds the database's latest checkpoint; it is no floor above it;
- 409 with a size above that checkpoint: the public has seen more than this database holds
  (a restored backup): a floor (:class:`~lottery.service.fork_guard.WitnessFloor`) the log
  must reach before anything is signed (``lottery recover``);
- 409 naming the size sent (another tree of that size) or 422 (the witness's tree is not a
  prefix of the log): a conflict, a fork already: nothing is signed;
- anything else (unreachable, 403 for a key it does not pin, 404 for a log it does not
  follow, 5xx): a warning; the witness is no floor this time and the service starts.

The floors are kept in the guard for every check of the process (cached per start: a witness
only moves further by the office's own pushes, which extend the log).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from lottery.core.errors import LotteryError
from lottery.settings import Settings, WitnessConfig

from .fork_guard import WitnessFloor
from .lifecycle import Lifecycle
from .witness_client import Post, WitnessRefused
from .witness_push import attempt, believed_size, latest_tree

logger = logging.getLogger(__name__)


@dataclass
class WitnessCheck:
    """What the witnesses said at start: the floors kept, and the witnesses not heard."""

    floors: list[WitnessFloor] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _floor(w: WitnessConfig, size: int, error: LotteryError | None) -> WitnessFloor | None:
    """The floor a witness's answer gives (``size``: the checkpoint sent), or None."""
    source = f"{w.name} ({w.url})"
    if error is None:
        return WitnessFloor(source, size)
    if not isinstance(error, WitnessRefused):
        return None  # unreachable, or an answer that is not the protocol's
    if error.status == 409 and error.size is not None:
        if error.size > size:
            return WitnessFloor(source, error.size)
        return WitnessFloor(source, error.size, conflict=str(error))
    if error.status == 422:
        return WitnessFloor(source, size, conflict=str(error))
    return None


def ask_witnesses(
    lc: Lifecycle, settings: Settings, now: datetime, *, post: Post | None = None
) -> WitnessCheck:
    """Ask every configured witness for its size of this log; keep the floors in the log's
    fork guard (replacing those of an earlier call).

    Nothing is asked when no witness is configured, the log has no guard, or the database
    holds no signed checkpoint yet (there is nothing to send; the checkpoint file and the
    published log are the floors then).
    """
    check = WitnessCheck()
    guard = lc.log.guard
    if guard is None or not settings.witnesses:
        return check
    latest = latest_tree(lc)
    if latest is None:
        return check
    note, tree = latest
    for w in settings.witnesses:
        known = min(believed_size(lc, w), tree.size)  # never a size the witness did not name
        error = attempt(lc, w, note, tree, known, now, post=post)
        floor = _floor(w, tree.size, error)
        if floor is not None:
            check.floors.append(floor)
        elif error is not None:
            message = f"witness {w.name}: {error}"
            logger.warning("%s: not a floor of the fork guard this time", message)
            check.warnings.append(message)
    guard.witnesses = tuple(check.floors)
    return check
