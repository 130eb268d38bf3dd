"""``lottery witness policy publish|show`` and ``lottery witness status``: the office's side.

``policy publish`` signs the configured witnesses (``LOTTERY_WITNESSES``), the quorum and the
margin as a ``witness-policy`` record (an admin's act, audited); ``policy show`` prints the
latest published one as a C2SP tlog-policy file; ``status`` prints what the pusher knows of
each witness (docs/witness.md, "The pusher").
"""

from __future__ import annotations

from pathlib import Path

import typer

from .common import Actor, DataDir, service_at, settings_for, utc_now

policy_app = typer.Typer(help="The published witness policy (k of n witnesses, margin).")


def _actor(actor: str | None) -> str:
    if not actor:
        from lottery.core.errors import InputError

        raise InputError("请用 --actor 指明发布见证方策略的管理员账号")
    return actor


@policy_app.command("publish")
def publish_command(data_dir: DataDir = Path("data"), actor: Actor = None) -> None:
    """Publish the configured witnesses and quorum as a signed ``witness-policy`` record."""
    from lottery.service.witness_policy import publish_policy

    who = _actor(actor)
    with service_at(data_dir) as lc:
        record = publish_policy(lc, settings_for(data_dir), actor=who, now=utc_now())
    body = record.body
    typer.echo(
        f"见证方策略已发布：{len(body['witnesses'])} 个见证方中至少 {body['quorum']} 个副署，"
        f"余量 {body['margin']} 秒，记录 {record.id}"
    )


@policy_app.command("show")
def show_command(data_dir: DataDir = Path("data")) -> None:
    """Print the latest published policy as a C2SP tlog-policy file."""
    from lottery.core.errors import InputError
    from lottery.core.witness_policy import policy_text
    from lottery.service.witness_policy import latest_policy

    with service_at(data_dir, signs=False) as lc, lc.session() as session:
        record = latest_policy(session, lc.log)
        vkey = lc.log.verifier.vkey
    if record is None:
        raise InputError("尚未发布见证方策略")
    typer.echo(policy_text(record.body, vkey), nl=False)


def status_command(data_dir: DataDir = Path("data")) -> None:
    """Print each configured witness's state: size cosigned, last success, last error."""
    from lottery.service.witness_push import witness_status

    settings = settings_for(data_dir)
    with service_at(data_dir, signs=False) as lc:
        status = witness_status(lc, settings, utc_now())
    if not status.witnesses:
        typer.echo("没有配置见证方（LOTTERY_WITNESSES）")
        return
    for w in status.witnesses:
        state = "不可达" if w.unreachable else ("待副署" if w.behind else "已副署最新检查点")
        typer.echo(
            f"{w.name}\t{state}\t已副署规模 {w.size}/{w.latest}\t"
            f"最近成功 {w.last_success or '无'}\t最近错误 {w.last_error or '无'}"
        )
    met = "已达到" if status.met else "未达到"
    typer.echo(f"法定数 {status.quorum}：最新检查点 {status.latest} {met}")
