"""The verified-state cache beside a site (issue #19): what a rebuild may reuse.

``<site>.cache/`` (:func:`cache_for`) holds, after every successful build:

- ``state.json``: the log the site was built from (origin, keys, checkpoint size and root),
  the digest of everything every page's HTML depends on besides its own source
  (:func:`settings_digest`), the SHA-256 of every source file MkDocs read (pages and static
  files), and the digest of each company page;
- ``search.tsv`` and ``company_search.tsv``: each page's and each company page's
  search-index entries, serialised as in the index, spliced into the next one as they are
  (never parsed: :func:`publisher.mkdocs_run.write_index`);
- ``tasks.pickle``: each task's verification with the digest of the entries it was made
  from (:func:`lottery.core.audit.task_digest`), so an unchanged task is not re-drawn;
- ``sealed.pickle``: the sealed contents the audit opened, by record id, so a blob is not
  read again (:func:`lottery.core.sealed_audit.audit_sealed`);
- ``pages/``: the task, results and log listing pages of the last build (hard links), each
  generated again only when its inputs changed (publisher/page_inputs.py);
- ``site/``: the spare tree: the built site as hard links (copies across file systems),
  renamed into the next build's folder and changed there (:func:`take_spare`); after the
  swap, the build no longer served becomes the spare (:func:`adopt`);
- ``changes.json`` (after an incremental build): the site paths it changed in the spare it
  took, so that :func:`adopt` re-links only those (:class:`Changes`).

The cache is the publisher's own state, trusted like the build folder: it is never served
and never read from the export. A cache that is missing, unreadable, of another version,
for other keys or another log is ignored (a full build, which then writes a new one). A
cache whose log is not a prefix of the export's (a rollback or a fork) is an error: the
export is refused (:func:`check_continues`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lottery.core.audit_state import PriorAudit
from lottery.core.verify import TaskVerification
from publisher.model import PublishError, SiteModel
from publisher.page_inputs import package_versions

VERSION = 4
STATE = "state.json"
SEARCH = "search.tsv"
"""The pages' search entries: one line each, ``source<TAB>entry JSON``, in index order."""
COMPANY_SEARCH = "company_search.tsv"
"""The company pages' search entries: one line each, ``USCC<TAB>key<TAB>entry JSON``."""
TASKS = "tasks.pickle"
SEALED = "sealed.pickle"
MIRROR = "site"
ADOPTING = "site.adopting"
"""Where :func:`adopt` makes the spare tree before renaming it to :data:`MIRROR`."""
PAGES = "pages"
EXPORT = "export"
"""The export's folder in the site: linked from the export after MkDocs, never mirrored."""
# What MkDocs writes on every build, whatever changed: never linked from the last site.
ALWAYS_WRITTEN = ("404.html", "sitemap.xml", "sitemap.xml.gz", "search/search_index.json")
CHANGES = "changes.json"
"""An incremental build's record of the site paths it wrote, replaced or removed (:func:`adopt`)."""
MARK = "search/search_index.json"
"""The file that tells a built tree from another: written anew by every build (a new inode)."""
PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jieba")

Known = dict[str, tuple[str, TaskVerification]]

log = logging.getLogger(__name__)


def cache_for(site: Path) -> Path:
    """The cache folder of the site path ``site``: ``<site>.cache`` beside it."""
    return site.with_name(site.name + ".cache")


@dataclass
class State:
    """What ``state.json`` records of the last build."""

    origin: str
    keys: list[str]
    size: int
    root: str
    settings: str
    sources: dict[str, str] = field(default_factory=dict)
    search: dict[str, list[str]] = field(default_factory=dict)
    """Each page's search-index entries, serialised as in the index: kept in
    :data:`SEARCH`, not in ``state.json``."""
    companies: dict[str, str] = field(default_factory=dict)
    company_search: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Each company page's search entry, serialised as in the index, and the digest of
    what it was made of: kept in :data:`COMPANY_SEARCH`, not in ``state.json``."""
    stats: dict[str, list[int]] = field(default_factory=dict)
    """Each source's size and modification time (ns) when its digest was taken."""
    pages: dict[str, str] = field(default_factory=dict)
    """Each task and results page's inputs' digest (publisher/page_inputs.py); the pages
    are kept in ``pages/``."""
    company_inputs: dict[str, str] = field(default_factory=dict)
    """Each company page's inputs' digest."""
    shell: str = ""
    """The SHA-256 of the theme's shell the company pages were written into."""
    export: dict[str, int] = field(default_factory=dict)
    """The export's files (POSIX paths) the site links, with their inode numbers: one gone
    makes the next build a full one (an unchanged page's link to it is not resolved again);
    one with another inode was replaced and is linked again."""


