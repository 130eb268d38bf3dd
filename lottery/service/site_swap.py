"""Build the public site beside the one being served, then swap it in atomically.

The site path (``LOTTERY_SITE_DIR``, e.g. ``/srv/lottery/site``) is a **symbolic link** to one
complete build in the sibling folder ``<site>.builds/`` (``site -> site.builds/000012-345``).
A publication builds into ``<site>.builds/<name>.partial``, renames it to ``<name>`` when the
build is complete, then points the link at it with one ``rename(2)`` of a new link over the
old one, which POSIX makes atomic: a web server following the link sees the old build or the
new one, never a mix and never a half-built folder. The build the link left stays one more
round (requests already reading it finish), older builds and leftovers of a crashed build are
removed.

A site path that is a plain folder (a site built by hand with ``lottery publish``) is moved
into ``<site>.builds/`` once, at the first publication, and replaced by the link.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

BUILDS = ".builds"
PARTIAL = ".partial"
WORK = ".work"
HAND_BUILT = "hand-built"

log = logging.getLogger(__name__)


def builds_dir(site: Path) -> Path:
    """``<site>.builds``: where every build lives, beside the site path."""
    return site.with_name(site.name + BUILDS)


def current_build(site: Path) -> Path | None:
    """The build the site path points at, or None when there is none yet."""
    if not site.is_symlink():
        return None
    return (site.parent / os.readlink(site)).resolve()


def prepare(site: Path, name: str) -> tuple[Path, Path]:
    """Empty folders for a new build: (``<name>.partial``, ``<name>.work``) in the builds folder.

    Raises:
        OSError: when the folders cannot be made.
    """
    root = builds_dir(site)
    root.mkdir(parents=True, exist_ok=True)
    partial, work = root / (name + PARTIAL), root / (name + WORK)
    for path in (partial, work):
        shutil.rmtree(path, ignore_errors=True)
    work.mkdir()
    return partial, work


def discard(*paths: Path) -> None:
    """Remove a failed build's folders (never the site being served)."""
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def swap_in(site: Path, partial: Path) -> tuple[Path, Path | None]:
    """Make the complete build ``partial`` the served site.

    Returns:
        The build's final folder, and the one the site path showed before (None if none).

    Raises:
        OSError: when a rename fails (the site served before stays served).
    """
    final = partial.with_name(partial.name.removesuffix(PARTIAL))
    partial.rename(final)
    previous = current_build(site)
    if site.exists() and not site.is_symlink():
        # A folder built by hand: moved aside once (a rename, within one file system).
        previous = _unused(builds_dir(site) / HAND_BUILT)
        site.rename(previous)
    link = site.with_name(f".{site.name}.{final.name}.link")
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(final, site.parent), target_is_directory=True)
    link.replace(site)  # rename(2): atomic, the old link or the new one
    return final, previous


def prune(
    site: Path, keep: Path, previous: Path | None, spare: Callable[[Path], None] | None = None
) -> None:
    """Remove every build but ``keep`` and ``previous`` (and their work folders); with
    ``spare``, the newest complete build among them is handed to it instead (the publisher's
    cache makes it the spare tree of the next build, publisher/site_cache.py ``adopt``)."""
    root = builds_dir(site)
    kept = {keep.resolve()} | ({previous.resolve()} if previous is not None else set())
    retired = sorted(
        path
        for path in root.iterdir()
        if path.resolve() not in kept
        and path.is_dir()
        and not path.is_symlink()
        and not path.name.endswith((PARTIAL, WORK))
    )
    numbered = [path for path in retired if not path.name.startswith(HAND_BUILT)]
    if spare is not None and numbered:
        # Housekeeping: the new build is served whatever happens here; a spare not made
        # only means the next build runs MkDocs in full.
        try:
            spare(numbered[-1])  # the newest build by name (a hand-built folder is no base)
        except OSError as exc:
            log.warning("site: the spare tree for the next build was not kept: %s", exc)
    for path in root.iterdir():
        if path.resolve() not in kept:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    for stray in site.parent.glob(f".{site.name}.*.link"):
        stray.unlink(missing_ok=True)


def _unused(path: Path) -> Path:
    n = 0
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate
