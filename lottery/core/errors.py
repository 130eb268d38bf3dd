"""The core's exceptions.

Exception tree::

    LotteryError                 base of everything the core raises on purpose
    ├── InputError               a caller gave malformed or inconsistent input
    │   ├── EncodingError        bytes that do not parse as the format they claim
    │   └── InfeasibleError      a draw that could fail later; refused up front
    └── VerificationError        a published artifact failed a named check

Callers (CLI, API) show ``str(err)``; it always names what is wrong.
"""

from __future__ import annotations


class LotteryError(Exception):
    """Base class of every error the core raises on purpose."""


class InputError(LotteryError):
    """Malformed or inconsistent input from a caller."""


class EncodingError(InputError):
    """Bytes that do not parse as the format they claim to be."""


class InfeasibleError(InputError):
    """A task whose draw could fail; refused before anything is committed.

    Attributes:
        targets: ids of the candidates that lack eligible inspectors (may be empty when the
            problem is global, e.g. a workload cap that is too low).
    """

    def __init__(self, message: str, targets: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.targets = targets


class VerificationError(LotteryError):
    """A published artifact failed a check.

    Attributes:
        check: short stable name of the failed check (e.g. ``"record.signature"``,
            ``"merkle.inclusion"``, ``"draw.outcome"``).
        detail: human-readable explanation.
        passed: the checks that passed before this one (filled in by verifiers).
    """

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail
        self.passed: list[object] = []

    def diagnostics(self) -> str:
        """Return the text the CLI prints for this failure."""
        return f"verification failed [{self.check}]: {self.detail}"
