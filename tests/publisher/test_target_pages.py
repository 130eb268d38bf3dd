"""A page per target (issue #17): from a company to everything published about it.

The synthetic export of tests/publisher/conftest.py: disclosed, drawn (sealed) and cancelled
tasks, results with a correction, a penalty in force and a withdrawn one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from publisher.model import PublishError, load_model
from publisher.target_pages import SECTIONS
from publisher.target_shell import END, NAME, SHELL, fill
from tests.publisher.conftest import BuiltSite
from tests.publisher.factory import WITHDRAWN_PENALTY


def _article(site: Path, path: str) -> str:
    html = (site / path / "index.html").read_text("utf-8")
    return re.sub(r"<[^>]+>", "", html[html.index("<article") : html.index("</article>")])


def _sections(site: Path, path: str) -> dict[str, str]:
    """The page's text by its h2 headings."""
    text = (site / path / "index.html").read_text("utf-8")
    article = text[text.index("<article") : text.index("</article>")]
    parts = re.split(r"<h2[^>]*>(.*?)</h2>", article)
    plain = [re.sub(r"<[^>]+>", "", p).replace("¶", "").strip() for p in parts]
    return {"": plain[0]} | dict(zip(plain[1::2], plain[2::2], strict=True))


def _listed(built_site: BuiltSite) -> list[str]:
    data = json.loads((built_site.site / "targets" / "data" / "pages.json").read_bytes())
    assert data["type"] == "target-pages" and data["v"] == 1
    targets: list[str] = data["targets"]
    return targets


def test_a_page_for_every_target_a_published_record_names_and_no_other(
    built_site: BuiltSite,
) -> None:
    built = built_site.built
    model = load_model(built.export)
    # What the public may read: the picks of disclosed tasks and of tasks cancelled after
    # their draw (the cancellation publishes the outcome), results, penalties in force.
    public = {
        t for task, picks in built.picks.items() if built.states[task] != "drawn" for t in picks
    }
    public |= {r.body["target"] for rs in model.results.values() for r in rs}
    pages = sorted(
        p.name for p in (built_site.site / "targets").iterdir() if (p / "index.html").is_file()
    )
    assert pages == _listed(built_site) == sorted(public)
    # A target picked only by a task whose outcome is still sealed has no page: its pick is
    # not public until the disclosure.
    sealed = {
        t for task, picks in built.picks.items() if built.states[task] == "drawn" for t in picks
    }
    assert sealed - public, "the export has no sealed-only pick: the test would be vacuous"
    assert not (sealed - public) & set(pages)
    drawn = [task for task, state in built.states.items() if state == "drawn"]
    for target in pages:
        text = _article(built_site.site, f"targets/{target}")
        assert not any(task in text for task in drawn), target
    # Registry targets no record names have none.
    assert len(pages) < len(built.names) // 10


def test_a_target_page_shows_its_name_tasks_results_and_penalty_in_force(
    built_site: BuiltSite,
) -> None:
    built = built_site.built
    target = built.picks["T2026-0001"][0]  # a result and the penalty in force
    page = _sections(built_site.site, f"targets/{target}")
    html = (built_site.site / "targets" / target / "index.html").read_text("utf-8")
    assert re.search(rf"<h1[^>]*>{re.escape(built.names[target])}", html)
    assert f"<title>{built.names[target]} - " in html
    assert f"统一社会信用代码：{target}" in page[""]
    assert built.names[target] in page["名录信息"]
    drew = page["抽中该对象的抽查任务"]
    assert "T2026-0001" in drew and "已公开" in drew
    results = page["检查结果"]
    assert "未发现问题" in results and "有效" in results
    assert page["整改和复查"] == "暂无"
    penalties = page["行政处罚"]
    assert "武人防罚〔2026〕1号" in penalties and "未按规定维护人防工程" in penalties
    assert "罚款 5000.00 元" in penalties


def test_a_withdrawn_penalty_is_on_no_target_page(built_site: BuiltSite) -> None:
    built = built_site.built
    target = built.picks["T2026-0001"][1]  # its penalty was withdrawn
    penalties = _sections(built_site.site, f"targets/{target}")["行政处罚"]
    assert penalties.startswith("暂无") and "撤回公示的行政处罚不在本页列出" in penalties
    pages = list((built_site.site / "targets").glob("*/index.html"))
    assert len(pages) == len(_listed(built_site))
    for page in pages:
        text = page.read_text("utf-8")
        assert "武人防罚〔2026〕2号" not in text, page
        assert not any(secret in text for secret in WITHDRAWN_PENALTY.values()), page


