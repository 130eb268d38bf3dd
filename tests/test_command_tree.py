"""``lottery`` called again in one process (as the tests and the benchmarks do) reuses its
command tree: the command groups are module-level Typer apps, and registering them on every
call added each command to them again, so that every call built a larger tree than the last."""

from __future__ import annotations

import pytest

from lottery.cli import main, make_app, witness_cmd


def _witness_help() -> None:
    with pytest.raises(SystemExit) as done:
        main(["witness", "--help"])
    assert done.value.code in (0, None)


def test_a_second_call_registers_nothing_again(capsys: pytest.CaptureFixture[str]) -> None:
    _witness_help()
    first = capsys.readouterr().out
    names = [c.name for c in witness_cmd.app.registered_commands]
    _witness_help()
    assert capsys.readouterr().out == first
    again = [c.name for c in witness_cmd.app.registered_commands]
    assert again == names and len(set(names)) == len(names) and "keygen" in names
    assert make_app() is make_app()
