"""Company pages outside MkDocs (issue #17): the theme's page shell, filled once per company.

MkDocs builds one page, ``targets/{SHELL}/`` (:func:`shell_markdown`: the placeholder title
and the sections' headings, so the theme gives it the header, the nav, the table of contents,
the footer, the skip link and the language attributes of every target page). After the
build, :func:`fill` cuts that page around its article, writes each company's page as the
shell with the company's name, URL and article (``publisher/templates/target.html``, HTML
rendered by Jinja2 with the site's escaping), removes the shell page, and gives each company
page its one search-index entry and its sitemap entry.

Why: through MkDocs, a company page cost its Markdown conversion, the theme's template, the
search plugin's HTML parse and one index entry per heading section; 47,000 of them (the full
workload) would take about 15 minutes and a search index of hundreds of MB (docs/decisions.md,
"Company pages outside MkDocs"; docs/benchmarks.md).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import shutil
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from publisher import mkdocs_run
from publisher.collector import paused
from publisher.model import PublishError
from publisher.render import render
from publisher.target_pages import SEARCH_BOOST, SECTIONS, TargetPage

# The shell's page name: lower case, so never a USCC (``[0-9A-Z]{18}``, pages.has_page).
SHELL = "lottery-page-shell"
# Placeholders in the shell: the company's name (the h1, so the page's title) and the end
# of its article.
NAME = "LOTTERYTARGETNAME"
END = "LOTTERYTARGETEND"
ANCHOR = NAME.lower()  # the h1's id, made by Markdown's toc extension
_ARTICLE_START = f'<h1 id="{ANCHOR}">'
_ARTICLE_END = f"<p>{END}</p>"
SITEMAP = "sitemap.xml"


def shell_markdown() -> str:
    """The shell page's Markdown (``targets/{SHELL}.md``), kept out of the search index."""
    return render("target_shell.md", name=NAME, sections=SECTIONS, end=END)


def _cut(page: str) -> tuple[str, str]:
    """The shell page before and after its article's content (h1 .. the end placeholder)."""
    start, end = page.find(_ARTICLE_START), page.find(_ARTICLE_END)
    if start < 0 or end < start or page.count(_ARTICLE_START) != 1:
        raise PublishError("target page shell: the theme's page has no article to fill")
    return page[:start], page[end + len(_ARTICLE_END) :]


@cache
def _indexer() -> Any:
    from material.plugins.search.plugin import SearchIndex

    return SearchIndex()


def _segment(text: str) -> str:
    """``text`` segmented as Material's search plugin segments every other page's text
    (jieba's words between U+200B), by its own function, so a query's words match."""
    segmented: str = _indexer()._segment_chinese(text)  # the plugin's own function
    return segmented


def search_entry(target: str, page: TargetPage) -> dict[str, Any]:
    """The page's one entry in Material's index: title = the full name, text = what a
    citizen would search it by; HTML-escaped like the plugin's own (the search shows these
    strings as HTML), boosted."""
    return {
        "location": f"targets/{target}/",
        "title": _segment(html.escape(page.name, quote=False)),
        "text": _segment(html.escape(page.search_text, quote=False)),
        "boost": SEARCH_BOOST,
    }


def _entry_key(target: str, page: TargetPage) -> str:
    """What a company's search entry is made of, hashed."""
    parts = (target, page.name, page.search_text, str(SEARCH_BOOST))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _write_search_index(
    site: Path,
    pages: Mapping[str, TargetPage | None],
    entries: dict[str, tuple[str, str]],
    index: mkdocs_run.Index | None,
) -> None:
    """The company entries at the end of the index (``index``: the one not yet written,
    :func:`publisher.mkdocs_run.run`'s incremental index; ``None``: the one in ``site``),
    written once; ``entries`` (by USCC: key and serialised entry) holds those of the last
    build, and is brought up to date (the segmentation is the costly part). Kept entries
    are spliced in as they were serialised: neither parsed nor serialised again."""
    if index is None:
        raw = mkdocs_run.read_index(site)
        docs = [mkdocs_run.entry_text(d) for d in raw.pop("docs")]
        index = mkdocs_run.Index(raw, docs)
    # The shell's entries, if any (a serialised entry's own quotes are escaped in strings).
    shell = f'"location":"targets/{SHELL}/'
    docs = [d for d in index.docs if shell not in d]
    for target, page in pages.items():
        if page is not None:
            key = _entry_key(target, page)
            if target not in entries or entries[target][0] != key:
                entries[target] = (key, mkdocs_run.entry_text(search_entry(target, page)))
        docs.append(entries[target][1])  # None: unchanged (fill checked that it is there)
    mkdocs_run.write_index(site, mkdocs_run.Index(index.head, docs))


