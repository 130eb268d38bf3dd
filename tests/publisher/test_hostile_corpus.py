"""Hostile text in every record field that reaches the site stays text (issue #23, defect 2).

A site is built from tests/publisher/hostile.py's export (markup, attribute breakers,
javascript: links, comments, </title>, NUL and other controls, bidi overrides, emoji, a
58 kB text...), then every built page is parsed (stdlib html.parser) and searched for anything
the payloads could have injected: elements, event-handler attributes, javascript: URLs, inline
scripts. The feed and sitemap must parse as XML, the search index as JSON.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from publisher.build import build_site
from publisher.render import escape, link, plain, safe_href
from tests.publisher.hostile import BIDI, BIG, HOSTILE, build_hostile_export

# Elements a payload tries to create; the site's own pages have none of them in the article
# (Material's icons are inline <svg>, so svg is checked by attribute instead; in the article the
# only <svg> is a chart of 统计与考评, right inside its <div class="lottery-chart">).
INJECTED = {"iframe", "img", "object", "embed", "textarea", "style", "base", "form", "frame"}
SCRIPT_TYPES = {None, "", "text/javascript", "module"}


@dataclass
class Scan(HTMLParser):
    """What one page holds that a payload could have put there."""

    scripts: list[dict[str, str | None]] = field(default_factory=list)
    handlers: list[tuple[str, str]] = field(default_factory=list)
    urls: list[tuple[str, str]] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    in_title: bool = False
    in_article: int = 0
    previous: tuple[str, str | None] = ("", None)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
        if tag == "title":
            self.in_title = True
        if tag == "article":
            self.in_article += 1
        ours = tag == "form" and values.get("class") == "lottery-lookup-form"  # the lookup's
        ours |= tag == "svg" and self.previous == ("div", "lottery-chart")  # a chart's
        self.previous = (tag, values.get("class"))
        if self.in_article and tag in INJECTED | {"svg"} and not ours:
            self.elements.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src", "action", "formaction", "data", "srcdoc", "xlink:href"):
                text = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
                if name == "srcdoc" or re.match(r"^(javascript|data|vbscript):", text):
                    self.urls.append((tag, value or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag == "article":
            self.in_article -= 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)


@dataclass
class HostileSite:
    site: Path
    work: Path


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> HostileSite:
    root = tmp_path_factory.mktemp("hostile-site")
    built = build_hostile_export(root / "export")
    build_site(built.export, root / "site", work=root / "work")
    return HostileSite(root / "site", root / "work")


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "export" not in p.parts)


def test_the_export_really_carries_the_payloads(hostile_site: HostileSite) -> None:
    # Not a vacuous pass: the pages hold the payloads' text, shown as text.
    task = (hostile_site.site / "tasks" / "T2026-0001" / "index.html").read_text("utf-8")
    shown = html.unescape(task)
    assert "</title><script>window.__pwned=11</script>" in shown
    # 统计与考评 names the items (hostile names) in its tables and the districts in its charts.
    stats = html.unescape((hostile_site.site / "stats" / "index.html").read_text("utf-8"))
    assert "</title><script>window.__pwned=11</script>" in stats
    assert 'class="lottery-chart"><svg' in stats
    assert "[U+202E]" in shown and "[U+0000]" in shown and "😀" in shown
    report = (hostile_site.site / "results" / "T2026-0001" / "index.html").read_text("utf-8")
    assert "长" * 1000 in report and "<script>window.__pwned=1</script>" in html.unescape(report)


def test_no_page_has_an_injected_element_attribute_or_script(hostile_site: HostileSite) -> None:
    pages = _pages(hostile_site.site)
    assert len(pages) >= 15
    own = re.compile(
        r"^/?(\.\./)*(assets/javascripts/bundle\.[0-9a-f]+\.min\.js|assets/lottery/[a-z-]+\.js)$"
    )
    for page in pages:
        scan = Scan()
        scan.feed(page.read_text("utf-8"))
        scan.close()
        name = page.relative_to(hostile_site.site)
        assert not scan.handlers, (name, scan.handlers)
        assert not scan.urls, (name, scan.urls)
        assert not scan.elements, (name, scan.elements)
        for script in scan.scripts:
            src = script.get("src")
            if src is None:  # only Material's JSON configuration may be inline
                assert script.get("type") == "application/json", (name, script)
            else:
                assert own.match(src), (name, src)


def test_page_titles_are_text(hostile_site: HostileSite) -> None:
    page = hostile_site.site / "tasks" / "T2026-0001" / "index.html"
    scan = Scan()
    scan.feed(page.read_text("utf-8"))
    title = "".join(scan.title)
    # The whole hostile title is inside <title>, as text, with the bidi override made visible.
    assert "</title><script>window.__pwned=11</script>" in title
    assert "[U+202E]" in title and "\u202e" not in title
    assert title.endswith(" - 双随机、一公开 抽查公示")


def test_a_target_page_title_is_text(hostile_site: HostileSite) -> None:
    """The company's name (a snapshot's text) is the title of its page (issue #17)."""
    listed = json.loads((hostile_site.site / "targets" / "data" / "pages.json").read_bytes())
    assert listed["targets"]
    for target in listed["targets"][:3]:
        scan = Scan()
        scan.feed((hostile_site.site / "targets" / target / "index.html").read_text("utf-8"))
        scan.close()
        title = "".join(scan.title)
        assert "</title><script>window.__pwned=11</script>" in title
        assert "[U+202E]" in title and "\u202e" not in title


def test_no_bidi_control_reaches_any_page_feed_or_index(hostile_site: HostileSite) -> None:
    files = [*_pages(hostile_site.site), hostile_site.site / "feed.xml"]
    files.append(hostile_site.site / "search" / "search_index.json")
    for path in files:
        text = path.read_text("utf-8")
        for ch in (*BIDI, "\x00", "\x1b"):
            assert ch not in text, (path, hex(ord(ch)))


def test_feed_and_sitemap_are_well_formed_xml(hostile_site: HostileSite) -> None:
    feed = ET.fromstring((hostile_site.site / "feed.xml").read_bytes())  # noqa: S314 - our own
    titles = [t.text or "" for t in feed.iter("title")]
    assert any("</title><script>window.__pwned=11</script>" in t for t in titles)
    assert any("[U+0000]" in t for t in titles)
    ET.fromstring((hostile_site.site / "sitemap.xml").read_bytes())  # noqa: S314


def test_search_index_is_json_and_holds_no_markup_from_records(
    hostile_site: HostileSite,
) -> None:
    index = json.loads((hostile_site.site / "search" / "search_index.json").read_text("utf-8"))
    text = " ".join(doc["title"] + " " + doc["text"] for doc in index["docs"])
    assert "window.__pwned" in text  # the payloads are indexed, as text
    # Material's search shows these strings as HTML: no tag of a payload may be in them.
    for tag in ("<script", "<svg", "<img", "<iframe", "<div markdown", "<a href"):
        assert tag not in text, tag


def test_the_escape_helpers() -> None:
    # Known answers from the HTML and CommonMark specs: references for & < > " ' and the
    # Markdown specials, controls and bidi shown as [U+XXXX], whitespace collapsed.
    assert escape('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert escape("a*b_c`d[e]f|g#h\\i") == "a&#42;b&#95;c&#96;d&#91;e&#93;f&#124;g&#35;h&#92;i"
    assert escape("x\u202ey\x00z") == "x&#91;U+202E&#93;y&#91;U+0000&#93;z"
    assert plain(" a \n\t b ") == "a b"
    assert plain(["x", 1]) == '["x", 1]'
    assert safe_href("javascript:alert(1)") is None
    assert safe_href(" JaVa\tScRiPt:alert(1)") is None
    assert safe_href("data:text/html,x") is None
    assert safe_href("https://example.org/a b") == "https://example.org/a%20b"
    assert safe_href("tasks/T1/") == "tasks/T1/"
    assert link("<b>", "javascript:x") == "&lt;b&gt;"
    assert link("<b>", 'tasks/"x/') == '<a href="tasks/%22x/">&lt;b&gt;</a>'
    assert all(escape(h).count("<") == 0 for h in HOSTILE) and "<" not in escape(BIG)


def test_a_hostile_unit_name_reaches_the_strata_as_text(hostile_site: HostileSite) -> None:
    # The org units' names carry the payload, so the district names (publisher/names.py:
    # no office suffix left, full name + 辖区) do too; the pick table shows them as text.
    task = (hostile_site.site / "tasks" / "T2026-0001" / "index.html").read_text("utf-8")
    cells = re.findall(r'<span class="lottery-stratum" title="([^"]*)">([^<]*)</span>', task)
    assert cells, "no stratum cell: the test would be vacuous"
    for title, text in cells:
        assert html.unescape(title).startswith("分层代码 ")
        shown = html.unescape(text)
        assert "<img src=x onerror=window.__pwned=14>" in shown and "辖区 · " in shown
