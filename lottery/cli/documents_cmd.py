"""``lottery documents issue|list|get|owed``: the law's documents of a drawn target
(docs/documents.md).

Run by office staff on the service's machine (as ``task draw`` is): every issue and every
``get`` is an audit event under ``--actor``. The 检查结果告知书 is issued by the approval of
the result, not here; ``owed`` issues those a disclosure left owed (as the scheduler's sweep
does), for an office that runs no scheduler.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import Actor, DataDir, actor_name, output_file, service_at, settings_for, utc_now

documents_app = typer.Typer(
    help="Documents: 行政检查通知书, 现场检查笔录, 检查结果告知书 (PDF).", no_args_is_help=True
)
TaskId = Annotated[str, typer.Argument(help="Task id.")]


if TYPE_CHECKING:
    from lottery.service.documents import DocumentsService
    from lottery.service.lifecycle import Lifecycle


def _documents(service: Lifecycle, data_dir: Path) -> DocumentsService:
    from lottery.service.document_issue import DocumentConfig
    from lottery.service.documents import DocumentsService

    return DocumentsService(service, DocumentConfig.from_settings(settings_for(data_dir)))


@documents_app.command("issue")
def issue(
    task_id: TaskId,
    target: Annotated[str, typer.Argument(help="The picked target's USCC.")],
    kind: Annotated[str, typer.Argument(help="notice (通知书) or record (现场检查笔录).")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Issue a document (again: the same one unless its data changed)."""
    with service_at(data_dir, signs=False) as service:  # documents are not records of the log
        doc = _documents(service, data_dir).issue(
            task_id, target, kind, utc_now(), actor=actor_name(actor)
        )
    typer.echo(f"{doc.id}\t{doc.kind}\t{doc.number}\t{doc.sha256}")


@documents_app.command("list")
def list_(task_id: TaskId, data_dir: DataDir = Path("data")) -> None:
    """List a task's documents: id, kind, number, status, target, SHA-256."""
    with service_at(data_dir, signs=False) as service:
        for d in _documents(service, data_dir).list(task_id):
            typer.echo(f"{d.id}\t{d.kind}\t{d.number}\t{d.status}\t{d.target}\t{d.sha256}")


@documents_app.command("get")
def get(
    doc_id: Annotated[int, typer.Argument(help="Document id (from `documents list`).")],
    out: Annotated[Path, typer.Argument(help="Where to write the PDF.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Write a document's PDF (audited ``document.download``)."""
    target = output_file(out)
    with service_at(data_dir, signs=False) as service:
        doc = _documents(service, data_dir).download(doc_id, utc_now(), actor=actor_name(actor))
    target.write_bytes(doc.pdf)
    typer.echo(f"{doc.number}\t{doc.size} bytes\t{target}")


@documents_app.command("owed")
def owed(data_dir: DataDir = Path("data"), actor: Actor = None) -> None:
    """Issue the 检查结果告知书 still owed to published or held results (docs/documents.md)."""
    from lottery.service.result_notices import issue_owed

    with service_at(data_dir) as service:
        told = issue_owed(service.engine, service.log, utc_now(), actor=actor_name(actor))
    if told.owed or told.error:
        why = told.error or "原因见服务日志"
        typer.echo(f"已出具 {told.issued} 份检查结果告知书，其余未能出具：{why}", err=True)
        raise typer.Exit(1)
    typer.echo(f"已出具 {told.issued} 份检查结果告知书，没有待出具的告知书")


def register(app: typer.Typer) -> None:
    """Add ``lottery documents``."""
    app.add_typer(documents_app, name="documents")
