"""``lottery result checklist|enter``: a task's checklist, and a result entered from a file.

``enter`` reads the JSON the API takes (``POST /api/tasks/{task}/results``, docs/results.md),
with evidence files named by path instead of base64: each evidence entry is
``{"path": ..., "kind": "照片", "source": "现场拍摄"}`` (``name`` defaults to the file's name).
The result then waits for a reviewer, as from the console.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lottery.core.errors import InputError

from .common import Actor, DataDir, actor_name, service_at, utc_now

result_app = typer.Typer(
    help="Inspection results: the checklist of a task, entering a result.", no_args_is_help=True
)
TaskId = Annotated[str, typer.Argument(help="Task id.")]
MAX_FILE = 20 * 1024 * 1024


@result_app.command("checklist")
def checklist(task_id: TaskId, data_dir: DataDir = Path("data")) -> None:
    """Print the checklist points (检查要点) a result of the task answers, one a line:
    item, point, legal basis (tab-separated)."""
    from lottery.service.onsite_record import checklist_of

    with service_at(data_dir, signs=False) as service:
        service.get_task(task_id)  # TaskNotFound for an unknown task
        points = checklist_of(service.engine, task_id)
    if not points:
        typer.echo(f"任务 {task_id} 所列抽查事项没有检查要点")
    for p in points:
        typer.echo(f"{p.item}\t{p.point}\t{p.basis}")


def _evidence(raw: Any, base: Path) -> list[dict[str, Any]]:
    import base64

    if not isinstance(raw, list):
        raise InputError("字段「evidence」：应为列表")
    out = []
    for n, ev in enumerate(raw, 1):
        if not isinstance(ev, dict) or not isinstance(ev.get("path"), str):
            raise InputError(f"字段「evidence」：第 {n} 个证据须写明文件路径 path")
        path = base / ev["path"]
        if not path.is_file():
            raise InputError(f"字段「evidence」：第 {n} 个证据的文件 {ev['path']} 不存在")
        if path.stat().st_size > MAX_FILE:
            raise InputError(f"字段「evidence」：第 {n} 个证据的文件超过 20 MB")
        rest = {k: v for k, v in ev.items() if k != "path"}
        data = base64.b64encode(path.read_bytes()).decode()
        out.append({"name": path.name, **rest, "data_base64": data})
    return out


@result_app.command("enter")
def enter(
    task_id: TaskId,
    result_file: Annotated[Path, typer.Argument(help="The result as JSON (see the module).")],
    inspector: Annotated[
        str | None,
        typer.Option("--inspector", help="Entering as this inspector: the target must be theirs."),
    ] = None,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Enter the result of one picked target of a disclosed task (waits for a reviewer)."""
    from pydantic import ValidationError

    from lottery.api.routes.results import ResultBody
    from lottery.service.results import ResultsService

    try:
        raw = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{result_file}: 不是可读的 JSON 文件（{exc}）") from None
    if not isinstance(raw, dict):
        raise InputError(f"{result_file}: 应为一个 JSON 对象")
    if "evidence" in raw:
        raw["evidence"] = _evidence(raw["evidence"], result_file.parent)
    try:
        body = ResultBody.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"字段「{where}」：{first['msg']}") from None
    # Entered results wait for a reviewer: nothing is appended to the log here.
    with service_at(data_dir, signs=False) as service:
        results = ResultsService(service.engine, service.log)
        rid = results.enter(
            body.entry(task_id), utc_now(), actor=actor_name(actor), as_inspector=inspector
        )
    typer.echo(f"result {rid} entered for {body.target}: waiting for a reviewer")


@result_app.command("reviewing")
def reviewing(data_dir: DataDir = Path("data")) -> None:
    """List the approved results waiting for the publication review (保密审查), each with
    the publication rules that apply to it."""
    from lottery.service.results import ResultsService

    with service_at(data_dir, signs=False) as service:
        results = ResultsService(service.engine, service.log)
        rows = results.reviewing()
        if not rows:
            typer.echo("没有待保密审查的检查结果")
        for row in rows:
            rules = results.publication_rules(row.id or 0)
            words = "；".join(f"{r.id} {r.zh()}" for r in rules) or "无适用规则"
            typer.echo(f"{row.id}\t{row.task}/{row.target}\t{words}")


@result_app.command("review")
def review(
    result_id: Annotated[int, typer.Argument(help="The id of the approved result.")],
    generalise: Annotated[
        list[str] | None,
        typer.Option(
            "--generalise",
            help="FIELD=TEXT: the general text of a field a generalising rule applies to "
            "(findings, follow_up, place); repeat for each.",
        ),
    ] = None,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """The publication review (保密审查) of an approved result: apply the publication rules in
    force and publish it (of a still-sealed task: kept for the disclosure)."""
    from lottery.service.results import ResultsService

    texts: dict[str, str] = {}
    for item in generalise or []:
        name, sep, text = item.partition("=")
        if not sep or name.strip() not in ("findings", "follow_up", "place"):
            raise InputError(
                f"--generalise {item!r}：应写为 findings=概括内容（或 follow_up、place）"
            )
        texts[name.strip()] = text
    with service_at(data_dir) as service:
        results = ResultsService(service.engine, service.log)
        record = results.review_publication(result_id, texts, utc_now(), reviewer=actor_name(actor))
    if record is None:
        typer.echo(f"检查结果 {result_id} 已完成保密审查，待抽取结果公开时发布")
    else:
        typer.echo(f"检查结果 {result_id} 已完成保密审查并公开（记录 {record.id}）")


def register(app: typer.Typer) -> None:
    """Register ``result`` on ``app`` (idempotent)."""
    if any(info.name == "result" for info in app.registered_groups):
        return
    app.add_typer(result_app, name="result")
