"""What the service's own storage promises, checked where it is read (never with ``assert``).

A task that is announced has its announcement record; a drawn task has its sealed outcome; a
flushed row has its id. When one of these is missing the database was damaged or the code is
wrong: :class:`StoredDataMissing` says which, and the API answers 500 (a fault of the service,
not of the caller), the command line one line. Unlike ``assert``, the check stays under
``python -O``.
"""

from __future__ import annotations

from typing import TypeVar

from lottery.core.errors import LotteryError

T = TypeVar("T")


class StoredDataMissing(LotteryError):
    """The database lacks something the service's state promises (a task's secret, its sealed
    outcome, a record just appended): a fault of the service or its storage, never the caller's."""


def stored(value: T | None, what: str) -> T:
    """``value``, which the stored state promises is there.

    Raises:
        StoredDataMissing: naming ``what`` when it is ``None``.
    """
    if value is None:
        raise StoredDataMissing(f"the database lacks {what}")
    return value
