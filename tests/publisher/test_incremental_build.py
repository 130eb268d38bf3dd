"""Incremental site build (issue #19): a build of a prefix of the demo log, then a build of
the whole log with the cache, gives byte for byte the site a full build gives; a log that
does not extend the cached one is refused."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from lottery.export.read import file_getter
from lottery.storage.keys import load_signer
from publisher.build import build_site
from publisher.model import PublishError
from publisher.site_cache import STATE, VERSION, State, cache_for
from tests.export_prefix import log_entries, write_prefix


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _export(demo: Path, out: Path, size: int | None = None) -> Path:
    """The demo's log, or its first ``size`` records, exported anew with the demo's key
    (blobs named only by later records left out, as an export of that day would)."""
    export = demo / "export"
    entries = log_entries(export)
    kept = entries[: size or len(entries)]
    signer = load_signer(demo / "data" / "keys" / "office.key")
    origin = file_getter(export)("checkpoint").split(b"\n", 1)[0].decode()
    return write_prefix(export, out, kept, signer, origin=origin, later=entries[len(kept) :])


def test_incremental_build_is_the_full_build(
    demo_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lottery.demo.office import demo_office

    # The build time in the sitemap (its dates, and the .gz header): one for every build.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    # The log up to T2026-008's disclosure; then the rest: two tasks announced, drawn and
    # disclosed early with all their results and reports, and one more announcement.
    export = _export(demo_city, tmp_path / "export", 129)
    root = tmp_path / "sites"
    cache = cache_for(root / "site")
    office = demo_office()
    first = build_site(export, root / "one", work=tmp_path / "w", office=office, cache=cache)
    assert first > 10 and (cache / STATE).is_file()
    before = _files(root / "one")
    _export(demo_city, export)
    pages = build_site(export, root / "two", work=tmp_path / "w", office=office, cache=cache)
    # A full build of the same export, without the cache: the same files, byte for byte.
    assert build_site(export, root / "full", work=tmp_path / "w", office=office) == pages
    built, full = _files(root / "two"), _files(root / "full")
    assert sorted(built) == sorted(full)
    differ = [name for name in full if built[name] != full[name]]
    assert differ == [], differ[:10]
    assert "tasks/T2026-006/index.html" in built
    # It reused the last site (pages no new record touches are the same files) and left
    # that site as it was.
    one, two = root / "one", root / "two"
    html = [p.relative_to(two) for p in two.rglob("*.html")]
    same = [p for p in html if (one / p).exists() and (one / p).samefile(two / p)]
    assert Path("tasks/T2023-DRAND/index.html") in same
    assert len(same) > len(html) // 4, (len(same), len(html))
    assert _files(one) == before


def test_a_log_that_does_not_extend_the_cached_one_is_refused(
    demo_city: Path, tmp_path: Path
) -> None:
    size = 30
    export = _export(demo_city, tmp_path / "export", size)
    cache = tmp_path / "site.cache"
    # The cache of a site built from the whole log (its state only: no build needed).
    state = json.loads(json.dumps({"version": VERSION, **asdict(_state(demo_city, size + 5))}))
    cache.mkdir()
    (cache / STATE).write_text(json.dumps(state), "utf-8")
    with pytest.raises(PublishError, match="rollback"):
        build_site(export, tmp_path / "b", work=tmp_path / "w", cache=cache)
    # A fork: the cached log of the same size has another root.
    state.update(size=size, root="00" * 32)
    (cache / STATE).write_text(json.dumps(state), "utf-8")
    with pytest.raises(PublishError, match="fork"):
        build_site(export, tmp_path / "b", work=tmp_path / "w", cache=cache)
    assert not (tmp_path / "b").exists()


def _state(demo: Path, size: int) -> State:
    get = file_getter(demo / "export")
    return State(
        origin=get("checkpoint").split(b"\n", 1)[0].decode(),
        keys=get("keys/office.vkey").decode().split(),
        size=size,
        root="11" * 32,
        settings="",
    )
