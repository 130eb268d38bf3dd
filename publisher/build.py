"""Build the static site: export in, Markdown pages, then MkDocs Material out.

``build_site`` writes the pages into a work directory, the target registry as sharded JSON, the
single-file verifier (``verify/lottery-verify.pyz``, :mod:`lottery.verifier.bundle`), the
RSS feed, runs ``mkdocs build --strict`` with the project's ``mkdocs.yml``, and links the whole
export into the site (so the site is self-contained and verifiable offline; MkDocs resolves the
pages' links to it but does not copy it, :class:`publisher.mkdocs_run.Outside`). The company
pages are HTML, written into the theme's page shell after MkDocs (:mod:`publisher.target_shell`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lottery.core import serving
from lottery.core.cosignature import CosignatureVerifier
from lottery.core.errors import LotteryError
from lottery.core.records import Record
from lottery.core.witness_audit import WitnessPolicy
from lottery.verifier.bundle import FILE_NAME as VERIFIER_FILE
from lottery.verifier.bundle import build_pyz
from publisher import (
    collector,
    mkdocs_run,
    page_inputs,
    pages,
    plan_pages,
    registry_pages,
    result_pages,
    site_cache,
    stats_pages,
    target_pages,
    target_shell,
    task_pages,
)
from publisher.check_words import CHECKS_ZH
from publisher.feed import feed_xml
from publisher.model import PublishError, SiteModel, load_model
from publisher.names import REGIONS_FILE, regions_json
from publisher.office import Office, about_page
from publisher.shards import MANIFEST, shard_files, write_shards
from publisher.snapshot import Snapshot
from publisher.witness_status import log_time, witness_status

ROOT = Path(__file__).resolve().parents[1]
ASSETS = Path(__file__).resolve().parent / "assets"
# publisher/assets/ is copied here in the built docs; its scripts are on every page as extra
# scripts and each acts only where its block exists (task pages, the target lookup page).
ASSETS_DIR = "assets/lottery"
SCRIPTS = (f"{ASSETS_DIR}/verify.js", f"{ASSETS_DIR}/lookup.js", f"{ASSETS_DIR}/accessibility.js")
STYLES = (f"{ASSETS_DIR}/site.css",)
CHECK_WORDS = "check-words.json"
WITNESSES = "witnesses.json"
TARGET_DATA = "targets/data"
HEADERS_FILE = "_headers"

verifier_bytes = cache(build_pyz)
"""The single-file verifier, built once per process (the sources do not change while it runs)."""


@dataclass
class Reuse:
    """Markdown pages of the last build that may stand in for new ones (docs/site-publishing.md
    "Incremental builds"): the cache's copy of them and the digest of each one's inputs
    (:mod:`publisher.page_inputs`)."""

    folder: Path
    inputs: Mapping[str, str]

    def linked(self, key: str, digest: str, docs: Path) -> bool:
        """Link the last build's ``key`` into ``docs`` when its inputs' digest is ``digest``;
        False when it must be generated."""
        source = self.folder / key
        if self.inputs.get(key) != digest or not source.is_file():
            return False
        (docs / key).parent.mkdir(parents=True, exist_ok=True)
        site_cache.link_or_copy(source, docs / key)
        return True


@dataclass
class Written:
    """What :func:`write_pages` wrote: the page count (company pages included), the records
    that name each company (its page is rendered by :func:`build_site` into the built site's
    shell), the scopes' digests, and each task and results page's inputs' digest (``inputs``,
    ``reused``: those linked from the last build, not generated)."""

    count: int
    targets: dict[str, target_pages.TargetFacts]
    scopes: page_inputs.Scopes
    inputs: dict[str, str] = field(default_factory=dict)
    reused: set[str] = field(default_factory=set)


def write_pages(
    model: SiteModel, docs: Path, office: Office | None = None, reuse: Reuse | None = None
) -> Written:
    """Write every Markdown page (and the company pages' shell), the target shards and
    ``feed.xml``; gather what names each company.

    ``reuse``: a task or results page whose inputs are those of the last build's page is
    that page (a link), not generated again.

    Raises:
        PublishError: when a registry snapshot in the export is malformed.
    """
    with collector.paused():
        return _write_pages(model, docs, office, reuse)


def _write_pages(
    model: SiteModel, docs: Path, office: Office | None, reuse: Reuse | None
) -> Written:
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    scopes = page_inputs.scopes(model)
    inputs: dict[str, str] = {}
    reused: set[str] = set()

    def fresh(key: str, digest: str, page: bool = True) -> bool:
        inputs[key] = digest
        if reuse is not None and reuse.linked(key, digest, docs):
            if page:
                reused.add(key)
            return False
        return True

    verifier = verifier_bytes()
    (docs / "verify").mkdir()
    (docs / "verify" / VERIFIER_FILE).write_bytes(verifier)
    written: dict[Path, str] = {
        docs / "index.md": pages.index_page(model),
        docs / "tasks" / "index.md": task_pages.tasks_index(model),
        docs / "verify" / "index.md": pages.verify_page(model, verifier),
        docs / "fair" / "index.md": pages.fair_page(),
        docs / "inspectors" / "index.md": registry_pages.inspectors_page(model),
        docs / "penalties" / "index.md": result_pages.penalties_page(model),
        docs / "plans" / "index.md": plan_pages.plans_page(model),
        docs / "about" / "index.md": about_page(office or Office()),
    }
    # 统计与考评 and its downloads, from the same figures (docs/statistics.md).
    views = stats_pages.year_views(
        model,
        stats_pages.collect(model, plan_pages.planned_counts(model) or None),
        (office or Office()).name,
    )
    written[docs / "stats" / "index.md"] = stats_pages.stats_page(views)
    (docs / "stats").mkdir()
    (docs / "stats" / stats_pages.CSV_FILE).write_bytes(stats_pages.csv_bytes(views))
    (docs / "stats" / stats_pages.XLSX_FILE).write_bytes(stats_pages.xlsx_bytes(views))
    witnessing = witness_status(model)  # the published witness policy, once for all tasks
    as_of = log_time(model)  # the export's time, never the wall clock (pages are pure)
    for view in model.tasks.values():
        key = f"tasks/{view.task}.md"
        # The witness rows read the log beyond the task's records (cosignatures, the log's
        # newest time): their text is one of the page's inputs.
        rows = repr(task_pages.witness_rows(witnessing, view.task, as_of))
        if fresh(key, scopes.task_page(view.task, view.verification, view.status, rows)):
            written[docs / key] = task_pages.task_page(model, view, witnessing, as_of)
    results = result_pages.result_pages(
        model, lambda task: not fresh(f"results/{task}.md", scopes.result_page(task))
    )
    chunks = pages.log_chunk_ids(model)
    log = pages.log_pages(model, lambda n: not fresh(f"log/{n}.md", scopes.log_page(chunks[n - 1])))
    for folder, group in (
        ("log", log),
        ("items", registry_pages.item_pages(model)),
        ("results", results),
    ):
        for name, text in group.items():
            written[docs / folder / f"{name}.md"] = text
    # A page per target that a published record names, and their list for the lookup.
    named = target_pages.collect(model)
    if named:
        written[docs / "targets" / f"{target_shell.SHELL}.md"] = target_shell.shell_markdown()
    targets = model.latest_snapshot("targets")
    manifest = None
    if targets is not None:
        _target_data(docs / TARGET_DATA, targets, scopes.target_data(targets[0].id), fresh, inputs)
        (docs / TARGET_DATA / target_pages.PAGES_FILE).write_bytes(target_pages.pages_json(named))
        (docs / TARGET_DATA / REGIONS_FILE).write_bytes(regions_json(model.places()))
        manifest = f"data/{MANIFEST}"
    written[docs / "targets" / "index.md"] = registry_pages.targets_page(model, manifest)
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    count = len(written) + len(reused) - bool(named) + len(named)
    return Written(count, named, scopes, inputs, reused)


def _target_data(
    folder: Path,
    targets: tuple[Record, Snapshot],
    digest: str,
    fresh: Callable[[str, str, bool], bool],
    inputs: dict[str, str],
) -> None:
    """The target registry's shards and manifest: the last build's files when the latest
    targets snapshot is the same (``digest``, :meth:`page_inputs.Scopes.target_data`) and
    the cache holds them all, else written."""
    prefix = f"{TARGET_DATA}/"
    if not fresh(prefix + MANIFEST, digest, False):
        names = shard_files((folder / MANIFEST).read_bytes())
        if not any(fresh(prefix + name, digest, False) for name in names):  # all linked
            return
        shutil.rmtree(folder)  # links to the cache's files: never written through them
    write_shards(folder, *targets)
    for name in shard_files((folder / MANIFEST).read_bytes()):
        inputs[prefix + name] = digest  # each file's inputs, for the cache (written: no link)


def witness_config(witnesses: list[str], quorum: int | None) -> str | None:
    """witnesses.json for verify.js: ``{"quorum": N, "witnesses": [vkey, ...]}``; None for none.

    Raises:
        PublishError: for a malformed witness vkey or a quorum outside ``1..len(witnesses)``.
    """
    if not witnesses:
        if quorum is not None:
            raise PublishError("a witness quorum needs at least one witness key")
        return None
    try:
        policy = WitnessPolicy(
            tuple(CosignatureVerifier.from_vkey(v) for v in witnesses),
            len(witnesses) if quorum is None else quorum,
        )
    except LotteryError as exc:
        raise PublishError(f"witness keys: {exc}") from exc
    return json.dumps(
        {"quorum": policy.quorum, "witnesses": [w.vkey for w in policy.witnesses]},
        ensure_ascii=False,
        sort_keys=True,
    )


def build_site(
    export: Path,
    out: Path,
    *,
    work: Path | None = None,
    vkeys: list[str] | None = None,
    office: Office | None = None,
    witnesses: list[str] | None = None,
    quorum: int | None = None,
    cache: Path | None = None,
) -> int:
    """Audit ``export``, write the pages and build the site into ``out``; return page count.

    ``witnesses``: the witness vkeys (docs/witness.md) whose cosignatures the in-browser
    verifier checks for ``announcement.witnessed``, with ``quorum`` (default: all of them);
    written next to verify.js as witnesses.json (docs/browser-verifier.md "Witnesses").
    None or empty: the check says it was not checked, as ``lottery verify`` without
    ``--witness``.

    ``office``: who runs the site, for 关于本站 and every page's footer (publisher/office.py);
    default: the office's name only, no contact details.

    ``cache``: the verified-state cache of the last build (publisher/site_cache.py,
    docs/site-publishing.md "Incremental builds"): tasks whose entries did not change are
    not re-drawn, and when ``out`` is a new folder, MkDocs renders only the pages whose
    source changed (the rest is linked from the last site); the result is byte for byte a
    full build's. The cache is written again after the build.

    Raises:
        PublishError: when the export does not verify, does not extend the log of the cached
            site (a rollback or a fork), or MkDocs fails.
    """
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    witness_file = witness_config(witnesses or [], quorum)
    keys = vkeys or _office_keys(export)
    loaded = site_cache.load(cache, keys) if cache is not None else site_cache.Loaded()
    prior = site_cache.prior(loaded.state)
    model = load_model(export, keys, loaded.known, prior, loaded.sealed if prior else None)
    if loaded.state is not None:
        site_cache.check_continues(loaded.state, model)
    docs = (work or ROOT / "build") / "pages"
    office = office or Office()
    state = loaded.state
    reuse = Reuse(cache / site_cache.PAGES, state.pages) if cache and state else None
    written = write_pages(model, docs, office, reuse)
    # The export (about 100,000 files at the size) stays out of the docs: MkDocs knows
    # its files (the pages' links to them resolve as before) but neither walks nor
    # copies them; they are linked into the site after it (the export replaces, never
    # rewrites, a file).
    exported = site_cache.export_files(export)
    shutil.copytree(ASSETS, docs / ASSETS_DIR)
    # The checks' Chinese sentences, for the in-browser verifier (the same the pages show).
    (docs / ASSETS_DIR / CHECK_WORDS).write_text(
        json.dumps(CHECKS_ZH, ensure_ascii=False, sort_keys=True), encoding="utf-8"
    )
    if witness_file is not None:
        (docs / ASSETS_DIR / WITNESSES).write_text(witness_file, encoding="utf-8")
    config = load_config(
        str(ROOT / "mkdocs.yml"), docs_dir=str(docs), site_dir=str(out.resolve()), strict=True
    )
    config.extra["office"] = office.footer()
    (docs / "feed.xml").write_bytes(feed_xml(model, config.site_url or "/"))
    for script in SCRIPTS:
        if script not in config.extra_javascript:
            config.extra_javascript.append(script)
    for style in STYLES:
        if style not in config.extra_css:
            config.extra_css.append(style)
    plan = _plan(cache, loaded.state, config, docs, out, written, exported) if cache else None
    try:
        recorded = mkdocs_run.run(
            config,
            changed=plan.changed if plan else None,
            cached_search=loaded.state.search if plan and loaded.state else None,
            outside=mkdocs_run.Outside(site_cache.EXPORT, export, exported.keys()),
        )
    except MkDocsException as exc:
        raise PublishError(f"mkdocs build failed: {exc}") from exc
    # Into a new site, every export file; into the spare tree (an incremental build), those
    # new or replaced since the last build (another inode: the spare holds a link to the
    # old one, so its number is not reused; on another file system, copies: all again).
    linked = (
        loaded.state.export
        if plan and plan.changed is not None and loaded.state and _same_device(export, out)
        else {}
    )
    relinked = [k for k, v in exported.items() if linked.get(k) != v]
    site_cache.link_files(export, out / site_cache.EXPORT, relinked)
    companies: dict[str, str] = {}
    rendered: Mapping[str, Any] = {}
    # The company search entries: the cached ones when the pages are the same.
    entries = dict(state.company_search) if state else {}
    inputs = {t: written.scopes.company_page(t, f) for t, f in written.targets.items()}
    shell = target_shell.shell_digest(out) if written.targets else ""
    if written.targets:
        kept = _kept_companies(state, plan, out, shell, inputs, entries)
        rendered = target_pages.target_pages(
            model, {t: f for t, f in written.targets.items() if t not in kept}
        )
        companies = target_shell.fill(
            out,
            {t: rendered.get(t) for t in written.targets},
            plan.companies if plan else None,
            entries,
            recorded.index,
        )
    elif recorded.index is not None:
        mkdocs_run.write_index(out, recorded.index)
    # For static hosts that read a _headers file (docs/export.md "Serving the export").
    (out / HEADERS_FILE).write_text(serving.host_headers_file("/export"), encoding="utf-8")
    if cache is not None:
        new = site_cache.State(
            origin=model.origin,
            keys=keys,
            size=model.report.size,
            root=site_cache.root_of(model),
            settings=plan.settings if plan else "",
            sources=plan.sources if plan else {},
            search=recorded.search,
            companies=companies,
            company_search={k: v for k, v in entries.items() if k in written.targets},
            stats=plan.stats if plan else {},
            pages=written.inputs,
            company_inputs=inputs,
            shell=shell,
            export=exported,
        )
        known = site_cache.storable(model.report.tasks, model.report.verified)
        site_cache.save(
            cache,
            new,
            known,
            out,
            model.report.sealed.contents,
            docs,
            mirror=plan is None or plan.changed is None,
            changes=_changes(plan, recorded, out, relinked, rendered),
        )
    return written.count


def _changes(
    plan: _Plan | None,
    recorded: mkdocs_run.Recorded,
    out: Path,
    relinked: Iterable[str],
    companies: Iterable[str],
) -> site_cache.Changes | None:
    """What an incremental build changed in the spare tree it took (``None``: a full
    build): the files unlinked for writing (the changed sources', those always written,
    ``_headers``), those MkDocs wrote, the export files linked, the company pages rendered
    (``companies``: the only ones that may have been written) and the shell page removed
    (site_cache.adopt)."""
    if plan is None or plan.changed is None or plan.base is None:
        return None
    served = site_cache.tree_mark(out)
    if served is None:
        return None
    paths = plan.skip | recorded.written
    paths.update(f"{site_cache.EXPORT}/{key}" for key in relinked)
    paths.update(f"targets/{target}/index.html" for target in companies)
    paths.add(f"targets/{target_shell.SHELL}/index.html")
    return site_cache.Changes(plan.base, served, sorted(paths))


def _same_device(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _office_keys(export: Path) -> list[str]:
    try:
        return (export / "keys" / "office.vkey").read_text("utf-8").split()
    except OSError:
        return []  # load_model reports the missing export


def _kept_companies(
    state: site_cache.State | None,
    plan: _Plan | None,
    out: Path,
    shell: str,
    inputs: Mapping[str, str],
    entries: Mapping[str, Any],
) -> set[str]:
    """The company pages of the last site that stand (not rendered again): the build
    reused the last site, the theme's shell is the same, and the page's inputs
    (:mod:`publisher.page_inputs`) are the same as for the file linked from the last site."""
    if state is None or plan is None or plan.changed is None or state.shell != shell:
        return set()
    base = os.fspath(out / "targets")  # strings, not pathlib: ~50,000 companies a build
    return {
        target
        for target, digest in inputs.items()
        if state.company_inputs.get(target) == digest
        and target in plan.companies
        and target in entries
        and os.path.isfile(f"{base}/{target}/index.html")
    }


@dataclass
class _Plan:
    """How a build with a cache runs: ``changed`` is ``None`` for a full MkDocs run."""

    settings: str
    sources: dict[str, str]
    changed: set[str] | None
    companies: dict[str, str]
    stats: dict[str, list[int]] = field(default_factory=dict)
    skip: set[str] = field(default_factory=set)
    """Incremental: the site paths unlinked from the spare tree to be written again."""
    base: list[int] | None = None
    """Incremental: the spare tree's mark when taken (site_cache.tree_mark)."""


def _plan(
    cache: Path,
    state: site_cache.State | None,
    config: Any,
    docs: Path,
    out: Path,
    written: Written,
    exported: Mapping[str, int],
) -> _Plan:
    """Compare the sources with the cache's; when the last site can be reused, its spare
    tree becomes ``out`` (a new folder) without the files that will be written again."""
    settings = site_cache.settings_digest(
        ROOT / "mkdocs.yml",
        ROOT / "publisher" / "overrides",
        {
            "extra": dict(config.extra),
            "js": [str(s) for s in config.extra_javascript],
            "css": [str(s) for s in config.extra_css],
            "site_url": config.site_url,
        },
    )
    # A source with the size and time of the last build's (a file linked from the cache
    # or the export) keeps its digest: only what was written again is read.
    sources, stats = site_cache.digest_sources(
        docs, state.sources if state else {}, state.stats if state else {}
    )
    mirror = cache / site_cache.MIRROR
    changed = site_cache.changed(state, sources)
    reusable = (
        state is not None
        and changed is not None
        and state.settings == settings
        and mirror.is_dir()
        and not (out.exists() and any(out.iterdir()))
        and set(state.companies) <= set(written.targets)
        and state.export.keys() <= exported.keys()
        and not _nav_meta(config, docs)
    )
    if not reusable or state is None or changed is None:
        return _Plan(settings, sources, None, {}, stats)
    skip = {mkdocs_run.dest_of(config, src) for src in changed}
    skip |= set(site_cache.ALWAYS_WRITTEN) | {HEADERS_FILE}
    if out.exists():
        out.rmdir()  # new and empty (above): the spare tree is renamed there
    out.parent.mkdir(parents=True, exist_ok=True)
    base = site_cache.tree_mark(mirror)
    if not site_cache.take_spare(cache, out, skip):
        return _Plan(settings, sources, None, {}, stats)
    return _Plan(settings, sources, changed, state.companies, stats, skip, base)


def _nav_meta(config: Any, docs: Path) -> bool:
    """True when a page of the nav starts with front matter (the nav might show it: such a
    site is always built in full)."""
    for item in config.nav or []:
        for src in item.values() if isinstance(item, dict) else [item]:
            path = docs / str(src)
            if path.is_file() and path.read_bytes().startswith(b"---"):
                return True
    return False