def test_a_corrected_result_shows_the_correction_and_where_the_original_is(
    built_site: BuiltSite,
) -> None:
    built = built_site.built
    model = load_model(built.export)
    target = built.picks["T2026-0001"][2]
    results = _sections(built_site.site, f"targets/{target}")["检查结果"]
    assert "更正后的结果" in results and "发现问题已责令改正" in results
    assert "录入错误" in results and "未发现问题" not in results
    [original] = [
        r
        for r in model.results["T2026-0001"]
        if r.body["target"] == target and not r.body.get("supersedes")
    ]
    n = model.index[original.id]
    assert "另有 1 条检查结果已被更正" in results and f"#{n}" in results


def test_search_ranks_a_company_s_page_by_its_title_and_boost(built_site: BuiltSite) -> None:
    built = built_site.built
    index = json.loads((built_site.site / "search" / "search_index.json").read_text("utf-8"))
    docs = {d["location"]: d for d in index["docs"]}
    # One entry per company page, none per section (a page per company made the index 8.5x
    # larger with one per heading: docs/benchmarks.md), and none for the pages' shell.
    entries = [d["location"] for d in index["docs"] if d["location"].startswith("targets/")]
    assert sorted(entries) == sorted(["targets/", *(f"targets/{t}/" for t in _listed(built_site))])
    model = load_model(built.export)
    latest = model.latest_snapshot("targets")
    assert latest is not None
    column = latest[1].fields.index("region")
    regions = {row[0]: row[column] for row in latest[1].rows}
    for target in _listed(built_site):
        doc = docs[f"targets/{target}/"]
        assert doc["title"].replace("\u200b", "") == built.names[target]
        assert doc["boost"] == 10
        # What a citizen searches by: the name, the USCC and the district's name.
        district = model.places().region(regions[target])
        assert district != regions[target]  # a name, not the code
        words = f"{built.names[target]} {target} {district}"
        assert doc["text"].replace("\u200b", "").startswith(words), doc["text"]
    # Every other page has the default weight: the company's own page outranks a task page
    # that names it in a table.
    assert not [loc for loc, d in docs.items() if "boost" in d and "targets/" not in loc]
    # A target page's results are searchable (the per-task result tables are not indexed).
    target = built.picks["T2026-0001"][2]
    text = " ".join(d["text"] for loc, d in docs.items() if loc.startswith(f"targets/{target}/"))
    assert "防护密闭门" in text.replace("\u200b", "")


def test_task_result_and_penalty_pages_link_to_the_target_pages(built_site: BuiltSite) -> None:
    built = built_site.built
    picks = built.picks["T2026-0001"]
    task = (built_site.site / "tasks" / "T2026-0001" / "index.html").read_text("utf-8")
    assert all(f'href="../../targets/{t}/"' in task for t in picks)
    results = (built_site.site / "results" / "T2026-0001" / "index.html").read_text("utf-8")
    assert f'href="../../targets/{picks[0]}/"' in results
    penalties = (built_site.site / "penalties" / "index.html").read_text("utf-8")
    assert f'href="../targets/{picks[0]}/"' in penalties
    # A task still sealed links to no target.
    sealed = next(t for t, s in built.states.items() if s == "drawn")
    html = (built_site.site / "tasks" / sealed / "index.html").read_text("utf-8")
    assert "targets/" in html  # the nav's link to the lookup
    assert not re.search(r'href="[^"]*targets/[0-9A-Z]{18}/"', html)


def test_a_company_page_is_the_theme_s_shell_with_its_own_article(built_site: BuiltSite) -> None:
    """The pages are written into the shell MkDocs built (publisher/target_shell.py): its
    table of contents must lead to the article's sections, the skip link to its h1, and
    nothing of the shell (its placeholders, its page) may be left on the site."""
    target = _listed(built_site)[0]
    html = (built_site.site / "targets" / target / "index.html").read_text("utf-8")
    toc = re.findall(r'<a href="#([^"]+)" class="md-nav__link">', html)
    article = html[html.index("<article") : html.index("</article>")]
    assert toc == re.findall(r'<h2 id="([^"]+)">', article) == list(SECTIONS)
    [h1] = re.findall(r'<h1 id="([^"]+)">', article)
    assert f'<a href="#{h1}" class="md-skip">' in html
    assert f'href="https://rfb.example.gov.cn/targets/{target}/"' in html  # canonical
    site = [p.read_text("utf-8") for p in (built_site.site / "targets").glob("*/index.html")]
    assert not [t for t in site if NAME in t or NAME.lower() in t or SHELL in t or END in t]
    assert not (built_site.site / "targets" / SHELL).exists()
    sitemap = (built_site.site / "sitemap.xml").read_text("utf-8")
    assert SHELL not in sitemap and f"/targets/{target}/</loc>" in sitemap


def test_a_theme_page_without_the_article_to_fill_fails_the_build(tmp_path: Path) -> None:
    page = tmp_path / "targets" / SHELL / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html><article><h1>其他主题</h1></article></html>", "utf-8")
    with pytest.raises(PublishError, match="target page shell"):
        fill(tmp_path, {})
