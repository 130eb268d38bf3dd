"""``lottery monitor``: watch a published log between runs (docs/monitor.md).

``lottery monitor SITE_OR_URL --state FILE`` checks what is new since the last run against
the state file (pinned keys, last verified tree, the roots it has seen), re-verifies the
tasks with new records, prints what happened and only then saves the new state. ``lottery
monitor compare STATE_A STATE_B`` compares two monitors' (or a monitor's and a witness's)
state files for a split view.

Exit codes: 0 fine; 1 something does not verify; 2 bad input (nothing fetched or saved);
3 an alarm: another log, a rollback, a fork, a replaced key, a split view; 4 ``compare``
cannot decide from the states alone (give ``--log``); 5 the log could not be read (a network
or server failure, at any read of the run: nothing decided, nothing saved; try again later).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from lottery.core.canonical import format_time
from lottery.core.errors import InputError, VerificationError
from lottery.core.merkle import MerkleTree
from lottery.core.monitor import (
    Comparison,
    MonitorAlarm,
    MonitorRun,
    MonitorState,
    compare_states,
    monitor_log,
    rebuild_tree,
)
from lottery.core.monitor_words import TYPE_NAMES_ZH
from lottery.runtime.forking import workers as fork_workers
from lottery.runtime.gcpause import gc_paused
from lottery.verifier.exit_status import NOT_READ, FetchFailed, FetchWatch, fetch_failed_line
from lottery.verifier.run import office_verifiers

from .common import utc_now
from .lang import LangOption, cli_lang, say
from .state_file import save_atomic
from .verify_cmd import WorkersOption, open_export
from .witness_serve import load_states

ALARM_EXIT = 3
"""Exit status of an alarm (the log is not consistent with what was seen before)."""
UNDECIDED_EXIT = 4
"""Exit status of ``compare`` when the states alone cannot decide (give ``--log``)."""


def load_state(path: Path, lang: str) -> MonitorState | None:
    """The monitor state in ``path``, or None when the file does not exist yet.

    Raises:
        InputError: when the file is not a monitor state file.
    """
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    try:
        return MonitorState.from_json(text)
    except InputError as exc:
        raise InputError(say(lang, f"{path}: {exc}", f"{path} 不是监测状态文件：{exc}")) from exc


def _views_of(path: Path, lang: str) -> dict[str, MonitorState]:
    """The trees a state file holds, by log: a monitor's one, or a witness's read as
    monitor states (``witness cosign``'s one-log version 1 or ``witness serve``'s version 2,
    one tree a log it follows)."""
    text = path.read_text("utf-8") if path.is_file() else None
    if text is None:
        raise InputError(say(lang, f"{path}: no such state file", f"{path}：没有这个状态文件"))
    if '"roots"' in text:
        try:
            state = MonitorState.from_json(text)
        except InputError as exc:
            raise InputError(
                say(lang, f"{path}: {exc}", f"{path} 不是监测状态文件：{exc}")
            ) from exc
        return {state.origin: state}
    views = {
        origin: MonitorState(origin, s.size, s.root_hash, (), {s.size: s.root_hash})
        for origin, s in load_states(path).items()
    }
    if not views:
        raise InputError(
            say(
                lang, f"{path}: the witness follows no log yet", f"{path}：该见证方尚未见证任何日志"
            )
        )
    return views


def _pair(paths: list[str], lang: str) -> tuple[MonitorState, MonitorState]:
    """The two states to compare: each file's one tree, or, where a witness follows several
    logs, its tree of the one log both files hold."""
    a, b = (_views_of(Path(p), lang) for p in paths)
    if len(a) == 1 and len(b) == 1:
        return next(iter(a.values())), next(iter(b.values()))  # different logs: compare says
    common = sorted(set(a) & set(b))
    if len(common) == 1:
        return a[common[0]], b[common[0]]
    logs = ", ".join(common or sorted(set(a) | set(b)))
    raise InputError(
        say(
            lang,
            f"the state files share {len(common)} logs ({logs}): compare files that share one",
            f"两个状态文件共有 {len(common)} 个日志（{logs}）：请比较只共有一个日志的状态文件",
        )
    )


def _pins(keys: list[str], state: MonitorState | None, get: Any, lang: str) -> tuple[str, ...]:
    if state is not None and not keys:
        return state.keys  # the pins; the log's own keys/office.vkey plays no part
    verifiers, pinned = office_verifiers(keys, get, lang)
    vkeys = tuple(v.vkey for v in verifiers)
    if state is not None and pinned and set(vkeys) != set(state.keys):
        raise InputError(
            say(
                lang,
                "--key differs from the keys pinned in the state file; "
                "a changed key is accepted only through a key-change record in the log",
                "--key 与状态文件中固定的公钥不同；只有日志中的密钥变更记录才能更换公钥",
            )
        )
    return vkeys


def _run_lines(run: MonitorRun, lang: str, first_use: bool) -> list[str]:
    i = 1 if lang == "zh" else 0
    s, origin = run.state, run.state.origin
    new = len(run.events)
    heads = {
        "first": (
            f"first run: {origin}, {s.size} records verified; keys pinned",
            f"首次运行：{origin}，已核验 {s.size} 条记录；已固定公钥",
        ),
        "same": (
            f"no change: {origin} still has {s.size} records, consistent with the last run",
            f"没有变化：{origin} 仍为 {s.size} 条记录，与上次一致",
        ),
        "grown": (
            f"grown: {origin} {run.previous_size} -> {s.size} records, consistent with the "
            f"last run; {new} new records verified",
            f"日志增长：{origin} 从 {run.previous_size} 条增至 {s.size} 条，与上次一致；"
            f"已核验 {new} 条新记录",
        ),
        "key-change": (
            f"grown with a key change: {origin} {run.previous_size} -> {s.size} records; "
            f"{new} new records verified",
            f"日志增长并变更密钥：{origin} 从 {run.previous_size} 条增至 {s.size} 条；"
            f"已核验 {new} 条新记录",
        ),
    }
    lines = [heads[run.verdict.value][i]]
    if first_use:
        lines.append(
            say(
                lang,
                "note: the keys were taken from the log itself (trust on first use); "
                "compare them with the office's published key: " + " ".join(s.keys),
                "注意：公钥取自日志本身（首次使用即信任）；请与机关另行公布的公钥核对："
                + " ".join(s.keys),
            )
        )
    lines += [n[i] for n in run.notes]
    if run.verdict.value != "first":  # a first run lists counts, not every record
        lines += [f"  [{e.index}] {e.said[i]}" for e in run.events]
    counts = run.by_type()
    if counts:
        en = ", ".join(f"{t} {n}" for t, n in counts.items())
        zh = "，".join(f"{TYPE_NAMES_ZH.get(t, t)} {n} 条" for t, n in counts.items())
        lines.append(say(lang, f"new records by type: {en}", f"新记录按类型：{zh}"))
    late = [e for e in run.events if e.late_by]
    if late:
        lines.append(say(lang, f"late publications: {len(late)}", f"逾期公布：{len(late)} 条"))
    if run.rerun:
        tasks = ", ".join(run.rerun)
        lines.append(
            say(
                lang,
                f"tasks re-verified (draws re-run where disclosed): {tasks}",
                f"已重新核验的任务（已公开的重新抽取）：{tasks}",
            )
        )
    return lines


def _run_json(run: MonitorRun, lang: str) -> dict[str, Any]:
    i = 1 if lang == "zh" else 0
    return {
        "ok": True,
        "status": run.verdict.value,
        "origin": run.state.origin,
        "size": run.state.size,
        "previous_size": run.previous_size,
        "keys": list(run.state.keys),
        "new_records": len(run.events),
        "by_type": run.by_type(),
        "events": [
            {
                "index": e.index,
                "type": e.type,
                "task": e.task,
                "record": e.record,
                "late_by": e.late_by,
                "text": e.said[i],
            }
            for e in run.events
        ],
        "late": [e.record for e in run.events if e.late_by],
        "tasks_verified": run.rerun,
        "notes": [n[i] for n in run.notes],
    }


def _fail(as_json: bool, code: int, status: str, line: str, **extra: Any) -> None:
    if as_json:
        typer.echo(
            json.dumps({"ok": False, "status": status, "reason": line, **extra}, ensure_ascii=False)
        )
    else:
        typer.echo(line, err=True)
    sys.exit(code)


def _larger_root_at(
    log: str | None, a: MonitorState, b: MonitorState, lang: str
) -> Callable[[int], bytes] | None:
    """The larger state's tree, rebuilt from a copy of the log, on first use."""
    if log is None:
        return None
    large = a if a.size >= b.size else b
    get = open_export(log, lang)
    trees: list[MerkleTree] = []

    def root_at(size: int) -> bytes:
        if not trees:
            try:
                trees.append(rebuild_tree(get, large.size, large.root_hash))
            except VerificationError as exc:
                raise VerificationError(
                    exc.check,
                    f"{log} does not hold the tree of {large.size} records that a state "
                    f"verified: {exc.detail}",
                ) from exc
        return trees[0].root(size)

    return root_at


