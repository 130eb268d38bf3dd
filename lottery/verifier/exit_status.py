"""The verifier's exit statuses, and which failure gets which (docs/verifier.md, "Exit status").

A script (deploy/site-swap.sh) acts on them: 1 and 2 mean the site was looked at and is not
accepted, so there is no point in trying the same version again; 3 means it was not checked
at all (the machine failed: a fork refused, an I/O error, too many open files, no memory, a
Python too old; or a site URL could not be read: :class:`FetchFailed`), so the same version
should be tried again later.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from lottery.core.errors import LotteryError

VERIFIED = 0
"""Every check passed."""
FAILED = 1
"""A check failed: the site was checked and is not right."""
BAD_INPUT = 2
"""Wrong use or bad input: an option, a key, a place with no export, a file that is missing or
cannot be read."""
NOT_RUN = 3
"""The verifier could not run to the end (an environment failure): nothing was decided."""
NOT_READ = 5
"""The status of the other ``lottery`` commands that read a log by URL (``monitor``, ``witness
cosign``, ``witness push``, ``recover``) when a read failed (:class:`FetchFailed`): nothing was
decided or saved; try again later. Not :data:`NOT_RUN`: ``lottery monitor``'s 3 is an alarm."""

_INPUT_ERRNOS = frozenset(
    {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EACCES,
        errno.EPERM,
        errno.ELOOP,
        errno.ENAMETOOLONG,
    }
)
"""A path that does not exist or may not be read: the user named something wrong."""


def os_error_status(exc: OSError) -> int:
    """:data:`BAD_INPUT` for a named path that is missing or may not be read; :data:`NOT_RUN`
    for every other OS failure (EIO, EMFILE, ENOMEM, ENOSPC, a fork that failed, a broken
    pipe): those say nothing about the input."""
    if exc.errno in _INPUT_ERRNOS and exc.filename is not None:
        return BAD_INPUT
    return NOT_RUN


def not_run_line(exc: BaseException, lang: str) -> str:
    """The one line printed when the verifier could not run to the end."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if lang == "zh":
        return f"错误：核验程序未能运行完毕（运行环境出错，不是核验未通过），请稍后重试：{what}"
    return (
        "error: the verifier could not run to the end "
        f"(an environment failure, not a failed check): {what}"
    )


class FetchFailed(LotteryError):
    """A URL of the site could not be read: the network failed (connection refused, a timeout,
    a name that does not resolve, a TLS failure, a dropped connection) or the server answered
    with a 5xx error. Nothing about the site was decided: the verifier's front ends exit
    :data:`NOT_RUN`; the other commands exit :data:`NOT_READ`.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot fetch {url}: {reason}")
        self.url = url
        self.reason = reason


def fetch_failed_line(exc: FetchFailed, lang: str) -> str:
    """The one line printed when a site URL could not be read (exit :data:`NOT_RUN`)."""
    if lang == "zh":
        return f"错误：无法读取 {exc.url}（{exc.reason}）：网络或服务器故障，未作核验，请稍后重试"
    return (
        f"error: cannot read {exc.url} ({exc.reason}): a network or server failure, "
        "nothing was checked; try again later"
    )


class FetchWatch:
    """Remembers the first :class:`FetchFailed` of a run's site reads, even one that a check
    caught and recorded as a failed check (a blob that could not be read fails ``blob.pool``,
    say): the front ends then exit :data:`NOT_RUN` whatever the report says, since a read
    that failed decided nothing about the site."""

    def __init__(self) -> None:
        self.first: FetchFailed | None = None

    def watching(self, get: Callable[[str], bytes]) -> Callable[[str], bytes]:
        """``get``, noting the first :class:`FetchFailed` it raises (raised on as before)."""

        def fetch(path: str) -> bytes:
            try:
                return get(path)
            except FetchFailed as exc:
                if self.first is None:
                    self.first = exc
                raise

        return fetch

    def check(self) -> None:
        """Raise the first read that failed, if any (call it before reporting)."""
        if self.first is not None:
            raise self.first
