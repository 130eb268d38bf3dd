"""Reading a new password for the CLI: from an environment variable or a hidden prompt.

The password policy (:mod:`lottery.service.password_policy`) is checked here, before any work:
a password from the environment that breaks a rule ends the command with one line naming the
rule; at the prompt the rule is shown and the question asked again (three tries).
"""

from __future__ import annotations

import os

import typer

from lottery.service.password_policy import PasswordPolicyError, check_password

PROMPT_TRIES = 3


def read_new_password(env: str, name: str) -> str:
    """The new password of user ``name``: ``$env`` if set, else typed twice at a prompt.

    Raises:
        PasswordPolicyError: when the password from ``$env``, or the last one typed, breaks a rule.
    """
    password = os.environ.get(env)
    if password is not None:
        check_password(password, name)
        return password

    # click hides a value_proc's message for hidden input, so the rule is shown here.
    for attempt in range(PROMPT_TRIES):
        typed: str = typer.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
        try:
            check_password(typed, name)
        except PasswordPolicyError as exc:
            if attempt + 1 == PROMPT_TRIES:
                raise
            typer.echo(f"{exc}；请重新输入", err=True)
            continue
        return typed
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
