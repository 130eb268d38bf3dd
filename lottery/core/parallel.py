"""Process plumbing for the draw and the verifier: one pure call run in a forked child.

This is the only module of the core that touches processes; the functions it runs stay pure.
A forked child inherits the parent's memory (copy-on-write), so it receives nothing over a
pipe: it runs a closure over data already in memory and sends back only its (small) result.
Any failure of the child (crash, kill, an exception, a result that does not arrive) makes
:meth:`Background.result` run the same closure in the parent instead: the answer is the same
either way, only slower.

Forking is opt-in (``workers >= 2``) and used only when it is safe and worth it:

- the ``fork`` start method exists (not on Windows);
- the calling process runs a single thread: forking a threaded process (a web server with
  APScheduler and uvicorn) can leave the child holding locks that other threads owned, so
  such callers always get the in-process path, whatever they ask for;
- the work is large enough (:data:`MIN_PARALLEL`) to repay the few milliseconds of a fork.

Work is shared through :class:`Claims`: the items (strata) are taken one at a time, the parent
from the front and the worker from the back, until they meet. No split is fixed in advance, so
the share each process does follows how fast each really runs (the hashing speed of the
machine, a core taken by something else, the checks the verifier does first).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

R = TypeVar("R")
M = TypeVar("M")

MIN_PARALLEL = 50_000  # candidates: below this, a fork costs more than it saves
LOCK_TIMEOUT = 10.0  # seconds: a worker holding the claims lock longer than this is broken

# The worker count for calls that do not pass one (verify_task under audit_export). A context
# variable, not a global: a command line sets it for its own call, and no thread of a server
# ever sees it.
_WORKERS: ContextVar[int] = ContextVar("lottery_workers", default=1)


def default_workers() -> int:
    """The worker count set by the innermost :func:`using_workers` (1 outside any)."""
    return _WORKERS.get()


@contextmanager
def using_workers(workers: int) -> Iterator[None]:
    """Let the draw and verification calls inside the block use ``workers`` processes.

    Raises:
        ValueError: for a worker count below 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    token = _WORKERS.set(workers)
    try:
        yield
    finally:
        _WORKERS.reset(token)


def can_fork() -> bool:
    """Whether a child may be forked here: ``fork`` exists and only one thread runs."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def use_workers(workers: int, size: int) -> bool:
    """Whether ``workers`` processes should share work of ``size`` items.

    Raises:
        ValueError: for a worker count below 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return workers >= 2 and size >= MIN_PARALLEL and can_fork()


class Claims:
    """Items ``0 .. n-1`` taken one at a time: the parent from the front, a worker from the back.

    Each item is taken by exactly one side, so the parent holds a prefix and the worker the
    suffix that follows it. Created before the fork with ``shared=True`` (two integers and a
    lock in memory both processes map); with ``shared=False`` it is an ordinary object for the
    in-process path. If the lock cannot be had within :data:`LOCK_TIMEOUT` (the worker died
    holding it), the claims are marked :attr:`broken` and the parent stops taking items.
    """

    def __init__(self, n: int, *, shared: bool) -> None:
        """Claims over ``n`` items, in memory a forked child shares when ``shared``."""
        self.n = n
        self.broken = False
        if shared:
            ctx = multiprocessing.get_context("fork")
            self._ends: list[int] | Any = ctx.RawArray("q", [0, n])
            self._lock: Any = ctx.Lock()
        else:
            self._ends, self._lock = [0, n], None

    def _take(self, side: int) -> int | None:
        lock = self._lock
        if self.broken:
            return None
        if lock is not None and not lock.acquire(timeout=LOCK_TIMEOUT):
            self.broken = True
            return None
        try:
            ends = self._ends
            front, back = ends[0], ends[1]
            if front >= back:
                return None
            if side == 0:
                ends[0] = front + 1
                return int(front)
            ends[1] = back - 1
            return int(back - 1)
        finally:
            if lock is not None:
                lock.release()

    def front(self) -> int | None:
        """The next item from the front (the parent's side), or ``None`` when none is left."""
        return self._take(0)

    def back(self) -> int | None:
        """The next item from the back (the worker's side), or ``None`` when none is left."""
        return self._take(1)


