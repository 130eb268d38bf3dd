"""The verified-state cache beside a site (issue #19): what a rebuild may reuse.

``<site>.cache/`` (:func:`cache_for`) holds, after every successful build:

- ``state.json``: the log the site was built from (origin, keys, checkpoint size and root),
  the digest of everything every page's HTML depends on besides its own source
  (:func:`settings_digest`), the SHA-256 of every source file MkDocs read (pages and static
  files), each page's search-index entries, and the digest of each company page;
- ``tasks.pickle``: each task's verification with the digest of the entries it was made
  from (:func:`lottery.core.audit.task_digest`), so an unchanged task is not re-drawn;
- ``site/``: the built site as hard links (copies across file systems), the base of the
  next build.

The cache is the publisher's own state, trusted like the build folder: it is never served
and never read from the export. A cache that is missing, unreadable, of another version,
for other keys or another log is ignored (a full build, which then writes a new one). A
cache whose log is not a prefix of the export's (a rollback or a fork) is an error: the
export is refused (:func:`check_continues`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from lottery.core.audit_state import PriorAudit
from lottery.core.verify import TaskVerification
from publisher.model import PublishError, SiteModel

VERSION = 1
STATE = "state.json"
TASKS = "tasks.pickle"
MIRROR = "site"
# What MkDocs writes on every build, whatever changed: never linked from the last site.
ALWAYS_WRITTEN = ("404.html", "sitemap.xml", "sitemap.xml.gz", "search/search_index.json")
PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jieba")

Known = dict[str, tuple[str, TaskVerification]]


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
    search: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    companies: dict[str, str] = field(default_factory=dict)
    company_search: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Loaded:
    """A cache as read: its state (``None``: none usable) and its task verifications."""

    state: State | None = None
    known: Known = field(default_factory=dict)


def load(cache: Path, keys: list[str]) -> Loaded:
    """Read ``cache``; anything missing or unreadable, or made for other keys, is ignored."""
    try:
        raw = json.loads((cache / STATE).read_text("utf-8"))
        if raw.pop("version", None) != VERSION:
            return Loaded()
        raw["company_search"] = {k: tuple(v) for k, v in raw.get("company_search", {}).items()}
        state = State(**raw)
    except (OSError, ValueError, TypeError):
        return Loaded()
    if state.keys != keys:
        return Loaded()
    try:
        with (cache / TASKS).open("rb") as fh:
            known = pickle.load(fh)  # noqa: S301 - the publisher's own file (module docstring)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        known = {}
    return Loaded(state, known if isinstance(known, dict) else {})


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


def settings_digest(config_file: Path, overrides: Path, extra: Mapping[str, Any]) -> str:
    """Digest of what every page's HTML depends on besides its own source: ``mkdocs.yml``,
    the theme overrides, the versions of MkDocs, the theme and Markdown, and ``extra``
    (the office footer, the scripts and styles)."""
    digest = hashlib.sha256(config_file.read_bytes())
    for name, value in sorted(digest_tree(overrides).items()):
        digest.update(f"{name}={value}\n".encode())
    for package in PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{package}=={version}\n".encode())
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


def link_tree(source: Path, target: Path, skip: Iterable[str] = ()) -> None:
    """Hard-link every file of ``source`` into ``target`` (a copy when linking fails),
    except the POSIX relative paths in ``skip``."""
    excluded = set(skip)
    for folder, _, names in os.walk(source):
        here = Path(folder)
        rel = here.relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in names:
            if (rel / name).as_posix() not in excluded:
                link_or_copy(here / name, target / rel / name)


def _mirror(site: Path, mirror: Path) -> None:
    """Make ``mirror`` hold exactly ``site``'s files, as hard links: files that are links to
    the same file already stay, the rest are linked again, files ``site`` no longer has go."""
    kept: set[Path] = set()
    for folder, _, names in os.walk(site):
        here = Path(folder)
        there = mirror / here.relative_to(site)
        there.mkdir(parents=True, exist_ok=True)
        for name in names:
            kept.add(there / name)
            try:
                if (there / name).samefile(here / name):
                    continue
            except OSError:
                pass
            (there / name).unlink(missing_ok=True)
            link_or_copy(here / name, there / name)
    for folder, _, names in os.walk(mirror):
        for name in names:
            if Path(folder) / name not in kept:
                (Path(folder) / name).unlink()


def save(
    cache: Path, state: State, known: Mapping[str, tuple[str, TaskVerification]], site: Path
) -> None:
    """Write the cache after a successful build of ``site`` (the old one is replaced; a
    crash midway leaves no ``state.json``, so the next build is a full one)."""
    cache.mkdir(parents=True, exist_ok=True)
    (cache / STATE).unlink(missing_ok=True)
    _mirror(site, cache / MIRROR)
    tmp = cache / (TASKS + ".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(dict(known), fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(cache / TASKS)
    tmp = cache / (STATE + ".tmp")
    tmp.write_text(json.dumps({"version": VERSION, **asdict(state)}, ensure_ascii=False), "utf-8")
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


def build_beside(out: Path, build: Callable[[Path], int]) -> int:
    """Run ``build`` into ``<out>.partial`` (a new folder), then put it at ``out``: the old
    site is renamed away and the new one in (two renames), then removed. A failed build
    leaves ``out`` as it was."""
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
    shutil.rmtree(old, ignore_errors=True)
    return count
