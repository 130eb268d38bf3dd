"""Incremental site build (issue #19): a build of a prefix of the demo log, then a build of
the whole log with the cache, gives byte for byte the site a full build gives (a task page
whose witness rows are as of the log's size included); a log that does not extend the
cached one is refused."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lottery.core.canonical import sha256_hex
from lottery.export.read import file_getter
from lottery.storage.keys import load_signer
from publisher import site_cache
from publisher.build import build_site
from publisher.model import PublishError
from publisher.site_cache import MIRROR, STATE, VERSION, State, adopt, cache_for
from tests.export_prefix import log_entries, write_prefix


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _no_listing(*args: object) -> None:
    raise AssertionError("adopt listed both trees: the build's record of its changes unused")


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
    # The export is the export's own files, linked after MkDocs (not among its docs), and
    # the pages' links into it are resolved as when MkDocs copied it.
    names = [p.relative_to(export) for p in export.rglob("*") if p.is_file()]
    assert len(names) > 100 and all((two / "export" / n).samefile(export / n) for n in names)
    assert not (tmp_path / "w" / "pages" / "export").exists()
    assert b'href="../../export/blobs/' in built["tasks/T2026-006/index.html"]
    # "two" took the cache's spare tree; once "one" is no longer served it becomes the spare,
    # brought up to date with "two", and the next build takes it: the same site again.
    assert not (cache / MIRROR).exists()
    # The export's checkpoint was replaced (another file), pages changed and were added:
    # the build recorded those paths, and adopt links them again without listing the trees.
    assert not (one / "export" / "checkpoint").samefile(two / "export" / "checkpoint")
    assert "tasks/T2026-006/index.html" in set(built) - set(before)
    assert before["index.html"] != built["index.html"]
    with monkeypatch.context() as patched:
        patched.setattr(site_cache, "_mirror", _no_listing)
        adopt(cache, one, two)
    spare = cache / MIRROR
    assert not one.exists() and sorted(_files(spare)) == sorted(built)
    assert all((spare / name).samefile(two / name) for name in built)
    build_site(export, root / "three", work=tmp_path / "w", office=office, cache=cache)
    assert _files(root / "three") == full and _files(two) == built


def test_an_export_file_of_the_last_build_gone_makes_mkdocs_run_in_full(
    demo_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page not rendered again keeps its link into the export as resolved by the last
    build: when a file the last build had is gone, every page is rendered again."""
    import publisher.build as build

    export = _export(demo_city, tmp_path / "export", 40)
    cache = tmp_path / "site.cache"
    build_site(export, tmp_path / "one", work=tmp_path / "w", cache=cache)
    runs: list[set[str] | None] = []

    def spy(config: Any, *, changed: set[str] | None = None, **rest: Any) -> Any:
        runs.append(changed)
        raise PublishError("stop here")  # the plan is made: no need to build

    monkeypatch.setattr(build.mkdocs_run, "run", spy)
    for gone in (False, True):
        if gone:
            (tmp_path / "two-False").rename(cache / MIRROR)  # the spare it took, given back
            state = json.loads((cache / STATE).read_text("utf-8"))
            state["export"]["blobs/" + "0" * 64] = 1  # had by the last build, gone now
            (cache / STATE).write_text(json.dumps(state), "utf-8")
        with pytest.raises(PublishError, match="stop here"):
            build_site(export, tmp_path / f"two-{gone}", work=tmp_path / "w", cache=cache)
    assert runs[0] is not None and runs[1] is None
    assert (cache / MIRROR).is_dir()  # a full run does not take the spare


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


