"""The cache's spare tree (publisher/site_cache.py): the build no longer served becomes the
spare, brought up to date with the served one; the next build renames it in and replaces
files there, never writing into one, so the served tree never changes."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from publisher import site_cache
from publisher.site_cache import (
    CHANGES,
    MARK,
    MIRROR,
    STATE,
    Changes,
    adopt,
    build_beside,
    link_files,
    take_spare,
    tree_mark,
)


def _tree(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _read(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file()
    }


def _cache(tmp_path: Path) -> Path:
    cache = tmp_path / "site.cache"
    cache.mkdir()
    (cache / STATE).write_text("{}", encoding="utf-8")
    return cache


def test_the_old_build_becomes_the_served_one_in_links(tmp_path: Path) -> None:
    served = _tree(tmp_path / "served", {"a.html": "a", "b/index.html": "b2", "c/x": "c"})
    old = _tree(tmp_path / "old", {"b/index.html": "b1", "d.html": "gone"})
    os.link(served / "a.html", old / "a.html")  # unchanged since: the same file
    cache = _cache(tmp_path)
    adopt(cache, old, served)
    spare = cache / MIRROR
    assert not old.exists()
    assert _read(spare) == _read(served) == {"a.html": "a", "b/index.html": "b2", "c/x": "c"}
    assert all((spare / n).samefile(served / n) for n in _read(served))


def test_without_a_cache_or_with_a_spare_the_old_build_is_removed(tmp_path: Path) -> None:
    served = _tree(tmp_path / "served", {"a.html": "a"})
    old = _tree(tmp_path / "old", {"a.html": "old"})
    adopt(tmp_path / "none.cache", old, served)
    assert not old.exists() and not (tmp_path / "none.cache").exists()
    cache = _cache(tmp_path)
    _tree(cache / MIRROR, {"a.html": "a full build's mirror"})
    old = _tree(tmp_path / "old", {"a.html": "old"})
    adopt(cache, old, served)
    assert not old.exists()
    assert _read(cache / MIRROR) == {"a.html": "a full build's mirror"}


def test_a_file_replaced_in_the_spare_does_not_change_the_served_tree(tmp_path: Path) -> None:
    served = _tree(tmp_path / "served", {"a.html": "a", "s/index.html": "s", "e/f": "e1"})
    cache = _cache(tmp_path)
    adopt(cache, _tree(tmp_path / "old", {}), served)
    out = tmp_path / "builds" / "next.partial"
    out.parent.mkdir()
    assert take_spare(cache, out, ["s/index.html", "not/there.html"])
    assert not (cache / MIRROR).exists()  # until the next swap gives one back
    assert _read(out) == {"a.html": "a", "e/f": "e1"}
    (out / "s" / "index.html").write_text("s2", encoding="utf-8")  # written anew
    export = _tree(tmp_path / "export", {"e/f": "e2", "e/g": "g"})
    link_files(export, out, ["e/f", "e/g"])  # replaced and new export files
    assert _read(out) == {"a.html": "a", "s/index.html": "s2", "e/f": "e2", "e/g": "g"}
    assert _read(served) == {"a.html": "a", "s/index.html": "s", "e/f": "e1"}
    assert (out / "a.html").samefile(served / "a.html")
    assert not take_spare(cache, tmp_path / "builds" / "again", [])


def test_build_beside_keeps_the_site_it_replaced_as_the_spare(tmp_path: Path) -> None:
    out, cache = tmp_path / "site", _cache(tmp_path)

    def build(text: str) -> object:
        def run(partial: Path) -> int:
            _tree(partial, {"index.html": text})
            return 1

        return run

    build_beside(out, build("one"), cache)  # type: ignore[arg-type]
    build_beside(out, build("two"), cache)  # type: ignore[arg-type]
    assert _read(out) == {"index.html": "two"}
    assert _read(cache / MIRROR) == {"index.html": "two"}  # the old site, brought up to date
    assert (cache / MIRROR / "index.html").samefile(out / "index.html")
    assert not out.with_name("site.old").exists()

    def fail(partial: Path) -> int:
        _tree(partial, {"index.html": "half"})
        raise OSError("disk full")

    with pytest.raises(OSError):
        build_beside(out, fail, cache)
    assert _read(out) == {"index.html": "two"}
    assert not out.with_name("site.partial").exists()


def _recorded(cache: Path, old: Path, served: Path, paths: list[str]) -> None:
    changes = Changes(tree_mark(old) or [], tree_mark(served) or [], paths)
    (cache / CHANGES).write_text(json.dumps(dataclasses.asdict(changes)), encoding="utf-8")


def test_adopt_relinks_only_what_the_build_recorded_for_that_pair(tmp_path: Path) -> None:
    files = {MARK: "i1", "a.html": "a", "b.html": "b1", "gone.html": "g"}
    old = _tree(tmp_path / "old", files)
    served = tmp_path / "served"
    shutil.copytree(old, served, copy_function=os.link)  # the spare it took, renamed
    for name in (MARK, "b.html"):  # written anew by the build
        (served / name).unlink()
    _tree(served, {MARK: "i2", "b.html": "b2", "new/c.html": "c"})
    (served / "gone.html").unlink()
    cache = _cache(tmp_path)
    _recorded(cache, old, served, [MARK, "b.html", "new/c.html", "gone.html"])
    adopt(cache, old, served)
    spare = cache / MIRROR
    assert _read(spare) == _read(served)
    assert all((spare / n).samefile(served / n) for n in _read(served))
    assert not (cache / CHANGES).exists()  # used once


def test_a_record_of_another_tree_pair_makes_adopt_list_both(tmp_path: Path) -> None:
    served = _tree(tmp_path / "served", {MARK: "i2", "a.html": "a2", "b.html": "b"})
    old = _tree(tmp_path / "old", {MARK: "i1", "a.html": "a1", "b.html": "b"})
    other = _tree(tmp_path / "other", {MARK: "i0"})
    cache = _cache(tmp_path)
    _recorded(cache, other, served, [MARK])  # not the tree "old": its record is not used
    adopt(cache, old, served)
    assert _read(cache / MIRROR) == _read(served)
    assert all((cache / MIRROR / n).samefile(served / n) for n in _read(served))


def test_a_spare_half_made_is_never_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """adopt makes the spare under another name and renames it in when complete (review: a
    kill halfway left the older build as the spare, which the next build took as the last
    site, a withdrawn blob included). Interrupted: no spare, the next build is a full one; a
    leftover of a process killed outright is not taken either, and the next adopt removes it."""
    served = _tree(tmp_path / "served", {"a.html": "new", "export/blobs/x": "x"})
    old = _tree(tmp_path / "old", {"a.html": "old", "export/blobs/withdrawn": "secret"})
    cache = _cache(tmp_path)

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # stands for a signal halfway through the links

    monkeypatch.setattr(site_cache, "link_files", killed)
    with pytest.raises(KeyboardInterrupt):
        site_cache.adopt(cache, old, served)
    monkeypatch.undo()
    assert (cache / site_cache.STATE).is_file()
    assert not site_cache.take_spare(cache, tmp_path / "next", [])

    left = _tree(cache / site_cache.ADOPTING, {"a.html": "old"})  # as a SIGKILL leaves it
    assert not site_cache.take_spare(cache, tmp_path / "next", [])
    again = _tree(tmp_path / "again", {"a.html": "old"})
    site_cache.adopt(cache, again, served)
    assert not left.exists()
    assert site_cache.take_spare(cache, tmp_path / "next", [])
    assert _read(tmp_path / "next") == _read(served)
