"""The single-file verifier's command line: ``python lottery-verify.pyz SITE_OR_URL``.

The same audit and the same output as ``lottery verify`` (:mod:`lottery.verifier.run`,
:mod:`lottery.verifier.output`), with ``argparse`` and ``urllib`` from the standard library in
place of typer and httpx, so that the file runs on a plain Python 3.11+ (docs/verifier.md).
Exit status (:mod:`lottery.verifier.exit_status`): 0 verified, 1 a check failed, 2 bad input
(one line on standard error), 3 the verifier could not run to the end (an environment failure,
or a site URL that could not be read: nothing was decided).
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

from lottery.core.audit import Getter
from lottery.core.errors import LotteryError, VerificationError
from lottery.runtime.forking import workers as fork_workers
from lottery.runtime.gcpause import gc_paused

from . import output, run
from .exit_status import (
    BAD_INPUT,
    FAILED,
    NOT_RUN,
    VERIFIED,
    FetchFailed,
    FetchWatch,
    fetch_failed_line,
    not_run_line,
    os_error_status,
)
from .lang import resolve_lang


def _http_getter(base: str) -> Getter:
    def get(path: str) -> bytes:
        url = f"{base.rstrip('/')}/{path}"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - http(s) only
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):  # 410 Gone: a withdrawn sealed blob
                raise KeyError(path) from exc
            if exc.code >= 500:  # the server failed: nothing decided (exit 3)
                raise FetchFailed(url, f"HTTP {exc.code}") from exc
            raise LotteryError(f"{url}: HTTP {exc.code}") from exc
        except urllib.error.URLError as exc:  # refused, DNS, TLS: nothing decided (exit 3)
            raise FetchFailed(url, str(exc.reason)) from exc
        except (OSError, http.client.HTTPException) as exc:  # a timeout, a dropped connection
            raise FetchFailed(url, str(exc) or type(exc).__name__) from exc

    return get


def _parser(zh: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lottery-verify.pyz",
        description=(
            "核验“双随机、一公开”抽查网站公开的日志、每次抽取和期限。"
            if zh
            else "Audit a spot-check lottery's published log, every draw and every deadline."
        ),
    )
    parser.add_argument("location", help="site or export directory, or its URL")
    parser.add_argument("--task", help="verify only this task")
    parser.add_argument(
        "--key", action="append", default=[], help="pinned office key (vkey) or a file of them"
    )
    parser.add_argument("--witness", action="append", default=[], help="trusted witness key")
    parser.add_argument("--quorum", type=int, help="witnesses that must agree (default: all)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--workers", type=int, default=2, help="processes for the re-draws")
    parser.add_argument("--lang", help="en or zh (default: the locale)")
    return parser


def _lang_in(argv: Sequence[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verifier; the exit status (0 verified, 1 failed, 2 bad input, 3 not run)."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    try:
        lang = resolve_lang(_lang_in(args_in), os.environ)
    except LotteryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    try:
        return _run(args_in, lang)
    except Exception as exc:  # any other failure: not run, never "failed" (1)
        print(not_run_line(exc, lang), file=sys.stderr)
        return NOT_RUN


def _run(args_in: list[str], lang: str) -> int:
    zh = lang == "zh"
    try:
        args = _parser(zh).parse_args(args_in)
    except SystemExit as exc:  # argparse printed its own usage line
        return VERIFIED if exc.code == 0 else BAD_INPUT
    if args.workers < 1:
        print(f"error: --workers must be at least 1, got {args.workers}", file=sys.stderr)
        return BAD_INPUT
    try:
        policy = run.witness_policy(args.witness, args.quorum, lang)
        watch = FetchWatch()  # a site read that failed mid-audit: exit 3, not a verdict
        get = run.open_export(args.location, lambda base: watch.watching(_http_getter(base)), lang)
        verifiers, pinned = run.office_verifiers(args.key, get, lang)
        with gc_paused():
            audit = run.run_audit(
                get,
                verifiers,
                pinned=pinned,
                policy=policy,
                task=args.task,
                workers=fork_workers(args.workers),
                lang=lang,
            )
        watch.check()
    except VerificationError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        return FAILED
    except FetchFailed as exc:
        print(fetch_failed_line(exc, lang), file=sys.stderr)
        return NOT_RUN
    except LotteryError as exc:
        print(f"错误：{exc}" if zh else f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except OSError as exc:
        if os_error_status(exc) != BAD_INPUT:
            raise  # not the input's fault: main says so, exit 3
        print(f"错误：{exc}" if zh else f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    if args.json:
        print(output.report_json(audit))
    else:
        for line in output.notes(audit, lang):
            print(line, file=sys.stderr)
        for line in output.report_lines(audit, lang):
            print(line)
    return VERIFIED if audit.report.ok else FAILED
