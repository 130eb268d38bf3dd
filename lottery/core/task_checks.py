"""Checks of how one task's records hang together: their order in the log and their links.

Part of :func:`lottery.core.verify.verify_task`. The records' dates are checked there
(``draw.time``, ``task.order``); here, the order in which the log holds them, which the
office cannot back-date: the announcement first, then the draw, then the reveal or
cancellation (``task.log_order``), and that the closing record names this task's draw and
outcome, or for a cancellation before the draw, this announcement and nothing drawn
(``task.links``).
"""

from __future__ import annotations

from collections.abc import Sequence

from .check_names import CheckName
from .errors import VerificationError
from .records import Record


def check_log_order(
    records: Sequence[Record], ann: Record, draw: Record | None, closing: Record | None
) -> None:
    """Check that ``records`` (one task's, in log order) hold its steps in their order.

    Raises:
        VerificationError: ``task.log_order`` naming the record logged too early.
    """
    position = {id(r): i for i, r in enumerate(records)}
    first = min(position.values())
    if position[id(ann)] != first:
        early = records[first]
        raise VerificationError(
            CheckName.TASK_LOG_ORDER,
            f"the {early.type} record {early.id[:16]} is logged before the announcement",
        )
    if draw is not None and closing is not None and position[id(closing)] < position[id(draw)]:
        raise VerificationError(
            CheckName.TASK_LOG_ORDER, f"the {closing.type} record is logged before the draw record"
        )


def check_links(ann: Record, draw: Record | None, closing: Record) -> None:
    """Check that a reveal or cancellation names this task's records.

    A reveal names the draw and the outcome hash it sealed. A cancellation names the
    announcement, and the draw and its outcome hash, or null for both before the draw.

    Raises:
        VerificationError: ``task.links`` saying which reference is wrong.
    """
    body = closing.body
    what = "reveal" if closing.type == "task-reveal" else "cancellation"
    if closing.type == "task-cancellation" and body["announcement"] != ann.id:
        raise VerificationError(CheckName.TASK_LINKS, "the cancellation names another announcement")
    want_draw = draw.id if draw is not None else None
    want_outcome = draw.body["outcome"] if draw is not None else None
    if body.get("draw") != want_draw or body.get("outcome") != want_outcome:
        raise VerificationError(
            CheckName.TASK_LINKS,
            f"the {what} names a draw, but no draw record is published"
            if draw is None
            else f"the {what} does not reference the draw record and its outcome hash",
        )
