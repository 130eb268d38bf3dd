"""APScheduler's SQLAlchemy job store, hardened for a database shared by several instances.

APScheduler 3 does not coordinate schedulers that share a job store, and its main loop does
not catch job-store errors: one escaping would stop that instance's scheduling silently.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)


class SharedJobStore(SQLAlchemyJobStore):  # type: ignore[misc]  # APScheduler 3 has no types
    """The SQLAlchemy job store, hardened for a shared database.

    Another instance may remove a job between our reading and updating it, and a database
    hiccup must not kill APScheduler's main loop (which does not catch these): both are
    logged and retried at the next wake-up (the sweep guarantees one). The engine belongs to
    the lifecycle, so shutting the store down does not dispose of it.
    """

    def update_job(self, job: object) -> None:
        try:
            super().update_job(job)
        except (JobLookupError, SQLAlchemyError) as exc:
            logger.info("job store update skipped: %s", exc)

    def remove_job(self, job_id: str) -> None:
        try:
            super().remove_job(job_id)
        except SQLAlchemyError as exc:
            logger.warning("job store remove failed: %s", exc)

    def get_next_run_time(self) -> datetime | None:
        try:
            result: datetime | None = super().get_next_run_time()
        except SQLAlchemyError as exc:
            logger.warning("job store unavailable: %s", exc)
            return None
        return result

    def shutdown(self) -> None:
        pass
