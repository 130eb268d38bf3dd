"""The built site as files: feed, Chinese search index, target shards, no external loads,
and not one byte of a private key, an unrevealed secret or a sealed outcome."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

from lottery.core.canonical import sha256_hex
from publisher.model import load_model
from tests.publisher.conftest import BuiltSite


def _search_tokens(built_site: BuiltSite) -> tuple[set[str], str]:
    index = json.loads((built_site.site / "search" / "search_index.json").read_text("utf-8"))
    text = " ".join(doc["text"] + " " + doc["title"] for doc in index["docs"])
    # Material segments Chinese with jieba at build time, separating words with U+200B.
    return set(re.split(r"[\s\u200b]+", re.sub(r"<[^>]+>", " ", text))), text


def test_feed_is_rss_of_the_latest_records(built_site: BuiltSite) -> None:
    root = ET.fromstring((built_site.site / "feed.xml").read_bytes())  # noqa: S314 - our own output
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = root.findall("channel/item")
    model = load_model(built_site.built.export)
    assert 0 < len(items) <= 50
    guids = [i.findtext("guid") for i in items]
    assert guids == [r.id for r in model.records[::-1][: len(items)]]  # newest first
    dates = [parsedate_to_datetime(i.findtext("pubDate") or "") for i in items]
    assert dates[0] == max(dates)
    for item in items:
        link = item.findtext("link") or ""
        path = link.removeprefix("https://rfb.example.gov.cn/")
        assert path != link and (built_site.site / path / "index.html").is_file(), link
    titles = [i.findtext("title") or "" for i in items]
    assert any("行政处罚" in t for t in titles) and any("抽查结果" in t for t in titles)


def test_every_page_names_the_feed(built_site: BuiltSite) -> None:
    site = built_site.site.resolve()
    pages = [p for p in site.rglob("*.html") if p.name != "404.html"]
    assert len(pages) >= 10
    link = re.compile(r'<link rel="alternate" type="application/rss\+xml" [^>]*href="([^"]+)"')
    for page in pages:
        found = link.findall(page.read_text("utf-8"))
        assert len(found) == 1, f"{page.relative_to(site)} names the feed {len(found)} times"
        assert (page.parent / found[0]).resolve() == site / "feed.xml", page


def test_search_finds_words_from_the_middle_of_company_and_item_names(
    built_site: BuiltSite,
) -> None:
    tokens, _ = _search_tokens(built_site)
    # "监理" sits inside "武冈恒信工程监理有限公司" (picked targets on task pages) and inside
    # the item "人防工程监理单位资质"; "恒信" is a brand in the middle of company names.
    assert "监理" in tokens and "恒信" in tokens and "资质" in tokens
    assert not any(t.endswith("监理有限公司") and len(t) > 6 for t in tokens)
    assert "人防工程监理单位资质" not in tokens


def test_targets_are_sharded_with_a_manifest_and_kept_out_of_search(built_site: BuiltSite) -> None:
    data = built_site.site / "targets" / "data"
    manifest = json.loads((data / "manifest.json").read_bytes())
    assert manifest["rows"] == 5000 and len(manifest["shards"]) == 3
    rows = []
    for shard in manifest["shards"]:
        blob = (data / shard["path"]).read_bytes()
        assert sha256_hex(blob) == shard["sha256"]
        part = json.loads(blob)["rows"]
        assert len(part) == shard["rows"] and part[0][0] == shard["first"]
        assert part[-1][0] == shard["last"]
        rows += part
    regs = built_site.built.regs
    assert [r[0] for r in rows] == sorted(c.id for c in regs.candidates)
    assert all(built_site.built.names[r[0]] == r[1] for r in rows)
    # A target that no task page or result shows is in the shards only, not in search.
    shown = {p for picks in built_site.built.picks.values() for p in picks}
    hidden = next(c.id for c in regs.candidates if c.id not in shown)
    _, text = _search_tokens(built_site)
    assert hidden not in text


def test_nothing_loads_from_outside_the_site(built_site: BuiltSite) -> None:
    absolute = re.compile(r"^(?:[a-z]+:)?//", re.IGNORECASE)
    for page in built_site.site.rglob("*.html"):
        html = page.read_text("utf-8")
        for src in re.findall(r'\ssrc="([^"]*)"', html):
            assert not absolute.match(src), (page, src)
        for tag in re.findall(r"<link\b[^>]*>", html):
            rel = re.search(r'rel="([^"]*)"', tag)
            href = re.search(r'href="([^"]*)"', tag)
            if rel and href and rel.group(1) not in ("canonical", "alternate"):
                assert not absolute.match(href.group(1)), (page, tag)
        assert "fonts.googleapis" not in html
    for css in built_site.site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text("utf-8")):
            assert not absolute.match(url), (css, url)


def test_no_private_key_secret_or_sealed_outcome_anywhere(built_site: BuiltSite) -> None:
    forbidden = list(built_site.built.forbidden())
    assert len(forbidden) > 5  # a key, two unrevealed secrets, a sealed outcome, its tickets
    for root in (built_site.site, built_site.built.export, built_site.work):
        files = [p for p in root.rglob("*") if p.is_file()]
        assert files
        for path in files:
            data = path.read_bytes()
            for what, needle in forbidden:
                assert needle not in data, f"{what} found in {path}"


def test_every_link_on_every_page_resolves(built_site: BuiltSite) -> None:
    site = built_site.site.resolve()
    checked = 0
    for page in site.rglob("*.html"):
        if page.name == "404.html":  # MkDocs writes it with root-absolute links
            continue
        html = page.read_text("utf-8")
        for href in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html):
            if re.match(r"^(?:[a-z]+:|//|#)", href):
                continue
            path = href.split("#")[0].split("?")[0]
            target = (page.parent / path).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(site)} links to missing {href}"
            checked += 1
    assert checked > 300


def test_data_tables_are_kept_out_of_the_search_index(built_site: BuiltSite) -> None:
    index = json.loads((built_site.site / "search" / "search_index.json").read_text("utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert {"log/", "results/", "tasks/T2026-0001/"} <= locations
    assert not {loc for loc in locations if re.match(r"^(log|results)/[^/]+/$", loc)}
    assert (built_site.site / "log" / "1" / "index.html").is_file()
    assert (built_site.site / "results" / "T2026-0001" / "index.html").is_file()


def test_the_in_browser_verifier_gets_the_pages_check_sentences(built_site: BuiltSite) -> None:
    from publisher.check_words import CHECKS_ZH

    path = built_site.site / "assets" / "lottery" / "check-words.json"
    assert json.loads(path.read_text("utf-8")) == CHECKS_ZH
    # Next to verify.js, which fetches it relative to its own URL.
    assert (path.parent / "verify.js").is_file()
