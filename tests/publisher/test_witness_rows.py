"""The task page says, in plain Chinese, whether the published witness policy's quorum
cosigned the announcement before its beacon, and names the witnesses (docs/witness.md).

One honest task (tests/forge.py: T2026-001, beacon due 2026-03-01T16:00Z) after a
``witness-policy`` record (2 of 3 TEST-ONLY witnesses, margin 600 s), with one cosigned
checkpoint. Known answers: two cosign 20 minutes before the beacon → met, "3 个见证方中的 2
个"; all three 5 minutes after → not met, each named as too late; a policy published after the
announcement → the page says the task predates it; no policy → no row at all. A witness name
from the record is escaped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from lottery.core.cosignature import Cosigner, cosign
from publisher.model import load_model
from publisher.task_pages import task_page, witness_rows
from publisher.witness_status import LogTime, log_time, witness_status
from tests import lifecycle as lc
from tests.forge import forge, write_forged_export

TASK = "T2026-001"
BEACON = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
W = [Cosigner.generate(f"w{i}.example/w") for i in (1, 2, 3)]  # TEST-ONLY
NAMES = ["市纪委监委", "市公证处", "<b>青岚大学</b>"]


def _policy() -> bytes:
    named = [(n, w.verifier().vkey) for n, w in zip(NAMES, W, strict=True)]
    return lc.witness_policy(named, datetime(2026, 3, 1, 1, 0, tzinfo=UTC), quorum=2, margin=600)


def _page(tmp_path: Path, order: str, *minutes: int) -> str:
    """The task page of an export: ``order`` "policy first", "task first" or "no policy";
    witness i cosigns ``minutes[i]`` after the beacon."""
    honest = forge(task=TASK)
    notes = {
        "policy first": [_policy(), *honest.notes],
        "task first": [honest.notes[0], _policy(), *honest.notes[1:]],
        "no policy": honest.notes,
    }[order]
    export = write_forged_export(tmp_path / "export", notes, honest.blobs)
    note = (export / "checkpoint").read_bytes()
    size = note.split(b"\n")[1].decode()
    for w, m in zip(W, minutes, strict=False):
        note = cosign(note, w, int((BEACON + timedelta(minutes=m)).timestamp()))
    (export / "cosigned").mkdir()
    (export / "cosigned" / "list").write_text(f"{size}\n", encoding="ascii")
    (export / "cosigned" / size).write_bytes(note)
    model = load_model(export)
    return task_page(model, model.tasks[TASK])


def _row(page: str, head: str) -> str:
    return page.split(f"<td>{head}</td><td>", 1)[1].split("</td>", 1)[0]


def test_quorum_in_time(tmp_path: Path) -> None:
    page = _page(tmp_path, "policy first", -20, -20)
    assert _row(page, "见证方联署") == (
        "公告已在抽取前由 3 个见证方中的 2 个联署（规则：至少 2 个）：市纪委监委、市公证处"
    )
    assert _row(page, "见证方") == (
        "市纪委监委、市公证处、&lt;b&gt;青岚大学&lt;/b&gt;"
        "（日志第 0 条记录公布的见证方规则：至少 2 个联署，至少早于随机数产生 10 分钟）"
    )
    assert "<b>青岚大学" not in page


def test_backdated_announcement_is_not_witnessed(tmp_path: Path) -> None:
    page = _page(tmp_path, "policy first", 5, 5, 5)
    assert _row(page, "见证方联署") == (
        "未满足见证规则：北京时间 2026-03-01 23:50:00 之前只有 3 个见证方中的 0 个联署了"
        "含本公告的检查点（规则：至少 2 个）；联署太晚：市纪委监委、市公证处、"
        "&lt;b&gt;青岚大学&lt;/b&gt;"
    )


def test_fewer_than_the_quorum(tmp_path: Path) -> None:
    page = _page(tmp_path, "policy first", -20, 5)
    row = _row(page, "见证方联署")
    assert row.startswith("未满足见证规则") and "3 个见证方中的 1 个" in row, row
    assert row.endswith("联署太晚：市公证处"), row


def test_policy_after_the_announcement_and_no_policy(tmp_path: Path) -> None:
    page = _page(tmp_path / "a", "task first", -20, -20)
    assert (
        _row(page, "见证方联署")
        == "本任务公告时日志中还没有公布见证方规则；公告时间只是本单位的说法"
    )
    assert "<td>见证方</td>" not in page
    plain = _page(tmp_path / "b", "no policy", -20, -20)
    assert "见证方" not in plain


def test_pending_before_the_beacon(tmp_path: Path) -> None:
    """Before the beacon (the site republished while witnesses are still to answer), the
    page says the cosignatures are awaited, not that the rule failed."""
    honest = forge(task=TASK)
    export = write_forged_export(tmp_path / "export", [_policy(), *honest.notes], honest.blobs)
    statuses = witness_status(load_model(export))  # no cosigned/ at all
    earlier = LogTime(9, BEACON - timedelta(hours=3))
    row = witness_rows(statuses, TASK, earlier)[1][1]
    assert row.startswith("尚待见证方联署：北京时间 2026-03-01 23:50:00 之前需要至少 2 个"), row
    assert "截至日志中的 9 条记录（最新一条为北京时间 2026-03-01 21:00:00）" in row, row
    assert witness_rows(statuses, TASK, LogTime(9, BEACON))[1][1].startswith("未满足见证规则")


def test_the_page_is_a_function_of_the_export_not_of_the_wall_clock(tmp_path: Path) -> None:
    """An export whose log ends with the announcement (before the beacon): the page says the
    cosignatures are awaited as of that log, whenever it is built (the wall clock is long past
    the beacon here), so a full and an incremental build agree (review finding 10)."""
    honest = forge(task=TASK)
    announced = [_policy(), honest.notes[0]]  # the announcement, nothing after it yet
    export = write_forged_export(tmp_path / "export", announced, honest.blobs)
    model = load_model(export)
    assert log_time(model) == LogTime(2, datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    page = task_page(model, model.tasks[TASK])
    row = _row(page, "见证方联署")
    assert row == (
        "尚待见证方联署：北京时间 2026-03-01 23:50:00 之前需要至少 2 个见证方联署；"
        "截至日志中的 2 条记录（最新一条为北京时间 2026-03-01 10:00:00），"
        "3 个见证方中有 0 个已联署"
    ), row
    # Once a record dated after the beacon's time is in the log, the rule has failed.
    page = _page(tmp_path / "drawn", "policy first", 5, 5, 5)
    assert _row(page, "见证方联署").startswith("未满足见证规则")
