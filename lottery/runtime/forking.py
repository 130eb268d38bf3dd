"""Forking a worker for the draw and the verifier: the only module that touches processes.

The core describes how work is shared (:mod:`lottery.core.sharing`); this module gives it a
second process. A forked child inherits the parent's memory (copy-on-write), so it receives
nothing over a pipe: it runs a closure over data already in memory and sends back only its
(small) result. Any failure of the child (crash, kill, an exception, a result that does not
arrive) makes :meth:`Background.result` run the same closure in the parent instead: the answer
is the same either way, only slower.

Forking is opt-in (:func:`workers` with ``n >= 2``) and used only when it is safe and worth it:

- the ``fork`` start method exists (not on Windows);
- the calling process runs a single thread: forking a threaded process (a web server with
  APScheduler and uvicorn) can leave the child holding locks that other threads owned, so
  such callers always get the in-process path, whatever they ask for;
- the work is large enough (:data:`MIN_PARALLEL`) to repay the few milliseconds of a fork.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from lottery.core.sharing import SERIAL, Claims, Inbox, Job, Workers

R = TypeVar("R")
M = TypeVar("M")

MIN_PARALLEL = 50_000  # candidates: below this, a fork costs more than it saves
LOCK_TIMEOUT = 10.0  # seconds: a worker holding the claims lock longer than this is broken


def can_fork() -> bool:
    """Whether a child may be forked here: ``fork`` exists and only one thread runs."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class SharedClaims(Claims):
    """:class:`~lottery.core.sharing.Claims` in memory a forked child shares: two integers and
    a lock, made before the fork. If the lock cannot be had within :data:`LOCK_TIMEOUT` (the
    worker died holding it), the claims are marked ``broken`` and no more items are taken."""

    def __init__(self, n: int) -> None:
        """Shared claims over ``n`` items."""
        super().__init__(n)
        ctx = multiprocessing.get_context("fork")
        self._ends = ctx.RawArray("q", [0, n])
        self._lock: Any = ctx.Lock()

    def _take(self, side: int) -> int | None:
        if self.broken:
            return None
        if not self._lock.acquire(timeout=LOCK_TIMEOUT):
            self.broken = True
            return None
        try:
            return super()._take(side)
        finally:
            self._lock.release()


class PipeInbox(Generic[M]):
    """Messages from the parent to the worker a :class:`Background` forks after this was made.

    A one-way pipe: the parent keeps only the sending end, the child only the receiving end,
    so a send to a dead child fails at once (never blocks) and a child whose parent died reads
    end-of-file.
    """

    def __init__(self) -> None:
        """A pipe for a child to be forked."""
        pipe = multiprocessing.get_context("fork").Pipe(duplex=False)
        self._recv: Connection | None = pipe[0]
        self._send: Connection | None = pipe[1]

    def put(self, message: M) -> bool:
        """Send ``message`` (in the parent); false when the child is gone or the inbox closed."""
        if self._send is None:
            return False
        try:
            self._send.send(message)
        except OSError:  # the child died: its result will be missing too
            return False
        return True

    def get(self) -> M:
        """The next message (in the child).

        Raises:
            EOFError: when the parent is gone or will send nothing more.
        """
        if self._recv is None:
            raise EOFError("this end of the inbox is closed")
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


def _child(fn: Callable[[], object], send: Connection, inbox: PipeInbox[Any] | None) -> None:
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
        self, fn: Callable[[], R], *, fork: bool = True, inbox: PipeInbox[Any] | None = None
    ) -> None:
        """Start ``fn`` in a child process when ``fork`` is true (see :meth:`ForkWorkers.share`);
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


class ForkWorkers:
    """:class:`~lottery.core.sharing.Workers` that share large work with one forked child."""

    def __init__(self, n: int) -> None:
        """Up to ``n`` processes (this one and ``n - 1`` workers; one worker is used).

        Raises:
            ValueError: for a count below 1.
        """
        if n < 1:
            raise ValueError(f"workers must be at least 1, got {n}")
        self.n = n

    def share(self, size: int) -> bool:
        """Whether work of ``size`` items should be shared: two processes asked for, enough
        work to repay a fork, and a process that may fork now."""
        return self.n >= 2 and size >= MIN_PARALLEL and can_fork()

    def claims(self, n: int) -> Claims:
        """Claims a child forked after this call shares."""
        return SharedClaims(n)

    def inbox(self) -> Inbox[Any]:
        """A pipe to the child forked after this call."""
        return PipeInbox()

    def start(self, fn: Callable[[], R], inbox: Inbox[Any] | None = None) -> Job[R]:
        """Fork a child computing ``fn()`` (in-process, lazily, when a fork is unsafe)."""
        pipe = inbox if isinstance(inbox, PipeInbox) else None
        return Background(fn, fork=True, inbox=pipe)


def workers(n: int) -> Workers:
    """The workers for a ``--workers n`` option: :data:`~lottery.core.sharing.SERIAL` for 1.

    Raises:
        ValueError: for a count below 1.
    """
    if n < 1:
        raise ValueError(f"workers must be at least 1, got {n}")
    return SERIAL if n == 1 else ForkWorkers(n)
