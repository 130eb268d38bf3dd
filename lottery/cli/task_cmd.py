"""``lottery task create|list|show|announce|draw|disclose|cancel|cancel-confirm|cancel-reject``.

A cancellation takes two people here too (docs/decisions.md): ``cancel`` only asks for it,
``cancel-confirm`` by another ``--actor`` cancels the task, ``cancel-reject`` withdraws or
refuses the request (:mod:`lottery.service.cancellations`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lottery.core.beacon import DrandBeacon, DrandValue
from lottery.core.errors import InputError
from lottery.service import cancellations
from lottery.service.drawing import draw_task
from lottery.service.taskfile import load_task_file

from .common import Actor, DataDir, actor_name, service_at, settings_for, utc_now

task_app = typer.Typer(
    help="Tasks: plan, announce, draw, disclose, cancel (two people).", no_args_is_help=True
)
TaskId = Annotated[str, typer.Argument(help="Task id.")]
SecretLost = Annotated[
    bool,
    typer.Option(
        "--secret-lost",
        help="The service cannot open the task's secret (lost with a restored database or the "
        "secrets key): the cancellation publishes no secret and says so (docs/operations.md). "
        "Refused when the secret opens.",
    ),
]


@task_app.command("create")
def create(
    task_file: Annotated[Path, typer.Argument(help="YAML or JSON task definition.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    disclose_early: Annotated[
        bool,
        typer.Option(
            "--disclose-early",
            help="Disclose at the announced time or once every result is reviewed, whichever "
            "comes first (as the file's disclose_early: true).",
        ),
    ] = False,
) -> None:
    """Create a draft task from a file (docs/service.md describes the layout)."""
    definition = load_task_file(task_file)
    if disclose_early:
        definition = definition.model_copy(update={"disclose_early": True})
    params = definition.to_params()
    now = utc_now()
    with service_at(data_dir) as service:
        task = service.create_task(
            params, now, actor=actor_name(actor), announce_at=definition.announce_time()
        )
    typer.echo(f"task {task.id} is {task.state}")
    for warning in service.draft_warnings(params, now):
        typer.echo(f"warning: {warning}", err=True)


@task_app.command("list")
def list_(data_dir: DataDir = Path("data")) -> None:
    """List the tasks."""
    with service_at(data_dir, signs=False) as service:
        for t in service.list_tasks():
            typer.echo(f"{t.id}\t{t.state}\t{t.title}")


@task_app.command("show")
def show(task_id: TaskId, data_dir: DataDir = Path("data")) -> None:
    """Print a task as JSON."""
    from lottery.api.schemas import TaskPublic

    with service_at(data_dir, signs=False) as service:
        typer.echo(TaskPublic.of(service.get_task(task_id)).model_dump_json(indent=2))


@task_app.command("announce")
def announce(task_id: TaskId, data_dir: DataDir = Path("data"), actor: Actor = None) -> None:
    """Freeze the pools and publish the commitment."""
    with service_at(data_dir) as service:
        record = service.announce(task_id, utc_now(), actor=actor_name(actor))
    typer.echo(f"task {task_id} announced: record {record.id}")


@task_app.command("draw")
def draw(
    task_id: TaskId,
    drand_signature: Annotated[
        str | None, typer.Option(help="The announced drand round's signature (hex).")
    ] = None,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Draw with the announced drand round; the outcome stays sealed.

    Without ``--drand-signature`` the round is fetched from the configured relays.
    """
    signature = None
    if drand_signature is not None:
        try:
            signature = bytes.fromhex(drand_signature)
        except ValueError:
            raise InputError("--drand-signature must be hex") from None
    relays = settings_for(data_dir).drand_relays

    def fetch(beacon: DrandBeacon) -> DrandValue:
        # A client only when a round is fetched: a draw with a signature needs no relay.
        from lottery.service.drand_client import DrandClient

        client = DrandClient(relays)
        try:
            return client.fetch_for(beacon)
        finally:
            client.close()

    with service_at(data_dir) as service:
        outcome = draw_task(
            service, task_id, utc_now(), actor=actor_name(actor), signature=signature, fetch=fetch
        )
    record = outcome.drawn()  # not drawn: the reason is the one line the CLI prints
    typer.echo(
        f"task {task_id} drawn (sealed): record {record.id}, outcome {record.body['outcome']}"
    )


@task_app.command("disclose")
def disclose(task_id: TaskId, data_dir: DataDir = Path("data"), actor: Actor = None) -> None:
    """Reveal the secret and the outcome (at or after the disclosure time; earlier when the
    task allows it and every pick's result is reviewed), with the held results."""
    with service_at(data_dir) as service:
        record = service.disclose(task_id, utc_now(), actor=actor_name(actor))
    typer.echo(f"task {task_id} disclosed: record {record.id}")


@task_app.command("cancel")
def cancel(
    task_id: TaskId,
    reason: Annotated[str, typer.Option(help="Why (published once confirmed).")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    secret_lost: SecretLost = False,
) -> None:
    """Ask for the cancellation of an announced or drawn task; another person confirms it.

    Nothing is published yet: ``lottery task cancel-confirm`` by a different ``--actor``
    cancels the task (its secret, and outcome, are then revealed; with ``--secret-lost``,
    nothing is revealed and the record says the secret is lost).
    """
    with service_at(data_dir) as service:
        request = cancellations.request_cancel(
            service, task_id, reason, actor_name(actor), utc_now(), secret_lost=secret_lost
        )
    confirm = "lottery task cancel-confirm" + (" --secret-lost" if secret_lost else "")
    typer.echo(
        f"task {task_id}: cancellation requested by {request.requested_by}, pending; "
        f"another person must confirm it ({confirm})"
    )


@task_app.command("cancel-confirm")
def cancel_confirm(
    task_id: TaskId,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    secret_lost: SecretLost = False,
) -> None:
    """Confirm the pending cancellation (not its author): the task is cancelled.

    ``--secret-lost`` exactly when the request was made with it."""
    with service_at(data_dir) as service:
        record = cancellations.confirm_cancel(
            service, task_id, actor_name(actor), utc_now(), secret_lost=secret_lost
        )
    lost = " (secret lost: nothing revealed)" if secret_lost else ""
    typer.echo(f"task {task_id} cancelled{lost}: record {record.id}")


@task_app.command("cancel-reject")
def cancel_reject(
    task_id: TaskId,
    reason: Annotated[str, typer.Option(help="Why the request is withdrawn or refused.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Withdraw (its author) or refuse (anyone else) the pending cancellation request."""
    with service_at(data_dir) as service:
        request = cancellations.reject_cancel(
            service, task_id, actor_name(actor), reason, utc_now()
        )
    typer.echo(f"task {task_id}: the cancellation requested by {request.requested_by} is void")


def register(app: typer.Typer) -> None:
    """Add ``lottery task`` to ``app``."""
    app.add_typer(task_app, name="task")
