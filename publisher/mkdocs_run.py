"""Run MkDocs for the site: in full, or only for the pages whose source changed (issue #19).

Both runs use MkDocs' own build (:func:`mkdocs.commands.build.build`). A full run renders
every page. An incremental run starts from the last built site (hard links from the cache,
publisher/site_cache.py) and uses MkDocs' ``dirty`` mode: a page or static file whose
source did not change is neither read nor rendered nor copied (its file says it is not
modified), the others are, and the theme's templates (404, sitemap) are
written again. What a page's HTML depends on besides its own source is the same by then
(the nav is fixed in ``mkdocs.yml``, no page has front matter the nav shows, and the
settings digest covers the rest), so its HTML is the last build's. The search index, which
MkDocs writes from the pages it rendered only, is put together again in the full build's
order from each page's entries (new ones for rendered pages, the cached ones for the rest),
and left to the caller to write (:func:`write_index`), once, with the company pages'
entries (publisher/target_shell.py): the index is the size of the site.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

SEARCH_INDEX = Path("search") / "search_index.json"
_DIRTY_WARNING = "A 'dirty' build is being performed"


@dataclass
class Index:
    """A search index not written yet: its fields but ``docs`` (``head``), and its entries,
    each serialised as the search plugin serialises its index (:func:`entry_text`)."""

    head: dict[str, Any]
    docs: list[str]


@dataclass
class Recorded:
    """What a run saw: the pages in build order and each page's search-index entries."""

    order: list[str] = field(default_factory=list)
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Each rendered page's entries, as the search plugin made them."""
    search: dict[str, list[str]] = field(default_factory=dict)
    """After the run: every page's entries, serialised (:func:`entry_text`)."""
    rendered: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)
    """Incremental: the site paths (POSIX) of the files MkDocs wrote again (unlinked first)."""
    index: Index | None = None
    """Incremental: the merged search index, not written yet (:func:`write_index`)."""


class _Recorder(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Records each rendered page's search entries (after the search plugin added them)."""

    def __init__(
        self,
        index: Callable[[], list[dict[str, Any]]],
        out: Recorded,
        changed: set[str] | None,
        outside: Outside | None,
    ) -> None:
        super().__init__()
        self._index = index
        self._out = out
        self._seen = 0
        self._changed = changed
        self._outside = outside

    @event_priority(-200)  # after every other plugin's on_files
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        """Incremental: a source is modified when it changed, whatever the files' times
        (MkDocs' ``dirty`` mode asks :meth:`File.is_modified`)."""
        if self._changed is not None:
            docs = Path(config.docs_dir)
            for file in files:
                src = file.abs_src_path
                if src is None or not Path(src).is_relative_to(docs):
                    continue  # the theme's files: the settings digest covers them
                # Changed, or not in the last site (the company pages' shell, removed
                # from every built site after use).
                modified = file.src_uri in self._changed or not Path(file.abs_dest_path).is_file()
                file.is_modified = (lambda m: lambda: m)(modified)  # type: ignore[method-assign]
            site = Path(config.site_dir)
            for file in files:
                if file.is_modified():  # written again: never through a link to the last site
                    (site / file.dest_uri).unlink(missing_ok=True)
                    self._out.written.add(file.dest_uri)
        if self._outside is not None:
            files.get_file_from_path = self._outside.lookup(files, config)  # type: ignore[method-assign,assignment]
        return files

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        self._out.order = [f.src_uri for f in files.documentation_pages()]
        return env

    @event_priority(-100)  # after the search plugin's own on_page_context
    def on_page_context(
        self, context: Any, /, *, page: Page, config: MkDocsConfig, nav: Any
    ) -> Any:
        entries = self._index()
        self._out.entries[page.file.src_uri] = entries[self._seen :]
        self._out.rendered.add(page.file.src_uri)
        self._seen = len(entries)
        return context


class _DropDirtyWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_DIRTY_WARNING)