def _compare(paths: list[str], as_json: bool, lang: str, log: str | None) -> None:
    if len(paths) != 2:
        raise InputError(
            say(
                lang,
                "usage: lottery monitor compare STATE_A STATE_B",
                "用法：lottery monitor compare 状态文件A 状态文件B",
            )
        )
    a, b = _pair(paths, lang)
    result: Comparison = compare_states(a, b, _larger_root_at(log, a, b, lang))
    line = result.said[1 if lang == "zh" else 0]
    ok = result.verdict.value == "consistent"
    if as_json:
        body: dict[str, Any] = {"ok": ok, "status": result.verdict.value, "reason": line}
        body |= {"origin": a.origin, "sizes": [a.size, b.size], "compared": result.common}
        typer.echo(json.dumps(body, ensure_ascii=False))
    elif ok:
        typer.echo(line)
    else:
        typer.echo(line, err=True)
    if result.verdict.value == "undecided":
        sys.exit(UNDECIDED_EXIT)
    if not ok:
        sys.exit(ALARM_EXIT)


def monitor_command(
    target: Annotated[
        list[str],
        typer.Argument(
            help="The log (site or export directory, or URL), or: compare STATE_A STATE_B.",
            metavar="SITE_OR_URL | compare STATE_A STATE_B",
        ),
    ],
    state: Annotated[
        Path | None, typer.Option("--state", help="The monitor's state file (JSON).")
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(help="Office key (vkey) or a file of vkeys to pin on the first run."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    log: Annotated[
        str | None,
        typer.Option("--log", help="compare only: a copy of the log, for a root the states lack."),
    ] = None,
    workers: WorkersOption = 2,
    lang: LangOption = None,
) -> None:
    """Check only what is new in a log since the last run; alarm on rollback, fork, new key."""
    said = cli_lang(lang)
    if target[0] == "compare":
        _compare(target[1:], as_json, said, log)
        return
    if len(target) != 1:
        raise InputError(say(said, "give one log location", "只能指定一个日志位置"))
    if state is None:
        raise InputError(say(said, "--state FILE is required", "需要用 --state 指定状态文件"))
    if workers < 1:
        raise InputError(say(said, "--workers must be at least 1", "--workers 至少为 1"))
    previous = load_state(state, said)
    watch = FetchWatch()
    try:
        try:
            get = watch.watching(open_export(target[0], said))
            pins = _pins(key or [], previous, get, said)
            now = format_time(utc_now())
            with gc_paused():
                run = monitor_log(get, previous, pins, now=now, workers=fork_workers(workers))
        except (MonitorAlarm, VerificationError):
            watch.check()  # a verdict reached past a read that failed decides nothing
            raise
        watch.check()  # a read that failed and was caught on the way
    except FetchFailed as exc:
        _fail(as_json, NOT_READ, "not-read", fetch_failed_line(exc, said))
        return
    except MonitorAlarm as alarm:
        line = say(said, "ALARM: ", "警报：") + alarm.said[1 if said == "zh" else 0]
        _fail(as_json, ALARM_EXIT, alarm.verdict.value, line)
        return
    except VerificationError as exc:
        if not as_json:
            raise
        _fail(as_json, 1, "failed", exc.diagnostics(), check=exc.check)
        return
    save_atomic(state, run.state.to_json())
    first_use = previous is None and not key
    if as_json:
        typer.echo(json.dumps(_run_json(run, said), ensure_ascii=False))
        return
    for line in _run_lines(run, said, first_use):
        typer.echo(line)


def register(root: typer.Typer) -> None:
    """Add ``lottery monitor`` to ``root``."""
    root.command("monitor")(monitor_command)
