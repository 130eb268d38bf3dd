"""``lottery verify PATH_OR_URL``: audit a published export (or a site that carries one)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer

from lottery.core.audit import Getter, checkpoint_origin, state_after
from lottery.core.audit_state import AuditState
from lottery.core.canonical import format_time
from lottery.core.errors import EncodingError, InputError, LotteryError
from lottery.runtime.forking import workers as fork_workers
from lottery.runtime.gcpause import gc_paused
from lottery.verifier import output, run
from lottery.verifier.exit_status import (
    BAD_INPUT,
    NOT_RUN,
    FetchFailed,
    FetchWatch,
    fetch_failed_line,
    not_run_line,
    os_error_status,
)
from lottery.verifier.run import witness_policy

from .clock import utc_now
from .lang import LangOption, cli_lang
from .state_file import save_atomic

WorkersOption = Annotated[
    int, typer.Option(help="Processes for re-running the draws (1 = this process only).")
]
"""``--workers`` of the commands that re-run draws."""

__all__ = ["open_export", "verify_command", "witness_policy"]


def _http_getter(base: str) -> Getter:
    import httpx

    client = httpx.Client(timeout=30.0, follow_redirects=True)

    def get(path: str) -> bytes:
        url = f"{base.rstrip('/')}/{path}"
        try:
            response = client.get(url)
        except httpx.TransportError as exc:  # refused, DNS, timeout, TLS: not run (exit 3)
            raise FetchFailed(url, str(exc) or type(exc).__name__) from exc
        except httpx.HTTPError as exc:  # e.g. too many redirects: the address given (exit 2)
            raise InputError(f"cannot fetch {url}: {exc}") from exc
        if response.status_code in (404, 410):  # 410 Gone: a withdrawn sealed blob
            raise KeyError(path)
        if response.status_code >= 500:  # the server failed: nothing decided (exit 3)
            raise FetchFailed(url, f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise InputError(f"{url}: HTTP {response.status_code}")
        return response.content

    return get


def open_export(location: str, lang: str = "en") -> Getter:
    """A getter for an export directory, a site directory with ``export/``, or a URL.

    Raises:
        InputError: when nothing that looks like an export is found there.
    """
    return run.open_export(location, _http_getter, lang)


def verify_command(
    location: Annotated[str, typer.Argument(help="Export or site directory, or its URL.")],
    task: Annotated[str | None, typer.Option(help="Verify only this task.")] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(help="Pinned office key (vkey) or a file of vkeys; repeatable."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    witness: Annotated[
        list[str] | None,
        typer.Option(help="Trusted witness key (type 0x04 vkey) or a file of them; repeatable."),
    ] = None,
    quorum: Annotated[
        int | None, typer.Option(help="Witnesses that must agree (default: all given).")
    ] = None,
    workers: WorkersOption = 2,
    lang: LangOption = None,
    state: Annotated[
        Path | None,
        typer.Option(
            help="State file: go on from the last passing run, saved again after a passing "
            "run (docs/verifier.md)."
        ),
    ] = None,
) -> None:
    """Audit a published log: checkpoints, every record, every task's draw."""
    said = cli_lang(lang)
    try:
        _verify(location, task, key, as_json, witness, quorum, workers, said, state)
    except FetchFailed as exc:  # a site URL could not be read: nothing decided
        typer.echo(fetch_failed_line(exc, said), err=True)
        sys.exit(NOT_RUN)
    except (LotteryError, click.ClickException, click.exceptions.Exit, click.Abort):
        raise  # bad input (2) or a failed check (1): the command line's main says it
    except OSError as exc:
        if os_error_status(exc) == BAD_INPUT:
            raise  # a path named that is missing or unreadable: one line, 2
        typer.echo(not_run_line(exc, said), err=True)
        sys.exit(NOT_RUN)
    except Exception as exc:  # not the input's fault: never "failed" (1)
        typer.echo(not_run_line(exc, said), err=True)
        sys.exit(NOT_RUN)


def _verify(
    location: str,
    task: str | None,
    key: list[str] | None,
    as_json: bool,
    witness: list[str] | None,
    quorum: int | None,
    workers: int,
    said: str,
    state: Path | None,
) -> None:
    if workers < 1:
        raise InputError(
            f"--workers 至少为 1，而不是 {workers}"
            if said == "zh"
            else f"--workers must be at least 1, got {workers}"
        )
    policy = run.witness_policy(witness or [], quorum, said)
    watch = FetchWatch()  # a site read that failed mid-audit: exit 3, not a verdict
    get = run.open_export(location, lambda base: watch.watching(_http_getter(base)), said)
    previous = _load_state(state, task, said)
    if previous is None:
        verifiers, pinned = run.office_verifiers(key or [], get, said)
    else:
        verifiers, pinned = run.state_keys(previous, key or [], _origin(get), said)
    with gc_paused():  # a command line runs one thread: forking and pausing are safe here
        audit = run.run_audit(
            get,
            verifiers,
            pinned=pinned,
            policy=policy,
            task=task,
            workers=fork_workers(workers),
            lang=said,
            prior=previous.prior() if previous is not None else None,
            present=run.blob_listing(location) if previous is not None else None,
        )
    watch.check()
    if state is not None and audit.report.ok:
        now = format_time(utc_now())
        keys = [v.vkey for v in verifiers]
        kept = state_after(audit.report, keys, pinned=pinned, previous=previous, checked=now)
        save_atomic(state, kept.to_json())
    if as_json:
        typer.echo(output.report_json(audit))
        sys.exit(0 if audit.report.ok else 1)
    for line in output.notes(audit, said):
        typer.echo(line, err=True)
    for line in output.report_lines(audit, said):
        typer.echo(line)
    if not audit.report.ok:
        sys.exit(1)


def _load_state(path: Path | None, task: str | None, lang: str) -> AuditState | None:
    """The state of the last passing run, or None (no ``--state``, or no file there yet)."""
    if path is None:
        return None
    if task is not None:
        raise InputError(
            "--state 核验整个日志，不能与 --task 同用"
            if lang == "zh"
            else "--state audits the whole log: it cannot be used with --task"
        )
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os_error_status(exc) != BAD_INPUT:
            raise  # an I/O failure, not a bad file: exit 3
        raise InputError(f"--state {path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"--state {path}: {exc}") from exc
    try:
        return AuditState.from_json(text)
    except InputError as exc:
        if lang != "zh":
            raise
        raise InputError(
            f"状态文件 {path} 不可用（内容与其中的摘要不符，或格式不对），不能据此接续核验；"
            f"删除它即可重新完整核验。原因：{exc}"
        ) from exc


def _origin(get: Getter) -> str:
    try:
        return checkpoint_origin(get("checkpoint"))
    except (KeyError, EncodingError) as exc:
        raise InputError(f"checkpoint: {exc}") from exc


def register(app: typer.Typer) -> None:
    """Add ``lottery verify`` to ``app``."""
    app.command("verify")(verify_command)
