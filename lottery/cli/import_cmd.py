"""``lottery import KIND FILE`` and ``lottery registry export|publish``: registries from the CLI.

A rejected import prints its bad rows on stderr (``第N行 列名: 原因``; the first 100, then the
total) and exits 1; nothing is written. A file refused as a whole (too large, too many rows, a
zip bomb...) is one line. Other errors are one line (lottery.cli.main).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from lottery.cli.common import Actor, DataDir, actor_name, open_service, output_file, utc_now
from lottery.core.errors import InputError

registry_app = typer.Typer(
    help="Export a registry to XLSX/CSV, or publish its public snapshot.", no_args_is_help=True
)

Kind = Annotated[
    str,
    typer.Argument(help="targets, inspectors, items, org-units, conflicts or history."),
]


def import_command(
    kind: Kind,
    file: Annotated[Path, typer.Argument(help="A CSV (UTF-8, BOM or GBK) or XLSX file.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    sheet: Annotated[str | None, typer.Option(help="The XLSX sheet (default: the first).")] = None,
    effective: Annotated[
        str | None, typer.Option(help="items: the date the new version takes effect (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Import a registry file: all rows, or (on any error) none."""
    from lottery.service.registries import ImportRejected, check_kind, error_line, import_registry

    check_kind(kind)  # before opening (and perhaps creating) the data directory
    _check_size(kind, file)
    try:
        when = None if effective is None else date.fromisoformat(effective)
    except ValueError:
        raise InputError(f"--effective must be a date YYYY-MM-DD, not {effective!r}") from None
    lc = open_service(data_dir)
    try:
        result = import_registry(
            lc, kind, file, actor=actor_name(actor), now=utc_now(), sheet=sheet, effective=when
        )
    except ImportRejected as exc:
        if exc.result.error_count == 1:
            typer.echo(f"导入失败，未导入任何数据：{error_line(exc.errors[0])}", err=True)
            raise typer.Exit(1) from None
        for err in exc.errors:
            typer.echo(error_line(err), err=True)
        typer.echo(f"导入失败：{exc.result.error_summary()}，未导入任何数据", err=True)
        raise typer.Exit(1) from None
    finally:
        lc.engine.dispose()
    typer.echo(result.summary())


def _check_size(kind: str, file: Path) -> None:
    """Refuse a file over the kind's size limit before anything is opened.

    Raises:
        InputError: the file is too large (a missing file is reported by the import).
    """
    from lottery.registry_io import limits_for, too_large_message

    try:
        size = file.stat().st_size
    except OSError:
        return
    if size > limits_for(kind).max_bytes:
        raise InputError(too_large_message(kind, size))


