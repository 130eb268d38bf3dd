"""The console's registry checks and imports, run in a background thread with their progress.

A check or an import of a large file takes a while; the page that started it answers at once
with a status page (:mod:`.registry_pages`) that follows the job and, when it ends, shows the
same outcome page as before. The work itself is the service's (``registries.check_registry``
and ``import_registry``, called with the kept file opened as a stream); this module only runs
it off the request and reports how far it got:

- **progress**: the position of the file's descriptor (``os.lseek(fd, 0, SEEK_CUR)``, read
  from the status request's thread without disturbing the reader), as bytes read of the
  file's size. Parsing reads the file front to back; the SHA-256 pass that follows re-reads
  it, so the highest position seen is kept. Once the whole file is read the job is in its
  last phase (comparing with the registry, or writing it);
- **one job per file**: a second check or confirmation of the same kept file (same kind and
  SHA-256) while one runs joins the running job instead of starting another, so a double
  click cannot import a file twice;
- jobs live in the process's memory (one ``lottery serve`` process): a finished job is kept
  for :data:`KEEP_DONE` seconds so its page can be reloaded, then forgotten.

The clock of the service calls is the request's (``now``), so tests drive it as before; the
job's own bookkeeping uses a monotonic clock only to forget old jobs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from fastapi import Request

KEEP_DONE = 3600.0  # seconds a finished job's page stays available
MAX_JOBS = 200  # finished jobs kept at most (the oldest are forgotten first)
GRACE = 1.5  # seconds a request waits for a quick job before showing the status page

Work = Callable[[BinaryIO], Any]
"""The service call: given the kept file opened for reading, its outcome (or it raises)."""


@dataclass
class ImportJob:
    """One check or import of a kept file.

    Attributes:
        id: random, names the status page.
        kind, step, digest: the registry, ``"check"`` or ``"confirm"``, the file's SHA-256.
        actor: who started it.
        size: the file's size in bytes.
        read: the most bytes read so far.
        outcome: the service's return value once done; ``error`` the exception it raised.
    """

    id: str
    kind: str
    step: str
    digest: str
    actor: str
    size: int
    read: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Any = None
    error: BaseException | None = None
    finished_at: float | None = None
    _fd: int | None = None

    @property
    def running(self) -> bool:
        """Whether the service call has not returned yet."""
        return not self.done.is_set()

    def position(self) -> int:
        """Bytes read so far (the highest position of the file seen), at most the size."""
        fd = self._fd
        if fd is not None:
            with contextlib.suppress(OSError):  # closed meanwhile: the job is done
                self.read = max(self.read, min(os.lseek(fd, 0, os.SEEK_CUR), self.size))
        return self.read

    def percent(self) -> int:
        """Whole percent of the file read (100 for an empty file)."""
        return 100 if self.size == 0 else min(100, self.position() * 100 // self.size)


class ImportJobs:
    """The app's running and recently finished jobs (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, grace: float = GRACE) -> None:
        """``clock``: monotonic seconds, only to forget finished jobs; ``grace``: how long the
        request that starts a job waits for it (a small file's outcome then shows at once)."""
        self._clock = clock
        self.grace = grace
        self._lock = threading.Lock()
        self._jobs: dict[str, ImportJob] = {}

    def start(
        self, kind: str, step: str, digest: str, path: Path, actor: str, work: Work
    ) -> ImportJob:
        """Run ``work`` on the file at ``path`` in a new thread; or, when a job on the same
        file (kind and SHA-256) is running, return that one and start nothing."""
        with self._lock:
            self._forget_old()
            for job in self._jobs.values():
                if job.running and (job.kind, job.digest) == (kind, digest):
                    return job
            job = ImportJob(
                secrets.token_urlsafe(16), kind, step, digest, actor, path.stat().st_size
            )
            self._jobs[job.id] = job
        thread = threading.Thread(
            target=self._run, args=(job, path, work), name=f"import-{kind}", daemon=True
        )
        thread.start()
        return job

    def get(self, job_id: str) -> ImportJob | None:
        """A job by id (None: unknown, or forgotten)."""
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: ImportJob, path: Path, work: Work) -> None:
        try:
            with open(path, "rb") as fh:
                job._fd = fh.fileno()
                try:
                    job.outcome = work(fh)
                finally:
                    job.position()
                    job._fd = None
        except BaseException as exc:
            job.error = exc
        finally:
            job.finished_at = self._clock()
            job.done.set()

    def _forget_old(self) -> None:
        now = self._clock()
        finished = sorted(
            (j.finished_at, j.id) for j in self._jobs.values() if j.finished_at is not None
        )
        extra = max(0, len(finished) - MAX_JOBS)
        for number, (at, job_id) in enumerate(finished):
            if number < extra or now - at > KEEP_DONE:
                del self._jobs[job_id]


_CREATE = threading.Lock()


def jobs_of(request: Request) -> ImportJobs:
    """The app's :class:`ImportJobs` (made on first use)."""
    state = request.app.state
    with _CREATE:
        jobs = getattr(state, "import_jobs", None)
        if not isinstance(jobs, ImportJobs):
            jobs = state.import_jobs = ImportJobs()
    return jobs