def test_one_new_result_generates_its_pages_only(
    demo_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One new inspection result (of a disclosed task, for a target it drew): the rebuild
    renders one company page and one task page again (publisher/page_inputs.py), writes
    exactly those among the company and task pages, keeps every other page as the last
    site's file, and its site is the full build's, byte for byte."""
    import publisher.build as build
    from lottery.core.note import parse_note
    from lottery.core.records import parse_record_text

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    bodies = [parse_record_text(parse_note(e).text) for e in log_entries(demo_city / "export")]
    # T2026-001's last result that corrects none (the demo's disclosed, not early, task:
    # an early reveal needs all its results at once, spec §8).
    cut = max(
        i
        for i, b in enumerate(bodies)
        if b["type"] == "inspection-result" and b["task"] == "T2026-001" and not b.get("supersedes")
    )
    task, target = bodies[cut]["task"], bodies[cut]["target"]
    export = _export(demo_city, tmp_path / "export", cut)
    root, cache = tmp_path / "sites", tmp_path / "site.cache"
    build_site(export, root / "one", work=tmp_path / "w", cache=cache)
    before = _files(root / "one")
    assert f"targets/{target}/index.html" in before  # drawn: it has a page already
    _export(demo_city, export, cut + 1)
    rendered: list[str] = []
    real_targets, real_task = build.target_pages.target_pages, build.task_pages.task_page

    def targets_spy(model: Any, facts: dict[str, Any]) -> Any:
        rendered.extend(facts)
        return real_targets(model, facts)

    def task_spy(model: Any, view: Any, *rest: Any) -> str:
        rendered.append(view.task)
        return real_task(model, view, *rest)

    monkeypatch.setattr(build.target_pages, "target_pages", targets_spy)
    monkeypatch.setattr(build.task_pages, "task_page", task_spy)
    # The same targets snapshot: its shards and manifest are the cache's files.
    monkeypatch.setattr(build, "write_shards", lambda *a: rendered.append("shards"))
    build_site(export, root / "two", work=tmp_path / "w", cache=cache)
    assert sorted(rendered) == sorted([target, task])
    data = tmp_path / "w" / "pages" / build.TARGET_DATA
    files = [build.MANIFEST, *build.shard_files((data / build.MANIFEST).read_bytes())]
    assert len(files) > 1
    assert all((cache / "pages" / build.TARGET_DATA / n).samefile(data / n) for n in files)
    monkeypatch.undo()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    build_site(export, root / "full", work=tmp_path / "w")
    two, full = _files(root / "two"), _files(root / "full")
    assert sorted(two) == sorted(full)
    assert [name for name in full if two[name] != full[name]] == []
    # Among the company and task pages, exactly its own changed; the others are the last
    # site's files (links), not written again.
    pages = [n for n in two if re.fullmatch(r"(targets|tasks)/[^/]+/index\.html", n)]
    changed = sorted(n for n in pages if before.get(n) != two[n])
    assert changed == [f"targets/{target}/index.html", f"tasks/{task}/index.html"]
    for name in pages:
        if name not in changed:
            assert (root / "one" / name).samefile(root / "two" / name), name
    assert before["results/index.html"] != two["results/index.html"]  # its count
    assert _files(root / "one") == before


def test_the_incremental_audit_still_catches_a_missing_blob_and_a_forged_record(
    demo_city: Path, tmp_path: Path
) -> None:
    """What the cache spares (publisher/site_cache.py: the signatures and blobs of records
    verified before) is not a hole: a blob of an old record gone from the grown export
    without a withdrawal, or a new record forged under the office key, fails the rebuild as
    it fails a full build, and the cache stays."""
    from lottery.core.note import parse_note, sign_note
    from lottery.core.records import parse_record_text
    from lottery.core.sealed import sealed_digest

    export = _export(demo_city, tmp_path / "export", 129)
    cache = tmp_path / "site.cache"
    build_site(export, tmp_path / "one", work=tmp_path / "w", cache=cache)
    state = (cache / STATE).read_bytes()
    entries = log_entries(demo_city / "export")
    # An old result's sealed blob removed from the grown export.
    _export(demo_city, export)
    bodies = [parse_record_text(parse_note(e).text) for e in entries[:129]]
    digest = next(
        str(sealed_digest(b))
        for b in bodies
        if b["type"] == "inspection-result" and b["task"] == "T2026-001"
    )
    (export / "blobs" / digest).unlink()
    for cached in (cache, None):
        with pytest.raises(PublishError, match=r"sealed\.missing"):
            build_site(export, tmp_path / "two", work=tmp_path / "w", cache=cached)
    # A new announcement (the first after the cut) changed (its pool count) and signed
    # again with the office key.
    at = next(
        i
        for i in range(129, len(entries))
        if parse_record_text(parse_note(entries[i]).text)["type"] == "task-announcement"
    )
    note = parse_note(entries[at])
    text = note.text.replace(b'"candidates":', b'"candidates":1', 1)
    assert text != note.text
    signer = load_signer(demo_city / "data" / "keys" / "office.key")
    forged = sign_note(text, [signer])
    origin = file_getter(demo_city / "export")("checkpoint").split(b"\n", 1)[0].decode()
    forged_export = write_prefix(
        demo_city / "export",
        tmp_path / "forged",
        [*entries[:at], forged],
        signer,
        origin=origin,
        later=entries[at + 1 :],
    )
    for cached in (cache, None):
        with pytest.raises(PublishError, match=r"pool\.summary"):
            build_site(forged_export, tmp_path / "two", work=tmp_path / "w", cache=cached)
    assert (cache / STATE).read_bytes() == state
    assert not (tmp_path / "two").exists()


def test_a_pending_witness_row_follows_the_log_it_is_as_of(
    demo_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task whose cosignatures are still awaited says so "as of the log's N records"
    (publisher/task_pages.py ``witness_rows``): text that a record of another task changes.
    The rebuild after such a record generates that task page again (its witness rows are
    among its inputs, publisher/build.py), though neither its records nor the base changed,
    and gives the full build's site, byte for byte."""
    from lottery.core.canonical import parse_time
    from lottery.core.note import parse_note
    from lottery.core.records import make_record, parse_record_text

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    # The demo's export before its witnesses cosigned T2026-004's announcement (the last
    # record): the cosigned checkpoints that cover it left out.
    demo = demo_city / "export"
    entries = log_entries(demo)
    source = tmp_path / "source"
    shutil.copytree(demo, source)
    listing = source / "cosigned" / "list"
    sizes = [int(n) for n in listing.read_text("ascii").split()]
    assert len(entries) in sizes  # the demo's witnesses cosigned its last checkpoint
    for n in sizes:
        if n >= len(entries):
            (source / "cosigned" / str(n)).unlink()
    listing.write_text("".join(f"{n}\n" for n in sizes if n < len(entries)), "ascii")
    signer = load_signer(demo_city / "data" / "keys" / "office.key")
    origin = file_getter(demo)("checkpoint").split(b"\n", 1)[0].decode()
    export = write_prefix(source, tmp_path / "export", entries, signer, origin=origin)
    root, cache = tmp_path / "sites", tmp_path / "site.cache"
    page = "tasks/T2026-004/index.html"
    build_site(export, root / "one", work=tmp_path / "w", cache=cache)
    before = _files(root / "one")
    assert f"截至日志中的 {len(entries)} 条记录" in before[page].decode()
    # A record of another task, the office's next, a day after the announcement: an
    # objection to another of T2026-001's results, dismissed, like the demo's (no record of
    # the base, and no blob, whose withdrawal would make the rebuild a full one).
    bodies = [parse_record_text(parse_note(e).text) for e in entries]
    last = bodies[-1]
    assert (last["type"], last["task"]) == ("task-announcement", "T2026-004")
    ids = [sha256_hex(parse_note(e).text) for e in entries]
    dismissed = next(b for b in bodies if b["type"] == "objection-outcome" and b["reason"])
    named = {b.get(k) for b in bodies for k in ("result", "supersedes")}
    objected = bodies[ids.index(dismissed["result"])]
    result = next(
        i
        for i, b in enumerate(bodies)
        if b["type"] == "inspection-result"
        and b["task"] == dismissed["task"]
        and b["time"][:10] == objected["time"][:10]  # the same objection period
        and ids[i] not in named
    )
    objection = make_record(
        "objection-outcome",
        origin,
        parse_time(last["time"]) + timedelta(days=1),
        {
            **{k: v for k, v in dismissed.items() if k not in ("type", "v", "log", "time")},
            "result": ids[result],
            "target": bodies[result]["target"],
        },
        [signer],
    )
    write_prefix(source, export, [*entries, objection], signer, origin=origin)
    build_site(export, root / "two", work=tmp_path / "w", cache=cache)
    build_site(export, root / "full", work=tmp_path / "w")
    two, full = _files(root / "two"), _files(root / "full")
    assert sorted(two) == sorted(full)
    assert [name for name in full if two[name] != full[name]] == []
    # T2026-004's page is new: the log it is as of grew by one record ...
    text = two[page].decode()
    assert f"截至日志中的 {len(entries) + 1} 条记录" in text
    assert f"截至日志中的 {len(entries)} 条记录" not in text
    assert not (root / "one" / page).samefile(root / "two" / page)
    # ... while the other task pages (their witnesses cosigned in time: rows that do not
    # depend on the log's size) are the last site's files.
    for other in ("T2023-DRAND", "T2026-001", "T2026-008"):
        name = f"tasks/{other}/index.html"
        assert (root / "one" / name).samefile(root / "two" / name), name
