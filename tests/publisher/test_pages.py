"""The pages of a site built from a synthetic export: every section, every task state."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from lottery.core.records import parse_record_text
from lottery.core.tiles import entries_from_bundles
from lottery.export.read import file_getter
from tests.publisher.conftest import BuiltSite


def _text(site: Path, path: str) -> str:
    html = (site / path / "index.html").read_text("utf-8")
    # The article only, tags dropped: what a reader sees.
    article = html[html.index("<article") : html.index("</article>")]
    return re.sub(r"<[^>]+>", "", article)


def _log(export: Path) -> list[dict[str, object]]:
    """Record bodies in log order, read from the entry bundles (not through the publisher)."""
    size = int(file_getter(export)("checkpoint").split(b"\n")[1])
    entries = entries_from_bundles(size, file_getter(export))
    return [parse_record_text(e.split(b"\n\n")[0] + b"\n") for e in entries]


def test_home_links_every_section_and_the_feed(built_site: BuiltSite) -> None:
    home = (built_site.site / "index.html").read_text("utf-8")
    for section in ("tasks/", "items/", "inspectors/", "targets/", "results/", "penalties/"):
        assert f'href="{section}"' in home, section
    assert 'href="feed.xml"' in home
    text = _text(built_site.site, "")
    assert "最新抽查任务公告" in text and "最新抽取" in text
    assert "T2026-0006" in text  # the latest announcement is listed


def test_item_list_current_and_every_past_version(built_site: BuiltSite) -> None:
    current = _text(built_site.site, "items")
    assert "当前版本" in current and "第 2 版" in current
    assert "人防工程监理单位资质" in current  # only in version 2
    v1 = _text(built_site.site, "items/v1")
    assert "人防工程平时使用管理" in v1 and "人防工程监理单位资质" not in v1
    assert "人民防空法" in v1  # the legal basis is shown
    task = _text(built_site.site, "tasks/T2026-0001")
    assert "RF-03 人防工程监理单位资质" in task


def test_inspector_directory_is_a_page_and_only_named_targets_are(built_site: BuiltSite) -> None:
    regs = built_site.built.regs
    inspectors = _text(built_site.site, "inspectors")
    assert all(i.id in inspectors for i in regs.inspectors)
    assert "湘执00000003" in inspectors and "市人防办" in inspectors
    pages = [p for p in built_site.site.rglob("*.html") if "targets" not in p.parts]
    assert len(pages) < 40
    # 5,000 targets, yet a page only for those a published record names (test_target_pages.py)
    named = list((built_site.site / "targets").glob("*/index.html"))
    assert 0 < len(named) < 200
    lookup = (built_site.site / "targets" / "index.html").read_text("utf-8")
    assert 'class="lottery-lookup"' in lookup and 'data-manifest="data/manifest.json"' in lookup


def test_task_pages_in_every_state(built_site: BuiltSite) -> None:
    states = built_site.built.states
    names = built_site.built.names
    by_state = {state: task for task, state in reversed(states.items())}
    disclosed = _text(built_site.site, f"tasks/{by_state['disclosed']}")
    picks = built_site.built.picks[by_state["disclosed"]]
    assert "已公开" in disclosed and "种子（seed）" in disclosed
    assert all(p in disclosed and names[p] in disclosed for p in picks)
    assert "抽查结果" in disclosed
    sealed = _text(built_site.site, f"tasks/{by_state['drawn']}")
    assert "封存" in sealed and "种子（seed）" not in sealed
    assert not any(p in sealed for p in built_site.built.picks[by_state["drawn"]])
    cancelled = _text(built_site.site, f"tasks/{by_state['cancelled']}")
    assert "取消原因" in cancelled and "被取消的抽取结果（一并公开）" in cancelled
    assert all(p in cancelled for p in built_site.built.picks[by_state["cancelled"]])
    early = _text(built_site.site, f"tasks/{by_state['cancelled-early']}")
    assert "抽取前取消" in early and "种子（seed）" not in early
    announced = _text(built_site.site, f"tasks/{by_state['announced']}")
    assert "等待随机源" in announced and "随机源取值" not in announced


def test_timeline_gives_the_log_index_and_id_of_each_record(built_site: BuiltSite) -> None:
    bodies = _log(built_site.built.export)
    task = "T2026-0003"  # drawn, then cancelled
    md = (built_site.work / "pages" / "tasks" / f"{task}.md").read_text("utf-8")
    timeline = md[md.index("## 时间线") : md.index("## 随机源取值")]
    rows = [line for line in timeline.splitlines() if line.startswith("<tr><td>2026")]
    expected = [
        i
        for i, b in enumerate(bodies)
        if b.get("task") == task
        and b["type"] in ("task-announcement", "task-draw", "task-cancellation")
    ]
    assert [int(re.search(r">#(\d+)<", r).group(1)) for r in rows] == expected  # type: ignore[union-attr]
    assert ["公告" in rows[0], "抽取" in rows[1], "取消" in rows[2]] == [True, True, True]


def test_results_and_penalties(built_site: BuiltSite) -> None:
    index = _text(built_site.site, "results")
    assert "T2026-0001" in index and "T2026-0006" in index
    first = _text(built_site.site, "results/T2026-0001")
    picks = built_site.built.picks["T2026-0001"]
    assert all(p in first for p in picks[:10]) and picks[10] not in first
    assert "未发现问题" in first and "实地检查" in first
    assert "本次抽查已完成" in first  # the task report
    other = _text(built_site.site, "results/T2026-0006")
    assert "抽查报告" in other and "暂无" in other  # results, but no report yet
    penalties = _text(built_site.site, "penalties")
    assert "武人防罚〔2026〕1号" in penalties and "5000.00 元" in penalties
    assert picks[0] in penalties


def test_a_corrected_result_replaces_the_original(built_site: BuiltSite) -> None:
    md = (built_site.work / "pages" / "results" / "T2026-0001.md").read_text("utf-8")
    target = built_site.built.picks["T2026-0001"][2]
    cell = re.compile(f'<td[^>]*><a href="../../targets/{target}/">{target}</a></td>')
    rows = [line for line in md.splitlines() if cell.search(line)]
    assert len(rows) == 1
    assert "发现问题已责令改正" in rows[0] and "录入错误" in rows[0]
    assert "另有 1 条检查结果已被更正" in md


def test_a_withdrawn_penalty_shows_no_content(built_site: BuiltSite) -> None:
    penalties = _text(built_site.site, "penalties")
    withdrawn = penalties[penalties.index("已撤回公示") :]
    assert "武人防罚〔2026〕2号" in withdrawn and "经行政复议撤销" in withdrawn
    # Neither the party nor the decision's content is shown any more (docs/results.md).
    assert built_site.built.picks["T2026-0001"][1] not in penalties
    assert "罚款人民币五千元" not in withdrawn
    assert penalties.count("罚款人民币五千元") == 1  # only the penalty in force


def test_empty_sections_say_so(tmp_path: Path) -> None:
    from publisher.build import write_pages
    from publisher.model import load_model
    from tests.publisher.factory import build_export

    built = build_export(tmp_path / "export", tasks=1, targets=400, pool=300, results=0)
    # Keep only the task's own records: no lists, snapshots, results or penalties.
    model = load_model(built.export)
    model.item_lists.clear()
    model.snapshots.clear()
    model.results.clear()
    model.task_reports.clear()
    model.penalties.clear()
    write_pages(model, tmp_path / "pages")
    for page in ("items", "inspectors", "targets", "results", "penalties"):
        assert "暂无" in (tmp_path / "pages" / page / "index.md").read_text("utf-8"), page
    assert not (tmp_path / "pages" / "targets" / "data").exists()


def test_log_pages_list_every_record(built_site: BuiltSite) -> None:
    bodies = _log(built_site.built.export)
    listing = (built_site.work / "pages" / "log" / "1.md").read_text("utf-8")
    rows = [line for line in listing.splitlines() if re.match(r"<tr><td>\d+</td>", line)]
    assert len(rows) == len(bodies)
    # Times in Beijing time (UTC+8), as a reader in China reads them; the header says so.
    cells = [f"<td>{i}</td><td>{_beijing(b['time'])}</td>" for i, b in enumerate(bodies)]
    assert all(cell in row for cell, row in zip(cells, rows, strict=True))
    assert "时间（北京时间）" in listing and "UTC" not in listing
    assert listing.startswith("---\nsearch:\n  exclude: true\n---")


def _beijing(stamp: str) -> str:
    utc = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    return (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