@dataclass
class Loaded:
    """A cache as read: its state (``None``: none usable) and its task verifications."""

    state: State | None = None
    known: Known = field(default_factory=dict)
    sealed: dict[str, dict[str, Any]] = field(default_factory=dict)


def load(cache: Path, keys: list[str]) -> Loaded:
    """Read ``cache``; anything missing or unreadable, or made for other keys, is ignored."""
    try:
        raw = json.loads((cache / STATE).read_text("utf-8"))
        if raw.pop("version", None) != VERSION:
            return Loaded()
        for name in ("search", "company_search"):
            raw.pop(name, None)
        state = State(**raw, company_search=_read_company_search(cache / COMPANY_SEARCH))
    except (OSError, ValueError, TypeError):
        return Loaded()
    if state.keys != keys:
        return Loaded()
    try:
        state.search = _read_search(cache / SEARCH)
    except (OSError, ValueError):
        state.settings = ""  # the pages' entries unknown: MkDocs runs in full
    try:
        with (cache / TASKS).open("rb") as fh:
            known = pickle.load(fh)  # noqa: S301 - the publisher's own file (module docstring)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        known = {}
    try:
        with (cache / SEALED).open("rb") as fh:
            sealed = pickle.load(fh)  # noqa: S301 - the publisher's own file (module docstring)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        sealed = {}
    return Loaded(
        state,
        known if isinstance(known, dict) else {},
        sealed if isinstance(sealed, dict) else {},
    )


def _read_rows(path: Path, width: int) -> list[list[str]]:
    """The lines of ``path``, each split at its first ``width - 1`` tabs (raises ValueError
    on a shorter line)."""
    rows = [line.split("\t", width - 1) for line in path.read_text("utf-8").splitlines()]
    if any(len(row) != width for row in rows):
        raise ValueError(f"{path.name}: a line without its {width} fields")
    return rows


def _read_company_search(path: Path) -> dict[str, tuple[str, str]]:
    """The company search entries (:data:`COMPANY_SEARCH`): split, not parsed (each is
    spliced into the next index as it is). None when the file is missing or unreadable
    (every company page is then rendered again)."""
    try:
        return {target: (key, entry) for target, key, entry in _read_rows(path, 3)}
    except (OSError, ValueError):
        return {}


def _read_search(path: Path) -> dict[str, list[str]]:
    """The pages' search entries (:data:`SEARCH`), split, not parsed. Raises OSError or
    ValueError when missing or unreadable."""
    search: dict[str, list[str]] = {}
    for src, entry in _read_rows(path, 2):
        search.setdefault(src, []).append(entry)
    return search


def _write_rows(path: Path, rows: Iterable[Iterable[str]]) -> None:
    """Write one tab-separated line per row beside ``path`` and rename it in (no field
    holds a tab or a line break: paths, hex digests, JSON with its controls escaped)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join("\t".join(row) + "\n" for row in rows), "utf-8")
    tmp.replace(path)


def prior(state: State | None) -> PriorAudit | None:
    """What the audit may take from the cached log: its size and root (the export must
    extend it: a rollback or a fork fails ``log.consistency``), and that the signatures of
    its records were checked (not checked again)."""
    if state is None:
        return None
    try:
        root = bytes.fromhex(state.root)
    except ValueError:
        return None
    return PriorAudit(state.size, {state.size: root}, {})


def check_continues(state: State, model: SiteModel) -> None:
    """The audited export must be of the log the cached site was built from. (That it
    extends it, neither shorter nor forked, the audit checked with :func:`prior`.)

    Raises:
        PublishError: when it is another log.
    """
    if state.origin != model.origin:
        raise PublishError(
            f"the export is of log {model.origin}, the site was built from {state.origin}"
        )


def root_of(model: SiteModel) -> str:
    """The root (hex) of the export's latest checkpoint, as the audit verified it."""
    return model.report.roots[model.report.size].hex()


