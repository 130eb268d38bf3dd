"""``lottery verify PATH_OR_URL``: audit a published export (or a site that carries one)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from lottery.core.audit import AuditReport, Getter, audit_export, checkpoint_origin
from lottery.core.cosignature import CosignatureVerifier
from lottery.core.deadline_audit import (
    CALENDAR_CHANGED,
    LATE,
    ON_TIME,
    UNCHECKED,
    PublicationAudit,
)
from lottery.core.errors import EncodingError, InputError
from lottery.core.note import NoteVerifier
from lottery.core.verify import Check
from lottery.core.witness_audit import WitnessPolicy
from lottery.runtime.forking import workers as fork_workers
from lottery.runtime.gcpause import gc_paused


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


def open_export(location: str) -> Getter:
    """A getter for an export directory, a site directory with ``export/``, or a URL.

    Raises:
        InputError: when nothing that looks like an export is found there.
    """
    from lottery.export.read import file_getter

    if location.startswith(("http://", "https://")):
        for base in (location, location.rstrip("/") + "/export"):
            get = _http_getter(base)
            try:
                get("checkpoint")
            except KeyError:
                continue
            return get
        raise InputError(f"no export (checkpoint) found at {location}")
    root = Path(location)
    for candidate in (root, root / "export"):
        if (candidate / "checkpoint").is_file():
            return file_getter(candidate)
    raise InputError(f"no export found at {location}: expected a 'checkpoint' file there")


def _verifiers(keys: list[str], get: Getter) -> tuple[list[NoteVerifier], bool]:
    lines: list[str] = []
    for key in keys:
        path = Path(key)
        if "+" not in key and path.is_file():
            lines += path.read_text("utf-8").split()
        else:
            lines.append(key)
    pinned = bool(lines)
    if not lines:
        try:
            lines = get("keys/office.vkey").decode("utf-8").split()
        except KeyError as exc:
            raise InputError("no --key given and the export publishes no keys/office.vkey") from exc
    return [NoteVerifier.from_vkey(v) for v in lines], pinned


def witness_policy(keys: list[str], quorum: int | None) -> WitnessPolicy | None:
    """The witnesses given as vkeys (or files of vkeys, one a line) and the quorum.

    Raises:
        InputError: for a malformed witness key, ``--quorum`` without witnesses, or a quorum
            outside ``1..number of witnesses``.
    """
    lines: list[str] = []
    for key in keys:
        path = Path(key)
        lines += path.read_text("utf-8").split() if "+" not in key and path.is_file() else [key]
    if not lines:
        if quorum is not None:
            raise InputError("--quorum needs at least one --witness")
        return None
    try:
        witnesses = tuple(CosignatureVerifier.from_vkey(v) for v in lines)
    except EncodingError as exc:
        raise InputError(f"--witness: {exc}") from exc
    return WitnessPolicy(witnesses, len(witnesses) if quorum is None else quorum)


def _report_json(report: AuditReport, pinned: bool, policy: WitnessPolicy | None = None) -> str:
    publications = report.publications or PublicationAudit()
    return json.dumps(
        {
            "ok": report.ok,
            "witnesses": [w.vkey for w in policy.witnesses] if policy else [],
            "quorum": policy.quorum if policy else None,
            "log": report.origin,
            "size": report.size,
            "keys_pinned": pinned,
            "checks": [{"check": c.name, "detail": c.detail} for c in report.checks],
            "tasks": {
                name: {
                    "status": t.status,
                    "checks": [{"check": c.name, "detail": c.detail} for c in t.checks],
                    "picks": len(t.outcome.picks()) if t.outcome else None,
                }
                for name, t in sorted(report.tasks.items())
            },
            "failures": [
                {"scope": scope, "check": failure.check, "detail": failure.detail}
                for scope, failure in report.failures
            ],
            "publications": [p.to_dict() for p in publications.publications],
            "publications_summary": publications.summary(),
            "calendar": {str(y): src for y, src in publications.calendar_sources.items()},
        },
        ensure_ascii=False,
        sort_keys=True,
    )


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
) -> None:
    """Audit a published log: checkpoints, every record, every task's draw."""
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    policy = witness_policy(witness or [], quorum)
    get = open_export(location)
    verifiers, pinned = _verifiers(key or [], get)
    try:
        origin = checkpoint_origin(get("checkpoint"))
    except KeyError as exc:
        raise InputError(f"no checkpoint at {location}") from exc
    from lottery.export.holidays import builtin_years

    with gc_paused():  # a command line runs one thread: forking and pausing are safe here
        report = audit_export(
            get,
            verifiers,
            origin=origin,
            task=task,
            witnesses=policy,
            calendar_years=builtin_years(),
            workers=fork_workers(workers),
        )
    if as_json:
        typer.echo(_report_json(report, pinned, policy))
        sys.exit(0 if report.ok else 1)
    if not pinned:
        typer.echo("note: keys taken from the export itself; pin them with --key", err=True)
    if policy is None:
        typer.echo(
            "note: announcement times are only the office's word; check witness cosignatures "
            "with --witness (docs/witness.md)",
            err=True,
        )
    for check in report.checks:
        typer.echo(f"ok    {check.name:<20} {check.detail}")
    for name, result in sorted(report.tasks.items()):
        for check in result.checks:
            typer.echo(f"ok    [{name}] {check.name:<20} {check.detail}")
        typer.echo(f"ok    [{name}] status: {result.status}")
    if report.publications is not None:
        _echo_publications(report.publications)
    for scope, failure in report.failures:
        for passed in failure.passed:
            if isinstance(passed, Check):
                typer.echo(f"ok    [{scope}] {passed.name:<20} {passed.detail}")
        typer.echo(f"FAIL  [{scope}] {failure.check:<20} {failure.detail}")
    if report.ok:
        typer.echo(f"VERIFIED: log {origin}, {report.size} records, {len(report.tasks)} tasks")
        return
    typer.echo(f"FAILED: {len(report.failures)} problem(s) in {origin}")
    sys.exit(1)


# Late is a finding, not an error: the record's claim verified. "skip" (no calendar data)
# and "note" (claimed with a calendar entry since replaced) are neither pass nor fail. A
# misstated deadline is printed with the failures (FAIL).
_MARKS = {ON_TIME: "ok", LATE: "ok", UNCHECKED: "skip", CALENDAR_CHANGED: "note"}


def _echo_publications(audit: PublicationAudit) -> None:
    """One line per publication deadline, then the summary line."""
    for publication in audit.publications:
        mark = _MARKS.get(publication.status)
        if mark:
            typer.echo(f"{mark:<5} [deadline] {publication.detail}")
    typer.echo(f"      [deadline] {audit.summary()}")


def register(app: typer.Typer) -> None:
    """Add ``lottery verify`` to ``app``."""
    app.command("verify")(verify_command)
