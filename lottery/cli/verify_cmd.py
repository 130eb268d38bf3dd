"""``lottery verify PATH_OR_URL``: audit a published export (or a site that carries one)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lottery.core.audit import Getter
from lottery.core.errors import InputError
from lottery.runtime.forking import workers as fork_workers
from lottery.runtime.gcpause import gc_paused
from lottery.verifier import output, run
from lottery.verifier.run import witness_policy

from .lang import cli_lang

__all__ = ["open_export", "verify_command", "witness_policy"]


def _http_getter(base: str) -> Getter:
    import httpx

    client = httpx.Client(timeout=30.0, follow_redirects=True)

    def get(path: str) -> bytes:
        try:
            response = client.get(f"{base.rstrip('/')}/{path}")
        except httpx.HTTPError as exc:
            raise InputError(f"cannot fetch {base}/{path}: {exc}") from exc
        if response.status_code in (404, 410):  # 410 Gone: a withdrawn sealed blob
            raise KeyError(path)
        if response.status_code != 200:
            raise InputError(f"{base}/{path}: HTTP {response.status_code}")
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
    workers: Annotated[
        int, typer.Option(help="Processes for re-running the draws (1 = this process only).")
    ] = 2,
    lang: Annotated[
        str | None,
        typer.Option(help="en or zh (中文); default: zh when the locale is Chinese, else en."),
    ] = None,
) -> None:
    """Audit a published log: checkpoints, every record, every task's draw."""
    said = cli_lang(lang)
    if workers < 1:
        raise InputError(
            f"--workers 至少为 1，而不是 {workers}"
            if said == "zh"
            else f"--workers must be at least 1, got {workers}"
        )
    policy = run.witness_policy(witness or [], quorum, said)
    get = open_export(location, said)
    verifiers, pinned = run.office_verifiers(key or [], get, said)
    with gc_paused():  # a command line runs one thread: forking and pausing are safe here
        audit = run.run_audit(
            get,
            verifiers,
            pinned=pinned,
            policy=policy,
            task=task,
            workers=fork_workers(workers),
            lang=said,
        )
    if as_json:
        typer.echo(output.report_json(audit))
        sys.exit(0 if audit.report.ok else 1)
    for line in output.notes(audit, said):
        typer.echo(line, err=True)
    for line in output.report_lines(audit, said):
        typer.echo(line)
    if not audit.report.ok:
        sys.exit(1)


def register(app: typer.Typer) -> None:
    """Add ``lottery verify`` to ``app``."""
    app.command("verify")(verify_command)