def digest_file(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def digest_tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (POSIX path relative to it) -> its SHA-256."""
    return {
        path.relative_to(root).as_posix(): digest_file(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def digest_sources(
    root: Path, known: Mapping[str, str], stats: Mapping[str, list[int]]
) -> tuple[dict[str, str], dict[str, list[int]]]:
    """Every file under ``root`` -> its SHA-256, and -> its ``[size, mtime_ns]``. A file
    whose size and modification time are those in ``stats`` keeps its digest in ``known``
    (not read again): it is a link to a file of the last build (the cache's pages, the
    export), which are never rewritten in place."""
    digests: dict[str, str] = {}
    seen: dict[str, list[int]] = {}
    base = str(root)
    for folder, _, names in os.walk(root):
        rel = os.path.relpath(folder, base)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in names:
            key = prefix + name
            path = os.path.join(folder, name)
            info = os.stat(path)
            stat = [info.st_size, info.st_mtime_ns]
            seen[key] = stat
            if stats.get(key) == stat and key in known:
                digests[key] = known[key]
            else:
                with open(path, "rb") as fh:
                    digests[key] = hashlib.file_digest(fh, "sha256").hexdigest()
    return dict(sorted(digests.items())), seen


def keep_pages(docs: Path, folder: Path, names: Iterable[str]) -> None:
    """Make ``folder`` hold exactly the pages ``names`` of ``docs`` (POSIX paths), as hard
    links (copies across file systems): the pages the next build may link again."""
    wanted = set(names)
    if folder.is_dir():
        for there, _, files in os.walk(folder):
            rel = os.path.relpath(there, folder)
            for name in files:
                key = name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}"
                if key not in wanted:
                    os.unlink(os.path.join(there, name))
    for key in wanted:
        source, target = docs / key, folder / key
        try:
            if target.samefile(source):
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        link_or_copy(source, target)


def settings_digest(config_file: Path, overrides: Path, extra: Mapping[str, Any]) -> str:
    """Digest of what every page's HTML depends on besides its own source: ``mkdocs.yml``,
    the theme overrides, the versions of MkDocs, the theme and Markdown, and ``extra``
    (the office footer, the scripts and styles)."""
    digest = hashlib.sha256(config_file.read_bytes())
    for name, value in sorted(digest_tree(overrides).items()):
        digest.update(f"{name}={value}\n".encode())
    digest.update(package_versions(PACKAGES))
    digest.update(json.dumps(extra, sort_keys=True, ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


def changed(state: State | None, sources: Mapping[str, str]) -> set[str] | None:
    """The sources to render again, or ``None`` when nothing can be reused (no cache, or a
    source of the last build is gone: the site only grows, so that is a full build)."""
    if state is None or not set(state.sources) <= set(sources):
        return None
    return {name for name, value in sources.items() if state.sources.get(name) != value}


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """Hard-link ``source`` at ``target``; copy it when the file system cannot link."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def take_spare(cache: Path, out: Path, skip: Iterable[str]) -> bool:
    """Rename the cache's spare tree (``site/``: the last built site, as links) to ``out`` (a
    new folder) and unlink there the POSIX relative paths in ``skip`` (the files the build
    writes again: a file is never written through a link to another tree). False when
    there is no spare. The cache has no spare after this until :func:`adopt` gives it one."""
    try:
        (cache / MIRROR).rename(out)
    except OSError:
        return False
    for key in skip:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            os.unlink(os.path.join(out, key))
    return True


@dataclass
class Changes:
    """What an incremental build changed in the spare tree it took: the tree it took
    (``base``: :func:`tree_mark` then), the tree it made (``served``: its
    :func:`tree_mark`) and every site path (POSIX) it wrote, replaced
    or removed there. The tree made is the one taken with exactly these paths changed."""

    base: list[int]
    served: list[int]
    paths: list[str]


def tree_mark(root: Path) -> list[int] | None:
    """The device, inode and modification time (ns) of ``root``'s :data:`MARK` file
    (``None``: it has none)."""
    try:
        info = os.stat(root / MARK)
    except OSError:
        return None
    return [info.st_dev, info.st_ino, info.st_mtime_ns]


def _changes(cache: Path) -> Changes | None:
    try:
        raw = json.loads((cache / CHANGES).read_text("utf-8"))
        return Changes(**raw)
    except (OSError, ValueError, TypeError):
        return None


def adopt(cache: Path, old: Path, served: Path) -> None:
    """After a swap: make the build ``old`` that is no longer served the cache's spare tree,
    brought up to date with ``served`` (the site now served: files that are links to the
    same file stay, the others are linked again, the extra ones go; nothing is written into
    a file, so ``served`` does not change); the next incremental build renames it in
    (:func:`take_spare`) instead of linking a new tree. Without a cache, or when the cache
    has a spare (a full build mirrors its site), ``old`` is removed.

    When the cache records what the build of ``served`` changed (:class:`Changes`) and
    that build took ``old``'s files and made ``served`` (their :data:`MARK` files are the
    recorded ones), only the recorded paths are linked again or removed: the cost of what
    the build changed, not of the site. Otherwise both trees are listed (:func:`_mirror`)."""
    spare = cache / MIRROR
    # Made under another name and renamed to site/ only when complete: a crash halfway
    # (a kill, no memory, power) must not leave a spare that is neither tree, which the next
    # build would take as the last site (found by review); a leftover is removed here.
    adopting = cache / ADOPTING
    shutil.rmtree(adopting, ignore_errors=True)
    if not (cache / STATE).is_file() or spare.exists():  # none, or a full build made one
        shutil.rmtree(old, ignore_errors=True)
        return
    try:
        old.rename(adopting)
    except OSError:  # another file system: the next build mirrors the site again
        shutil.rmtree(old, ignore_errors=True)
        return
    record = _changes(cache)
    (cache / CHANGES).unlink(missing_ok=True)
    try:
        if (
            record is not None
            and record.base == tree_mark(adopting)
            and record.served == tree_mark(served)
        ):
            _relink(served, adopting, record.paths)
        else:
            _mirror(served, adopting)
        adopting.rename(spare)
    except BaseException:
        shutil.rmtree(adopting, ignore_errors=True)  # no spare: the next build is a full one
        raise


def _relink(site: Path, mirror: Path, paths: Iterable[str]) -> None:
    """Make each of ``paths`` in ``mirror`` a link to ``site``'s file (one that is already
    stays), or remove it where ``site`` has none."""
    stale = []
    for key in sorted(set(paths)):
        there = os.path.join(mirror, key)
        try:
            inode = os.stat(os.path.join(site, key)).st_ino
        except (FileNotFoundError, NotADirectoryError):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
                os.unlink(there)
            continue
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            if os.stat(there).st_ino == inode:
                continue
        stale.append(key)
    link_files(site, mirror, stale)


def export_files(export: Path) -> dict[str, int]:
    """The export's files (POSIX paths relative to it, sorted) and their inode numbers (one
    listing: no ``stat``), without the ``*.tmp`` files a writer may leave (the export
    replaces a file by renaming a ``.tmp`` over it)."""
    return dict(
        sorted(
            (key, inode)
            for key, inode in _walk(str(export), skip=_temporary)
            if not key.endswith(".tmp")
        )
    )


def link_files(source: Path, target: Path, names: Iterable[str]) -> None:
    """Hard-link each of ``names`` (POSIX paths, sorted) of ``source`` at the same path under
    ``target`` (a copy when linking fails), making the folders; a file already there is
    replaced (unlinked first: never written through a link)."""
    made: set[str] = set()
    for key in names:
        folder = key.rpartition("/")[0]
        if folder not in made:
            os.makedirs(os.path.join(target, folder), exist_ok=True)
            made.add(folder)
        path = os.path.join(target, key)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        link_or_copy(os.path.join(source, key), path)


def _temporary(name: str) -> bool:
    return name.endswith(".tmp")


def _walk(root: str, skip: Callable[[str], bool] | None = None) -> Iterator[tuple[str, int]]:
    """Every file under ``root``: its POSIX path relative to ``root`` and its inode number;
    a folder whose relative path ``skip`` accepts is left out."""
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(root, rel)) as found:
            for entry in found:
                key = rel + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if skip is None or not skip(key):
                        stack.append(key + "/")
                else:
                    yield key, entry.inode()


