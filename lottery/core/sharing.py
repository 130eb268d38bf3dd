"""Sharing a draw with a second process, as an interface: the core never starts one itself.

A function that can split its work (the draw's strata, the verifier's re-run) takes a
:class:`Workers`. The default, :data:`SERIAL`, does everything in the calling process; the
forking implementation lives above the core (:mod:`lottery.runtime.forking`) and is passed in
only by callers that know their process may fork (a command line, not a threaded server).

Work is shared through :class:`Claims`: the items (strata) are taken one at a time, this process
from the front and the worker from the back, until they meet. The result is the same whoever
takes which item, so every implementation gives byte-identical answers; only the time differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

R = TypeVar("R")
M = TypeVar("M")
R_co = TypeVar("R_co", covariant=True)


class Claims:
    """Items ``0 .. n-1`` taken one at a time: this process from the front, a worker from the
    back. Each item is taken by exactly one side, so the front holds a prefix and the back the
    suffix that follows it.

    This in-process form keeps the two ends in a list; a subclass above the core keeps them in
    memory a forked child shares. :attr:`broken` is set when the other side stopped holding its
    part of the bargain (a worker that died holding the lock): no more items are then taken.
    """

    def __init__(self, n: int) -> None:
        """Claims over ``n`` items."""
        self.n = n
        self.broken = False
        self._ends: Any = [0, n]

    def _take(self, side: int) -> int | None:
        if self.broken:
            return None
        ends = self._ends
        front, back = ends[0], ends[1]
        if front >= back:
            return None
        if side == 0:
            ends[0] = front + 1
            return int(front)
        ends[1] = back - 1
        return int(back - 1)

    def front(self) -> int | None:
        """The next item from the front (this process's side), or ``None`` when none is left."""
        return self._take(0)

    def back(self) -> int | None:
        """The next item from the back (the worker's side), or ``None`` when none is left."""
        return self._take(1)


class Inbox(Protocol[M]):
    """Messages from this process to the worker started after the inbox was made."""

    def put(self, message: M) -> bool:
        """Send ``message``; false when the worker is gone."""
        ...

    def get(self) -> M:
        """The next message (in the worker).

        Raises:
            EOFError: when nothing more will come.
        """
        ...

    def close(self) -> None:
        """Send nothing more: the worker reads end-of-file."""
        ...


class Job(Protocol[R_co]):
    """``fn()``, computed by a worker or, lazily, in this process."""

    @property
    def forked(self) -> bool:
        """Whether another process is (or was) computing the result."""
        ...

    def result(self) -> R_co:
        """The value of ``fn()``: the worker's when it delivers, else computed here."""
        ...

    def delivered(self) -> R_co | None:
        """The worker's value, or ``None`` when no worker ran or it failed (nothing is
        recomputed: for work whose in-process fallback the caller does itself)."""
        ...

    def cancel(self) -> None:
        """Stop the worker, if any, without waiting for its result."""
        ...


class HeldInbox(Generic[M]):
    """An :class:`Inbox` for work done in this process: the messages wait in a list."""

    def __init__(self) -> None:
        """An empty inbox."""
        self._held: list[M] = []

    def put(self, message: M) -> bool:
        """Keep ``message`` for :meth:`get`."""
        self._held.append(message)
        return True

    def get(self) -> M:
        """The oldest message kept.

        Raises:
            EOFError: when no message is waiting.
        """
        if not self._held:
            raise EOFError("no message was sent")
        return self._held.pop(0)

    def close(self) -> None:
        """Nothing to close in this process."""


class Lazy(Generic[R]):
    """A :class:`Job` computed in this process when its result is asked for."""

    def __init__(self, fn: Callable[[], R]) -> None:
        """``fn``, not yet called."""
        self._fn = fn

    @property
    def forked(self) -> bool:
        """Never: no other process is involved."""
        return False

    def result(self) -> R:
        """``fn()``, computed now."""
        return self._fn()

    def delivered(self) -> R | None:
        """``None``: no worker delivers anything."""
        return None

    def cancel(self) -> None:
        """Nothing runs, so nothing to stop."""


class Workers(Protocol):
    """Whether and how work is shared with a second process."""

    def share(self, size: int) -> bool:
        """Whether work of ``size`` items (a pool's candidates) is worth sharing here."""
        ...

    def claims(self, n: int) -> Claims:
        """Claims over ``n`` items that a worker started after this call can take from."""
        ...

    def inbox(self) -> Inbox[Any]:
        """An inbox for the worker started after this call."""
        ...

    def start(self, fn: Callable[[], R], inbox: Inbox[Any] | None = None) -> Job[R]:
        """Begin ``fn()`` (in a worker when one can be started; else lazily in-process)."""
        ...


class Serial:
    """:class:`Workers` that never share: every step runs in the calling process."""

    def share(self, size: int) -> bool:
        """Never worth it: there is no second process."""
        return False

    def claims(self, n: int) -> Claims:
        """In-process claims."""
        return Claims(n)

    def inbox(self) -> Inbox[Any]:
        """An in-process inbox."""
        return HeldInbox()

    def start(self, fn: Callable[[], R], inbox: Inbox[Any] | None = None) -> Job[R]:
        """``fn`` run lazily, in this process."""
        return Lazy(fn)


SERIAL: Workers = Serial()
