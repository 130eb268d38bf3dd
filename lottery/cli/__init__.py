"""The ``lottery`` command.

Each command group lives in its own module and registers itself on :data:`app`. :func:`main`
turns every expected error into one line on stderr and a non-zero exit, never a stack trace.
"""

from __future__ import annotations

import sys

import typer

from lottery.core.errors import LotteryError, VerificationError


def make_app() -> typer.Typer:
    """The ``lottery`` command with every subcommand registered (a new app on each call)."""
    from . import (
        beacon_cmd,
        bench_cmd,
        calendar_cmd,
        checkpoint_cmd,
        demo_cmd,
        documents_cmd,
        import_cmd,
        publish_cmd,
        rectification_cmd,
        result_cmd,
        results_cmd,
        rfc3797_cmd,
        service_cmd,
        site_cmd,
        task_cmd,
        user_cmd,
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
    for module in (
        rfc3797_cmd,
        beacon_cmd,
        bench_cmd,
        verify_cmd,
        demo_cmd,
        publish_cmd,
        service_cmd,
        site_cmd,
        user_cmd,
        task_cmd,
        calendar_cmd,
        import_cmd,
        results_cmd,
        documents_cmd,
        rectification_cmd,
        result_cmd,
        witness_cmd,
        checkpoint_cmd,
    ):
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    app = make_app()
    try:
        # Not standalone: usage errors come back here and are printed as one line.
        code = app(args=argv, standalone_mode=False)
    except typer.TyperException as exc:  # click's usage and parameter errors
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group given no command: its help
            print(exc.format_message(), file=sys.stderr)
        else:
            hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
            print(f"error: {exc.format_message()}{hint}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 2))
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(1)
    except VerificationError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        sys.exit(1)
    except LotteryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        print(
            f"error: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "),
            file=sys.stderr,
        )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