def _mirror(site: Path, mirror: Path) -> None:
    """Make ``mirror`` hold exactly ``site``'s files, as hard links: files that are links to
    the same file already stay, the rest are linked again, files ``site`` no longer has go."""
    mirror.mkdir(parents=True, exist_ok=True)
    same_device = os.stat(site).st_dev == os.stat(mirror).st_dev
    there = dict(_walk(str(mirror)))
    stale = [
        key for key, inode in _walk(str(site)) if not same_device or there.pop(key, None) != inode
    ]
    link_files(site, mirror, stale)
    for key in there.keys() - set(stale):  # no longer in the site
        os.unlink(os.path.join(mirror, key))


def save(
    cache: Path,
    state: State,
    known: Mapping[str, tuple[str, TaskVerification]],
    site: Path,
    sealed: Mapping[str, Mapping[str, Any]] | None = None,
    docs: Path | None = None,
    *,
    mirror: bool = True,
    changes: Changes | None = None,
) -> None:
    """Write the cache after a successful build of ``site`` from the pages in ``docs`` (the
    old one is replaced; a crash midway leaves no ``state.json``, so the next build is a
    full one). ``sealed``: the sealed contents the audit opened, by record id; the pages
    kept are those of ``state.pages``. ``mirror``: make the spare tree ``site/`` a copy of
    ``site`` in links (a full build; an incremental one took the spare, and the spare is
    given back by :func:`adopt` after the swap). ``changes``: what an incremental build
    changed in the spare it took, for :func:`adopt` (without it, adopt lists both trees)."""
    cache.mkdir(parents=True, exist_ok=True)
    (cache / STATE).unlink(missing_ok=True)
    (cache / CHANGES).unlink(missing_ok=True)
    if mirror:
        _mirror(site, cache / MIRROR)
    if docs is not None:
        keep_pages(docs, cache / PAGES, state.pages)
    for name, value in ((TASKS, dict(known)), (SEALED, dict(sealed or {}))):
        tmp = cache / (name + ".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache / name)
    if changes is not None and not mirror:
        tmp = cache / (CHANGES + ".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(changes)), "utf-8")
        tmp.replace(cache / CHANGES)
    _write_rows(cache / SEARCH, ((src, e) for src, es in state.search.items() for e in es))
    _write_rows(cache / COMPANY_SEARCH, ((t, k, e) for t, (k, e) in state.company_search.items()))
    tmp = cache / (STATE + ".tmp")
    fields = {
        f.name: getattr(state, f.name)
        for f in dataclasses.fields(state)
        if f.name not in ("search", "company_search")
    }
    tmp.write_text(json.dumps({"version": VERSION, **fields}, ensure_ascii=False), "utf-8")
    tmp.replace(cache / STATE)


def storable(
    tasks: Mapping[str, TaskVerification], verified: Mapping[str, tuple[str, TaskVerification]]
) -> Known:
    """The task verifications to keep (``verified``, :class:`lottery.core.audit.AuditReport`):
    their outcome computed (once: the one of the live verification in ``tasks`` when the
    pages computed it), without the closure that computes it (which cannot be stored)."""
    kept: Known = {}
    for name, (digest, verification) in verified.items():
        live = tasks.get(name)
        outcome = live.outcome if live is not None else verification.outcome
        copy = TaskVerification(
            verification.task,
            verification.status,
            list(verification.checks),
            None,
            dict(verification.openings),
        )
        copy.__dict__["outcome"] = outcome
        kept[name] = (digest, copy)
    return kept


def build_beside(out: Path, build: Callable[[Path], int], cache: Path | None = None) -> int:
    """Run ``build`` into ``<out>.partial`` (a new folder), then put it at ``out``: the old
    site is renamed away and the new one in (two renames), then becomes ``cache``'s spare
    tree (:func:`adopt`), or is removed without a cache. A failed build leaves ``out`` as
    it was."""
    partial = out.with_name(out.name + ".partial")
    old = out.with_name(out.name + ".old")
    for path in (partial, old):
        shutil.rmtree(path, ignore_errors=True)
    try:
        count = build(partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if out.exists():
        out.rename(old)
    partial.rename(out)
    if cache is not None and old.exists():
        try:  # housekeeping: the new site is in place; no spare means a full next build
            adopt(cache, old, out)
        except OSError as exc:
            log.warning("the spare tree for the next build was not kept: %s", exc)
    shutil.rmtree(old, ignore_errors=True)
    return count