def export_command(
    kind: Kind,
    out: Annotated[Path, typer.Argument(help="The file to write: .xlsx or .csv.")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Write a registry (private columns included, for staff) to XLSX or CSV."""
    from lottery.service.registries import check_kind, export_registry

    check_kind(kind)
    output_file(out)
    lc = open_service(data_dir, signs=False)
    try:
        count = export_registry(lc, kind, out)
    finally:
        lc.engine.dispose()
    typer.echo(f"{kind}: {count} 行已导出到 {out}")


def publish_command(
    kind: Annotated[str, typer.Argument(help="targets, inspectors or org-units.")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Publish the registry's public fields as a snapshot blob and record."""
    from lottery.service.registries import SNAPSHOT_REGISTRIES, check_kind, publish_snapshot

    check_kind(kind, SNAPSHOT_REGISTRIES)
    lc = open_service(data_dir)
    try:
        with lc.session() as session:
            size = lc.log.size(session)
        record = publish_snapshot(lc, kind, actor=actor_name(actor), now=utc_now())
        with lc.session() as session:
            grew = lc.log.size(session) > size
    finally:
        lc.engine.dispose()
    state = "已发布" if grew else "名录未变化，沿用已发布的"
    rows, blob = record.body["rows"], record.body["blob"]
    typer.echo(f"{kind}: {state}快照记录 {record.id}（{rows} 行，blob {blob}）")


def risk_rules_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A JSON file of rules (docs/import.md, 'Risk rules'); without it, show the "
            "rules in force."
        ),
    ] = None,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Show the item list's risk rules, or publish a new item-list version with FILE's rules."""
    import json

    from lottery.core.errors import EncodingError
    from lottery.core.risk_rules import parse_risk_rules
    from lottery.service.registries import set_risk_rules
    from lottery.service.risk_policy import current_rules, current_version

    rules = None
    if file is not None:
        try:
            rules = parse_risk_rules(json.loads(file.read_text(encoding="utf-8")))
        except OSError as exc:
            raise InputError(f"{file}: 无法读取（{exc.strerror}）") from exc
        except (ValueError, EncodingError) as exc:
            raise InputError(f"{file}: 风险规则有误：{exc}") from exc
    lc = open_service(data_dir, signs=rules is not None)  # without FILE it only shows
    try:
        if rules is not None:
            record = set_risk_rules(lc, rules, actor=actor_name(actor), now=utc_now())
            typer.echo(f"已发布抽查事项清单第 {record.body['version']} 版（记录 {record.id}）")
        with lc.session() as session:
            shown, version = current_rules(session), current_version(session)
    finally:
        lc.engine.dispose()
    if version is None:
        typer.echo("尚未公布抽查事项清单")
        return
    lines = shown.zh_lines() or [
        "（无风险规则：每个检查对象按其信用风险分类抽取，每年原则上不超过2次）"
    ]
    typer.echo(f"抽查事项清单第 {version} 版的风险规则：")
    for line in lines:
        typer.echo(f"- {line}")


def publication_rules_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A JSON file: a list of publication rules (docs/spec.md §2.3); without it, "
            "show the rules in force."
        ),
    ] = None,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Show the item list's publication rules (保密审查), or publish a new item-list version
    with FILE's rules."""
    import json

    from lottery.service.publication_review import parse_publication_rules, rules_in_force
    from lottery.service.registries import set_publication_rules

    rules = None
    if file is not None:
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"{file}: 无法读取（{exc.strerror}）") from exc
        except ValueError as exc:
            raise InputError(f"{file}: 不是可读的 JSON 文件（{exc}）") from exc
        rules = parse_publication_rules(raw)
    lc = open_service(data_dir, signs=rules is not None)  # without FILE it only shows
    try:
        if rules is not None:
            record = set_publication_rules(lc, rules, actor=actor_name(actor), now=utc_now())
            typer.echo(f"已发布抽查事项清单第 {record.body['version']} 版（记录 {record.id}）")
        with lc.session() as session:
            shown = rules_in_force(session, lc.log)
    finally:
        lc.engine.dispose()
    if not shown:
        typer.echo("（无公开规则：检查结果按原样公开）")
        return
    typer.echo("现行抽查事项清单的公开规则：")
    for rule in shown:
        typer.echo(f"- {rule.id}：{rule.zh()}。理由：{rule.reason}")


def withhold_command(
    target_type: Annotated[
        str | None,
        typer.Argument(help="A target type (code or Chinese label, e.g. 人防工程平时使用)."),
    ] = None,
    release: Annotated[
        bool, typer.Option("--release", help="Publish the type's targets by name again.")
    ] = False,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
) -> None:
    """Publish a target type's targets as commitments, opened only when picked (committed
    pools, docs/spec.md §4); without TYPE, list the withheld types."""
    from lottery.service.committed_pool import TYPE_LABELS, withheld_types, withhold_type

    lc = open_service(data_dir, signs=target_type is not None)  # without TYPE it only lists
    try:
        if target_type is None:
            with lc.session() as session:
                codes = sorted(withheld_types(session))
        else:
            codes = withhold_type(
                lc, target_type, not release, actor=actor_name(actor), now=utc_now()
            )
    finally:
        lc.engine.dispose()
    shown = "、".join(TYPE_LABELS.get(c, c) for c in codes) or "（无）"
    typer.echo(f"以承诺值公开（仅公开被抽中对象）的检查对象类型：{shown}")


def register(app: typer.Typer) -> None:
    """Add ``lottery import`` and ``lottery registry`` to ``app``."""
    app.command("import")(import_command)
    registry_app.command("export")(export_command)
    registry_app.command("publish")(publish_command)
    registry_app.command("risk-rules")(risk_rules_command)
    registry_app.command("publication-rules")(publication_rules_command)

    registry_app.command("withhold")(withhold_command)
    app.add_typer(registry_app, name="registry")