def _write_sitemap(site: Path, pages: Mapping[str, TargetPage | None]) -> None:
    """Each company page in ``sitemap.xml`` (and its ``.gz``, same timestamp) where the
    shell was."""
    path = site / SITEMAP
    if not path.is_file():
        return
    text = path.read_text("utf-8")
    start = text.find(f"/targets/{SHELL}/")
    if start < 0:
        return
    start = text.rfind("<url>", 0, start)
    end = text.index("</url>", start) + len("</url>")
    block = text[start:end]
    urls = "\n    ".join(block.replace(SHELL, target) for target in pages)
    text = text[:start] + urls + text[end:]
    path.write_text(text, "utf-8")
    packed = site / f"{SITEMAP}.gz"
    if packed.is_file():
        stamp = int.from_bytes(packed.read_bytes()[4:8], "little")  # the gzip header's MTIME
        with packed.open("wb") as raw, gzip.GzipFile(None, "wb", fileobj=raw, mtime=stamp) as gz:
            gz.write(text.encode("utf-8"))


def shell_digest(site: Path) -> str:
    """SHA-256 of the shell page MkDocs built into ``site`` (empty when there is none):
    a company page of the last build stands only if it was written into the same shell."""
    try:
        return hashlib.sha256((site / "targets" / SHELL / "index.html").read_bytes()).hexdigest()
    except OSError:
        return ""


def _fill(part: str, title: str, anchor: str, target: str) -> str:
    return part.replace(ANCHOR, anchor).replace(NAME, title).replace(SHELL, target)


@paused()  # many objects, freed by reference counting (publisher/collector.py)
def fill(
    site: Path,
    pages: Mapping[str, TargetPage | None],
    previous: Mapping[str, str] | None = None,
    entries: dict[str, tuple[str, str]] | None = None,
    index: mkdocs_run.Index | None = None,
) -> dict[str, str]:
    """Write every company page of ``pages`` (by USCC) into the built ``site`` from the
    shell page, then drop the shell, from the site, the search index and the sitemap.
    Return each page's SHA-256.

    ``previous``: the digests of the pages already in ``site`` (an incremental build,
    publisher/site_cache.py): a page with the same digest is left as it is (it may be a
    link to the last site's file); any other is replaced by a new file. ``entries``: the
    company search entries of the last build (by USCC: what they were made of, hashed, and
    the entry, serialised), reused when unchanged and brought up to date. A page given as
    ``None`` is the last build's, unchanged (publisher/page_inputs.py): its file (linked
    from the last site), digest and search entry stay. ``index``: the search index to complete and
    write (an incremental build's, not written yet); ``None``: the one in ``site``.

    Raises:
        PublishError: when the shell page is missing or has no article to fill.
    """
    folder = site / "targets" / SHELL
    try:
        before, after = _cut((folder / "index.html").read_text("utf-8"))
    except OSError as exc:
        raise PublishError(f"target page shell: {exc}") from exc
    digests: dict[str, str] = {}
    for target, page in pages.items():
        if page is None:
            if not previous or target not in previous or not entries or target not in entries:
                raise PublishError(f"target page {target}: nothing of the last build to keep")
            digests[target] = previous[target]
            continue
        # The name is in the <title> and the header: as text (the theme escapes it there).
        # The h1's id is in the skip link.
        title, anchor = html.escape(page.name), html.escape(page.anchor)
        data = (
            _fill(before, title, anchor, target) + page.body + _fill(after, title, anchor, target)
        ).encode("utf-8")
        digest = digests[target] = hashlib.sha256(data).hexdigest()
        path = site / "targets" / target / "index.html"
        if previous and previous.get(target) == digest and path.is_file():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # never written through a link to the last site
        path.write_bytes(data)
    shutil.rmtree(folder)
    _write_search_index(site, pages, entries if entries is not None else {}, index)
    _write_sitemap(site, pages)
    return digests