class Inbox(Generic[M]):
    """Messages from the parent to the worker a :class:`Background` forks after this was made.

    A one-way pipe: the parent keeps only the sending end, the child only the receiving end,
    so a send to a dead child fails at once (never blocks) and a child whose parent died reads
    end-of-file. Without a fork the messages wait in a list for the in-process call.
    """

    def __init__(self, *, shared: bool) -> None:
        """An inbox for a child to be forked (``shared``), or an in-process one."""
        self._held: list[M] = []
        self._recv: Connection | None = None
        self._send: Connection | None = None
        if shared:
            self._recv, self._send = multiprocessing.get_context("fork").Pipe(duplex=False)

    def put(self, message: M) -> bool:
        """Send ``message`` (in the parent); false when the child is gone."""
        if self._send is None:  # in-process: the call reads it later
            self._held.append(message)
            return True
        try:
            self._send.send(message)
        except OSError:  # the child died: its result will be missing too
            return False
        return True

    def get(self) -> M:
        """The next message (in the child, or in-process).

        Raises:
            EOFError: when the parent is gone or will send nothing more.
        """
        if self._recv is None:
            if not self._held:
                raise EOFError("no message was sent")
            return self._held.pop(0)
        return self._recv.recv()  # type: ignore[no-any-return]

    def _forked(self, in_child: bool) -> None:
        """Keep only this side's end of the pipe."""
        end = self._send if in_child else self._recv
        if end is not None:
            end.close()
        if in_child:
            self._send = None
        else:
            self._recv = None

    def close(self) -> None:
        """Close the sending end: the child reads end-of-file."""
        if self._send is not None:
            self._send.close()
            self._send = None


def _child(fn: Callable[[], object], send: Connection, inbox: Inbox[Any] | None) -> None:
    if inbox is not None:
        inbox._forked(in_child=True)
    try:
        value = fn()
    except BaseException:  # any failure: the parent recomputes in-process
        send.close()
        return
    send.send(value)
    send.close()


class Background(Generic[R]):
    """``fn()`` computed in a forked child (or lazily in-process: ``fork`` false or unsafe)."""

    def __init__(
        self, fn: Callable[[], R], *, fork: bool = True, inbox: Inbox[Any] | None = None
    ) -> None:
        """Start ``fn`` in a child process when ``fork`` is true (see :func:`use_workers`);
        ``inbox`` (made before, shared) carries messages from this process to the child."""
        self._fn = fn
        self._recv: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None
        if fork and can_fork():  # never from a process with threads, whoever asks
            ctx = multiprocessing.get_context("fork")
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(fn, send, inbox), daemon=True)
            try:
                proc.start()
            except OSError:  # no memory or process slot for a fork: stay in-process
                recv.close()
            else:
                self._recv, self._proc = recv, proc
            send.close()  # the parent keeps only the reading end: EOF if the child dies
        if inbox is not None:  # no reader is left in this process: a send to no child fails
            inbox._forked(in_child=False)

    @property
    def forked(self) -> bool:
        """Whether a child process is (or was) computing the result."""
        return self._proc is not None

    def result(self) -> R:
        """The value of ``fn()``: from the child when it delivers, else computed here.

        Raises:
            Exception: whatever ``fn`` raises when it runs in-process.
        """
        recv, proc = self._recv, self._proc
        if recv is None or proc is None:
            return self._fn()
        self._recv = self._proc = None
        try:
            value: R = recv.recv()
        except (EOFError, OSError):
            value = self._fn()  # the child failed: same pure function, same answer
        finally:
            recv.close()
            proc.join()
        return value

    def delivered(self) -> R | None:
        """The child's value, or ``None`` when no child ran or it failed (nothing is
        recomputed: for work whose in-process fallback the caller does itself)."""
        recv, proc = self._recv, self._proc
        if recv is None or proc is None:
            return None
        self._recv = self._proc = None
        try:
            value: R | None = recv.recv()
        except (EOFError, OSError):
            value = None
        finally:
            recv.close()
            proc.join()
        return value

    def cancel(self) -> None:
        """Stop the child, if any, without waiting for its result."""
        recv, proc = self._recv, self._proc
        self._recv = self._proc = None
        if recv is not None and proc is not None:
            proc.kill()
            proc.join()
            recv.close()
