"""``lottery key rotate`` and ``lottery secrets rotate``: the office key and the secrets key
replaced (docs/operations.md "Key ceremony")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lottery.core.errors import InputError
from lottery.core.note import NoteVerifier
from lottery.service.key_rotation import rotate_office_key
from lottery.service.secrets_check import replace_lost_key
from lottery.service.secrets_rotation import rotate_secrets_key
from lottery.storage.engine import make_engine
from lottery.storage.migrate import prepare_schema

from .common import (
    Actor,
    DataDir,
    actor_name,
    require_initialised,
    service_at,
    settings_for,
    utc_now,
)
from .lang import LangOption, cli_lang

key_app = typer.Typer(help="The office's signing key (机关签名密钥).")
secrets_app = typer.Typer(help="The secrets key that encrypts sealed rows (加密密钥).")


def _fingerprint(vkey: str) -> str:
    return NoteVerifier.from_vkey(vkey).fingerprint


@key_app.command("rotate")
def rotate_command(
    reason: Annotated[str, typer.Option(help="Why the key changes (published in the record).")],
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    lang: LangOption = None,
) -> None:
    """Generate a new office key, publish the key-change record signed by the old and the new
    key and a checkpoint signed by both, then switch to the new key (the old one archived)."""
    said = cli_lang(lang)
    settings = settings_for(data_dir)
    with service_at(data_dir) as service:
        done = rotate_office_key(service, settings, reason, utc_now(), actor=actor_name(actor))
    if said == "zh":
        typer.echo(
            f"机关密钥已更换：密钥变更记录在日志第 {done.index} 条，"
            f"检查点 {done.checkpoint_size} 由新旧两把密钥共同签名"
        )
        typer.echo(f"旧公钥：{done.old}")
        typer.echo(f"新公钥：{done.new}")
        typer.echo(
            f"新公钥指纹：{_fingerprint(done.new)}"
            "（请同时通过网站以外的渠道公布，见 docs/operations.md）"
        )
        typer.echo("请重启服务和定时任务，然后发布网站。")
    else:
        typer.echo(
            f"office key rotated: key-change record at log index {done.index}, checkpoint "
            f"{done.checkpoint_size} signed by the old and the new key"
        )
        typer.echo(f"old key: {done.old}")
        typer.echo(f"new key: {done.new}")
        typer.echo(
            f"new key fingerprint: {_fingerprint(done.new)} (announce it through other "
            "channels too, docs/operations.md)"
        )
        typer.echo("restart the service and the scheduler, then publish the site.")


@secrets_app.command("rotate")
def secrets_rotate_command(
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    lang: LangOption = None,
) -> None:
    """Re-encrypt every sealed secret and outcome under a new secrets key, in one transaction;
    the old key stays in force until it commits, then is archived. Stop the service first."""
    said = cli_lang(lang)
    with service_at(data_dir) as service:
        done = rotate_secrets_key(
            service.engine, service_data_dir(data_dir), utc_now(), actor=actor_name(actor)
        )
    if said == "zh":
        typer.echo(
            f"加密密钥已更换：重新加密了 {done.secrets} 个任务秘密和 "
            f"{done.outcomes} 个密封的抽取结果；"
            "旧密钥已存档到 keys/archive/。请重启服务。"
        )
    else:
        typer.echo(
            f"secrets key rotated: re-encrypted {done.secrets} task secrets and "
            f"{done.outcomes} sealed outcomes; the old key is archived in keys/archive/. "
            "Restart the service."
        )


@secrets_app.command("replace-lost")
def secrets_replace_lost_command(
    i_understand: Annotated[
        bool,
        typer.Option(
            "--i-understand",
            help="Confirm: the old key is lost; every sealed row under it stays unreadable.",
        ),
    ] = False,
    data_dir: DataDir = Path("data"),
    actor: Actor = None,
    lang: LangOption = None,
) -> None:
    """After the secrets key was lost and keys/secrets.key moved aside: make a new key and
    record its check value (audited). Tasks sealed under the old key stay unopenable
    (docs/operations.md "Incidents: lost secrets key")."""
    said = cli_lang(lang)
    if not i_understand:
        raise InputError(
            "lottery secrets replace-lost 会启用新的加密密钥，旧密钥加密的秘密值再也无法打开："
            "确认原密钥已遗失且没有任何备份后，加上 --i-understand 再运行"
        )
    settings = settings_for(data_dir)
    if settings.signer_socket is None:
        require_initialised(settings)  # a mistyped --data-dir must not start a new office
    elif not settings.keys_dir.is_dir():
        raise InputError(
            f"{settings.data_dir} is not an initialised data directory (no keys/): check --data-dir"
        )
    engine = make_engine(settings)
    try:
        prepare_schema(engine)
        rows = replace_lost_key(engine, settings.data_dir, utc_now(), actor=actor_name(actor))
    finally:
        engine.dispose()
    key = settings.data_dir / "keys" / "secrets.key"
    if said == "zh":
        typer.echo(
            f"已启用新的加密密钥 {key}；数据库中 {rows} 条用旧密钥加密的保密数据无法再打开，"
            "相关任务请以“秘密值遗失”取消。请立即把新密钥备份到离线介质。"
        )
    else:
        typer.echo(
            f"new secrets key {key} in force; {rows} sealed rows under the old key cannot be "
            "opened again: cancel those tasks as secret lost. Back the new key up offline now."
        )


def service_data_dir(data_dir: Path) -> Path:
    """The data directory whose ``keys/`` hold the secrets key."""
    return settings_for(data_dir).data_dir


def register(app: typer.Typer) -> None:
    """Add ``lottery key`` and ``lottery secrets`` to ``app``."""
    app.add_typer(key_app, name="key")
    app.add_typer(secrets_app, name="secrets")
