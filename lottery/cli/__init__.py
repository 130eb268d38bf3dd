"""The ``lottery`` command.

Each command group lives in its own module and registers itself on :data:`app`. :func:`main`
turns every expected error into one line on stderr and a non-zero exit, never a stack trace.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
import typer.main

from lottery.core.errors import LotteryError, VerificationError
from lottery.verifier.exit_status import NOT_READ, FetchFailed, fetch_failed_line
from lottery.verifier.lang import resolve_lang

from . import lang as cli_lang_state
from .words_zh import error_line


def _root(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of messages: en or zh (中文); default zh when the locale is Chinese.",
        ),
    ] = None,
) -> None:
    """Publicly verifiable spot-check lottery (双随机、一公开)."""
    cli_lang_state.GLOBAL_LANG = None if lang is None else resolve_lang(lang, os.environ)


def _lang_of(argv: Sequence[str]) -> str:
    """The language of the one-line errors: the last ``--lang`` in ``argv``, else the locale;
    English when the value is not one (the command itself then refuses it)."""
    option = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            option = argv[i + 1]
        elif arg.startswith("--lang="):
            option = arg.split("=", 1)[1]
    try:
        return resolve_lang(option, os.environ)
    except LotteryError:
        return "en"


@functools.cache
def make_app() -> typer.Typer:
    """The ``lottery`` command with every subcommand registered, made once a process: the
    command groups are module-level apps, so a second registration would add every command to
    them again (in-process callers, the tests, then paid more on every call)."""
    from . import (
        backup_cmd,
        beacon_cmd,
        bench_cmd,
        calendar_cmd,
        checkpoint_cmd,
        demo_cmd,
        documents_cmd,
        exchange_cmd,
        import_cmd,
        key_cmd,
        monitor_cmd,
        objection_cmd,
        plan_cmd,
        publish_cmd,
        rectification_cmd,
        result_cmd,
        results_cmd,
        rfc3797_cmd,
        service_cmd,
        signer_cmd,
        site_cmd,
        task_cmd,
        user_cmd,
        verifier_cmd,
        verify_cmd,
        witness_cmd,
    )

    app = typer.Typer(
        name="lottery",
        help="Publicly verifiable spot-check lottery (双随机、一公开).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    for module in (
        rfc3797_cmd,
        beacon_cmd,
        bench_cmd,
        verify_cmd,
        verifier_cmd,
        demo_cmd,
        publish_cmd,
        service_cmd,
        site_cmd,
        user_cmd,
        task_cmd,
        calendar_cmd,
        import_cmd,
        plan_cmd,
        results_cmd,
        documents_cmd,
        rectification_cmd,
        exchange_cmd,
        objection_cmd,
        result_cmd,
        witness_cmd,
        monitor_cmd,
        checkpoint_cmd,
        backup_cmd,
        key_cmd,
        signer_cmd,
    ):
        module.register(app)
    return app


@functools.cache
def command() -> Callable[..., Any]:
    """The click command Typer builds from :func:`make_app`, built once a process (typer
    builds it from about a hundred functions' signatures: about a second of CPU, which a
    call to the Typer app would pay on every call; the test suite runs :func:`main`
    in-process hundreds of times)."""
    return typer.main.get_command(make_app())


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    lang = _lang_of(sys.argv[1:] if argv is None else argv)
    cli_lang_state.GLOBAL_LANG = None
    try:
        # Not standalone: usage errors come back here and are printed as one line.
        code = command()(args=argv, standalone_mode=False)
    except typer.TyperException as exc:  # click's usage and parameter errors
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group given no command: its help
            print(exc.format_message(), file=sys.stderr)
        else:
            hint = ctx.command_path if ctx is not None else None
            print(error_line(exc.format_message(), lang, hint), file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 2))
    except typer.Abort:
        print("已取消" if lang == "zh" else "aborted", file=sys.stderr)
        sys.exit(1)
    except VerificationError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        sys.exit(1)
    except FetchFailed as exc:  # a log read by URL could not be read: nothing decided
        print(fetch_failed_line(exc, lang), file=sys.stderr)
        sys.exit(NOT_READ)
    except LotteryError as exc:
        print(error_line(str(exc), lang), file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        message = f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": ")
        print(error_line(message, lang), file=sys.stderr)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
