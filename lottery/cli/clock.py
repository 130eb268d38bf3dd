"""The commands' clock: one function, which tests replace in each command's module."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The wall clock (tests replace this function)."""
    return datetime.now(UTC)