@dataclass
class Outside:
    """Static files that stay outside ``docs_dir`` (the export: about 100,000 files at the
    issue's size): MkDocs knows them, so that the pages' links to them resolve as for any
    static file (the same HTML), but neither finds them by walking ``docs_dir`` nor
    copies them; the caller links them into the site (``<prefix>/<name>``)."""

    prefix: str
    folder: Path
    names: AbstractSet[str]

    def lookup(self, files: Files, config: MkDocsConfig) -> Callable[[str], File | None]:
        """``files.get_file_from_path`` that also knows these files: a :class:`File` is made
        only for a name a rendered page links to (MkDocs resolves every link through this
        one lookup), never put in the collection, so MkDocs neither walks for nor copies
        any of them (making one for each of ~100,000 names cost seconds a build)."""
        known = files.get_file_from_path
        prefix = f"{self.prefix}/"
        names = self.names
        made: dict[str, File] = {}

        def get(path: str) -> File | None:
            found = known(path)
            if found is not None:
                return found
            uri = PurePath(path).as_posix()
            name = uri[len(prefix) :]
            if not uri.startswith(prefix) or name not in names:
                return None
            file = made.get(uri)
            if file is None:
                file = File(uri, config.docs_dir, config.site_dir, config.use_directory_urls)
                file.abs_src_path = str(self.folder / name)
                made[uri] = file
            return file

        return get


def _search_plugin(config: MkDocsConfig) -> Any:
    from material.plugins.search.plugin import SearchPlugin

    for plugin in config.plugins.values():
        if isinstance(plugin, SearchPlugin):
            return plugin
    return None


def dest_of(config: MkDocsConfig, src_uri: str) -> str:
    """The site path (POSIX, relative) MkDocs writes the source ``src_uri`` to."""
    file = File(src_uri, config.docs_dir, config.site_dir, config.use_directory_urls)
    return file.dest_uri


def run(
    config: MkDocsConfig,
    *,
    changed: set[str] | None = None,
    cached_search: Mapping[str, list[str]] | None = None,
    outside: Outside | None = None,
) -> Recorded:
    """Build with MkDocs into ``config.site_dir``.

    ``changed`` (incremental): the sources (relative to ``docs_dir``) that are new or differ
    from the last build, whose site (``site_dir``) is already in place without their files;
    every other source's file in the site is the last build's. ``None``: a full build.
    ``outside``: static files MkDocs knows but neither walks for nor copies (:class:`Outside`).
    Incremental: the search index of every page is in ``Recorded.index``, not yet in
    ``site_dir``: the caller writes it (:func:`write_index`).
    """
    from mkdocs.commands.build import build

    recorded = Recorded()
    # The search plugin makes its index in its on_config: read it through the plugin.
    search = _search_plugin(config)
    config.plugins["lottery/cache-recorder"] = _Recorder(
        lambda: search.search_index.entries if search is not None else [],
        recorded,
        changed,
        outside,
    )
    dirty = changed is not None
    quiet = _DropDirtyWarning()
    logger = logging.getLogger("mkdocs.commands.build")
    if dirty:
        logger.addFilter(quiet)
    try:
        build(config, dirty=dirty)
    finally:
        logger.removeFilter(quiet)
    recorded.search = {
        src: [entry_text(entry) for entry in entries] for src, entries in recorded.entries.items()
    }
    if dirty:
        recorded.index = _merge_search(Path(config.site_dir), recorded, cached_search or {})
    return recorded


def _merge_search(site: Path, recorded: Recorded, cached: Mapping[str, list[str]]) -> Index:
    """The search index of every page, in the full build's order: the rendered pages'
    new entries, the cached entries of the others (not written: :func:`write_index`)."""
    index = read_index(site)
    docs: list[str] = []
    for src in recorded.order:
        entries = recorded.search[src] if src in recorded.rendered else cached.get(src, [])
        recorded.search[src] = entries
        docs += entries
    return Index({"config": index["config"]}, docs)


def read_index(site: Path) -> dict[str, Any]:
    """The search index MkDocs wrote into ``site``."""
    index: dict[str, Any] = json.loads((site / SEARCH_INDEX).read_text("utf-8"))
    return index


def entry_text(entry: Mapping[str, Any]) -> str:
    """One search-index entry serialised as the search plugin serialises its index."""
    return json.dumps(entry, separators=(",", ":"), default=str)


def write_index(site: Path, index: Index) -> None:
    """Write the search ``index`` into ``site`` (as a new file: the old one may be a link
    to the last site's): the bytes the search plugin writes for the same index (its
    ``docs`` last, as in the plugin's), its entries spliced in as they were serialised."""
    head = entry_text(index.head)[:-1] + ("," if index.head else "")
    path = site / SEARCH_INDEX
    path.unlink(missing_ok=True)
    path.write_bytes(f'{head}"docs":[{",".join(index.docs)}]}}'.encode())
