"""Browser tests of the demo site: navigation, Chinese search and the in-browser verifier.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; browsers are never downloaded).
The demo site is built once per module and served by ``http.server`` on 127.0.0.1; a tampered
copy (one byte of an outcome blob, one swapped pick) is served next to it. Every request the
browser makes must stay on 127.0.0.1. See docs/browser-verifier.md.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.cosignature import Cosigner, cosign
from lottery.core.records import Record, make_record
from lottery.demo.city import demo_settings
from lottery.export.write import write_export
from lottery.storage.keys import load_signer
from publisher.check_words import CHECKS_ZH
from publisher.model import load_model
from publisher.names import risk_label
from tests.browser.chromium import StaticServer, offsite, recorded_page
from tests.browser.verifier import press_verify
from tests.core.test_verify_attacks import swap_first_pick

pytestmark = pytest.mark.browser


def _outcome_digest(export: Path, task: str) -> str:
    view = load_model(export).tasks[task]
    draw = view.record("task-draw")
    assert draw is not None
    digest = draw.body["outcome"]
    assert isinstance(digest, str)
    return digest


def _tamper(site: Path, export: Path) -> dict[str, str]:
    """Damage the tampered copy; return what was changed, for the assertions."""
    blobs = site / "export" / "blobs"
    # T2026-001: one byte of the outcome blob (a hex digit of the first ticket).
    path = blobs / _outcome_digest(export, "T2026-001")
    data = bytearray(path.read_bytes())
    at = data.index(b'"ticket":"') + len(b'"ticket":"')
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    path.write_bytes(bytes(data))
    # T2026-003 (cancelled, its outcome published): one pick swapped for an unpicked candidate
    # of the same stratum, ticket kept.
    path = blobs / _outcome_digest(export, "T2026-003")
    outcome = json.loads(path.read_bytes())
    announcement = load_model(export).tasks["T2026-003"].announcement
    pool = json.loads((blobs / announcement["pool"]["sha256"]).read_bytes())
    old, spare = swap_first_pick(outcome, pool)
    path.write_bytes(json.dumps(outcome, separators=(",", ":"), sort_keys=True).encode())
    return {"T2026-003-old": old, "T2026-003-new": spare}


def _republish(demo: Path, export: Path, out: Path, notes: list[bytes]) -> None:
    """Publish ``notes`` as the demo office's whole log, signed with its own key (what a
    dishonest office can do: the signatures, the checkpoint and the root all verify)."""
    settings = demo_settings(demo)
    signer = load_signer(settings.office_key_file)
    blobs = {p.name: p.read_bytes() for p in (export / "blobs").iterdir()}
    keys = (export / "keys" / "office.vkey").read_text(encoding="utf-8").split()
    write_export(out, notes, blobs, signer, origin=settings.log_origin, public_keys=keys)
    # The demo's witnesses collude too (their TEST/DEMO-only keys, dated 1970): each forgery
    # then fails only its own check, not announcement.witnessed under the demo's policy.
    note = (out / "checkpoint").read_bytes()
    for key in sorted((settings.data_dir / "witnesses").glob("*/witness.key")):
        note = cosign(note, Cosigner.from_private_key_string(key.read_text("ascii").strip()), 0)
    size = note.split(b"\n")[1].decode()
    (out / "cosigned").mkdir()
    (out / "cosigned" / "list").write_text(f"{size}\n", encoding="ascii")
    (out / "cosigned" / size).write_bytes(note)


def _leave_out_a_candidate(demo: Path, export: Path, out: Path, records: list[Record]) -> str:
    """T2026-004 (announced): one candidate dropped from its pool, counts kept consistent,
    the announcement re-signed; the snapshots it names are untouched. Return the target."""
    ann = next(
        r for r in records if r.type == "task-announcement" and r.body["task"] == "T2026-004"
    )
    pool = json.loads((export / "blobs" / ann.body["pool"]["sha256"]).read_bytes())
    stratum = next(st for st in pool["strata"] if len(st["candidates"]) > 1)
    left_out = stratum["candidates"].pop(0)
    n, bp = len(stratum["candidates"]), ann.body["ratios"][stratum["risk"]]
    stratum["count"] = min(n, (n * bp + 9999) // 10000)
    blob = canonical_json(pool)
    fields = {k: v for k, v in ann.body.items() if k not in ("type", "v", "log", "time")}
    fields["pool"] = fields["pool"] | {
        "sha256": sha256_hex(blob),
        "candidates": ann.body["pool"]["candidates"] - 1,
        "picks": sum(st["count"] for st in pool["strata"]),
    }
    signer = load_signer(demo_settings(demo).office_key_file)
    when = datetime.fromisoformat(ann.body["time"].replace("Z", "+00:00"))
    forged = make_record("task-announcement", ann.body["log"], when, fields, [signer])
    _republish(demo, export, out, [forged if r is ann else r.note for r in records])
    (out / "blobs" / sha256_hex(blob)).write_bytes(blob)
    return str(left_out)


def _claim_cross_check(demo: Path, export: Path, out: Path, records: list[Record]) -> None:
    """T2026-004's announcement re-signed claiming the own-district rule (交叉检查) that its
    team input, made without the rule, does not follow (inspectors.cross_check)."""
    ann = next(
        r for r in records if r.type == "task-announcement" and r.body["task"] == "T2026-004"
    )
    fields = {k: v for k, v in ann.body.items() if k not in ("type", "v", "log", "time")}
    fields["cross_check"] = {"own_district": True, "specialty": False}
    signer = load_signer(demo_settings(demo).office_key_file)
    when = datetime.fromisoformat(ann.body["time"].replace("Z", "+00:00"))
    forged = make_record("task-announcement", ann.body["log"], when, fields, [signer])
    _republish(demo, export, out, [forged if r is ann else r.note for r in records])


def _raise_min_ratio(demo: Path, export: Path, out: Path, records: list[Record]) -> str:
    """The item list T2026-004 cites re-signed with its item's min_ratio at 100%, which the
    task's share drawn does not reach (announcement.min_ratio). Return the item's code."""
    ann = next(
        r for r in records if r.type == "task-announcement" and r.body["task"] == "T2026-004"
    )
    ref = ann.body["items"][0]
    lists = [
        r
        for r in records[: records.index(ann)]
        if r.type == "item-list" and r.body["version"] == ref["version"]
    ]
    old = lists[-1]
    fields = {k: v for k, v in old.body.items() if k not in ("type", "v", "log", "time")}
    fields["items"] = [
        i | {"min_ratio": 10_000} if i["code"] == ref["code"] else i for i in old.body["items"]
    ]
    signer = load_signer(demo_settings(demo).office_key_file)
    when = datetime.fromisoformat(old.body["time"].replace("Z", "+00:00"))
    forged = make_record("item-list", old.body["log"], when, fields, [signer])
    _republish(demo, export, out, [forged if r is old else r.note for r in records])
    return str(ref["code"])


def _drop_an_opening(demo: Path, export: Path, out: Path, records: list[Record]) -> str:
    """T2026-008 (a committed pool): its reveal re-signed naming an openings blob without
    its first opening, a pick left unopened (pool.openings). Return that pick's id."""
    reveal = next(r for r in records if r.type == "task-reveal" and r.body["task"] == "T2026-008")
    body = json.loads((export / "blobs" / reveal.body["openings"]).read_bytes())
    dropped = body["openings"].pop(0)["id"]
    blob = canonical_json(body)
    fields = {k: v for k, v in reveal.body.items() if k not in ("type", "v", "log", "time")}
    fields["openings"] = sha256_hex(blob)
    signer = load_signer(demo_settings(demo).office_key_file)
    when = datetime.fromisoformat(reveal.body["time"].replace("Z", "+00:00"))
    forged = make_record("task-reveal", reveal.body["log"], when, fields, [signer])
    _republish(demo, export, out, [forged if r is reveal else r.note for r in records])
    (out / "blobs" / sha256_hex(blob)).write_bytes(blob)
    return str(dropped)


def _move(records: list[Record], which: Record, before: Record) -> list[bytes]:
    """The log's notes with ``which`` moved to just before ``before``."""
    rest = [r for r in records if r is not which]
    at = rest.index(before)
    return [r.note for r in [*rest[:at], which, *rest[at:]]]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, demo_city: Path) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("browser")
    export = demo_city / "export"
    good = root / "site"
    shutil.copytree(demo_city / "site", good)  # the run's demo site, copied: forged/ goes in it
    bad = root / "tampered"
    shutil.copytree(good, bad)
    changes = _tamper(bad, export)
    # One changed byte in one target shard (a name, so the JSON stays valid).
    data = bad / "targets" / "data"
    shard = data / json.loads((data / "manifest.json").read_bytes())["shards"][0]["path"]
    shard.write_bytes(shard.read_bytes().replace("有限公司".encode(), "有限分司".encode(), 1))
    # A third copy: one byte of a signed record (T2026-001's revealed secret) in the log.
    forged = root / "forged"
    shutil.copytree(good, forged)
    bundle = next(p for p in (forged / "export" / "tile" / "entries").rglob("*") if p.is_file())
    data = bundle.read_bytes()
    reveal = load_model(export).tasks["T2026-001"].record("task-reveal")
    assert reveal is not None
    secret = reveal.body["secret"]
    at = data.index(f'"secret":"{secret}"'.encode()) + len('"secret":"')
    bundle.write_bytes(data[:at] + (b"0" if data[at : at + 1] != b"0" else b"1") + data[at + 1 :])
    # Whole logs re-signed with the demo office's key, under the good site's forged/<name>/.
    records = load_model(export).report.records
    demo = demo_city
    left_out = _leave_out_a_candidate(demo, export, good / "forged" / "left-out", records)
    raised = _raise_min_ratio(demo, export, good / "forged" / "min-ratio", records)
    _claim_cross_check(demo, export, good / "forged" / "cross-check", records)
    unopened = _drop_an_opening(demo, export, good / "forged" / "openings", records)
    # T2026-005 revealed early: one of its results moved from after the reveal to before it.
    reveal = next(r for r in records if r.type == "task-reveal" and r.body["task"] == "T2026-005")
    result = next(r for r in records[records.index(reveal) :] if r.type == "inspection-result")
    _republish(demo, export, good / "forged" / "early", _move(records, result, reveal))
    # The re-check logged before the rectification order it names.
    order = next(r for r in records if r.type == "rectification-order")
    check = next(r for r in records if r.type == "rectification-check")
    _republish(demo, export, good / "forged" / "recheck", _move(records, check, order))
    servers = {
        name: StaticServer(path)
        for name, path in (("good", good), ("bad", bad), ("forged", forged))
    }
    try:
        yield {name: server.url for name, server in servers.items()} | {
            "changes": changes | {"left-out": left_out, "min-ratio": raised, "unopened": unopened},
            "model": load_model(export),
            "index": _index_words(good),
        }
    finally:
        for server in servers.values():
            server.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records every request and every script error."""
    recorded = recorded_page(browser, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page: Any = recorded.page
    requests, errors = recorded.requests, recorded.errors
    page.requests = requests  # for the tests that look at what was fetched
    page.errors = errors
    yield page
    recorded.context.close()
    left = offsite(requests)
    assert not left, f"requests left 127.0.0.1: {left}"
    assert requests, "the page made no request at all"
    assert not errors, f"script errors: {errors}"


def _verify(page: Any, base: str, task: str, export: str | None = None) -> dict[str, Any]:
    """Open the task page (``task`` may be another page's path ending in /), point the
    verifier at ``export`` if given, press the button, wait for the verdict."""
    page.goto(f"{base}{task}" if task.endswith("/") else f"{base}tasks/{task}/")
    result = press_verify(page, export)
    return {
        "verdict": result.verdict,
        "failed": (result.failed or "").split(),
        "checks": result.checks,
        "text": result.text,
        "timings": json.loads(result.timings or "{}"),
    }


def test_browse_home_task_list_task_page(page: Any, sites: dict[str, Any]) -> None:
    title = sites["model"].tasks["T2026-001"].announcement["title"]
    page.goto(sites["good"])
    assert "双随机、一公开" in page.title()
    nav = page.locator("a.md-nav__link:visible", has_text=re.compile(r"^\s*抽查任务\s*$"))
    nav.first.click()
    page.wait_for_url("**/tasks/")
    assert page.locator("h1").first.inner_text() == "抽查任务"
    page.locator("article a", has_text="T2026-001").first.click()
    page.wait_for_url("**/tasks/T2026-001/")
    article = page.locator("article").inner_text()
    assert title in article
    assert "已公开" in article and "检查组" in article
    assert page.get_by_role("button", name="在浏览器中验证").is_visible()
    for section in ("抽查事项清单", "执法检查人员名录", "抽查对象名录", "抽查结果", "行政处罚"):
        link = page.locator("a.md-nav__link:visible", has_text=re.compile(rf"^\s*{section}\s*$"))
        link.first.click()
        assert page.locator("h1").first.inner_text() == section


# A task whose picks the latest targets snapshot still names: T2026-001's type is withheld
# since T2026-008 (committed pools), so its companies' pages carry no name to search for.
NAMED_TASK = "T2026-007"


def _index_words(site: Path) -> dict[str, list[str]]:
    """USCC -> the words of its company page's title in the site's search index. The build
    segments Chinese (jieba, with the page's text around the name), and the search finds only
    whole words of the index: a word segmented from the name alone may not be one of them."""
    docs = json.loads((site / "search" / "search_index.json").read_bytes())["docs"]
    words = {
        d["location"].split("/")[1]: d["title"].split("\u200b")
        for d in docs
        if re.fullmatch(r"targets/[0-9A-Z]{18}/", d["location"])
    }
    # Every indexed section's text, without the separators, to count where a word occurs.
    words[""] = [(d["title"] + " " + d["text"]).replace("\u200b", "") for d in docs]
    return words


def _rare_middle_word(sites: dict[str, Any], task: str) -> tuple[str, str, str]:
    """(word, name, USCC): a word from the middle of a picked company's name, as the search
    index holds it, one that few indexed sections and few other company names contain, so
    the search and the lookup have a short answer."""
    model = sites["model"]
    names = model.target_names()
    outcome = model.tasks[task].verification.outcome
    sections = sites["index"][""]
    best = None
    for target in outcome.picks():
        tokens = sites["index"].get(target, [])
        for word in tokens[1:-1]:
            if len(word) < 2 or word in ("有限公司", "有限责任公司"):
                continue
            rank = (sum(word in t for t in sections), sum(word in n for n in names.values()))
            if best is None or rank < best[0]:
                best = (rank, word, names[target], target)
    assert best is not None and best[0][0] <= 10 and best[0][1] <= 50, best
    return best[1], best[2], best[3]


def test_search_finds_a_company_by_a_word_from_the_middle_of_its_name(
    page: Any, sites: dict[str, Any]
) -> None:
    word, name, uscc = _rare_middle_word(sites, NAMED_TASK)
    assert not name.startswith(word) and not name.endswith(word)
    page.goto(sites["good"])
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(word)
    box.press("End")  # Material's search reacts to key-up
    # The company's own page (issue #17), which leads on to the task that drew it.
    hit = page.locator(f".md-search-result__item a[href*='targets/{uscc}/']").first
    page.locator(".md-search-result__item").first.wait_for()
    # Material renders ten results, then four more each time the list is scrolled to its
    # bottom anew (it waits for the list to leave the bottom and come back): scrolled as a
    # wheel does, up a little, then down. The word is in other companies' names too, and
    # results of the same score come in the index's order, so the page need not be in the
    # first ten (a jump to the last item, as this test once did, loaded only the first four
    # more: it failed whenever the company came later).
    wrap = page.locator(".md-search__scrollwrap")
    for _ in range(30):
        if hit.count():
            break
        wrap.hover()
        page.mouse.wheel(0, -100)
        page.wait_for_timeout(100)
        page.mouse.wheel(0, 100_000)
        page.wait_for_timeout(100)
    hit.wait_for()
    hit.click()
    page.wait_for_url(f"**/targets/{uscc}/**")
    assert name in page.locator("article").inner_text()
    page.locator(f"article a[href$='tasks/{NAMED_TASK}/']").first.click()
    page.wait_for_url(f"**/tasks/{NAMED_TASK}/")
    assert name in page.locator("article").inner_text()


def _lookup(page: Any, base: str, query: str) -> dict[str, Any]:
    page.goto(f"{base}targets/")
    page.locator(".lottery-lookup-input").fill(query)
    page.get_by_role("button", name="查询").click()
    page.locator(".lottery-lookup[data-state=done]").wait_for()
    rows = page.locator(".lottery-lookup-row")
    return {
        "rows": [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())],
        "status": page.locator(".lottery-lookup-status").inner_text(),
    }


def test_lookup_finds_a_company_by_uscc_and_by_a_word_of_its_name(
    page: Any, sites: dict[str, Any]
) -> None:
    word, name, uscc = _rare_middle_word(sites, NAMED_TASK)
    by_code = _lookup(page, sites["good"], uscc.lower())
    assert [r[:2] for r in by_code["rows"]] == [[uscc, name]], by_code
    # A USCC reads one shard only (of several), by binary search over the manifest.
    shards = [
        u
        for u in page.requests
        if "/targets/data/" in u and not u.endswith(("manifest.json", "pages.json", "regions.json"))
    ]
    assert len(shards) == 1
    # Names, not codes (issue #17): the district's name with its code, the class's label.
    latest = sites["model"].latest_snapshot("targets")
    row = dict(zip(latest[1].fields, {r[0]: r for r in latest[1].rows}[uscc], strict=True))
    region = row["region"]
    district = sites["model"].places().regions[region]
    assert by_code["rows"][0][3] == f"{district}（{region}）", by_code
    assert by_code["rows"][0][4] == risk_label(row["risk_class"]), by_code
    by_word = _lookup(page, sites["good"], word)
    names = sites["model"].target_names()
    expected = sorted(code for code, n in names.items() if word in n)
    assert sorted(r[0] for r in by_word["rows"]) == expected
    assert all(word in r[1] for r in by_word["rows"])
    assert f"找到 {len(expected)} 户" in by_word["status"]
    nothing = _lookup(page, sites["good"], "不存在的公司名称")
    assert nothing["rows"] == [] and "未找到" in nothing["status"]


def test_lookup_refuses_a_tampered_shard(page: Any, sites: dict[str, Any]) -> None:
    result = _lookup(page, sites["bad"], "有限")
    assert result["rows"] == []
    assert "SHA-256 不符" in result["status"]


def test_verifier_passes_on_a_disclosed_public_numbers_task(
    page: Any, sites: dict[str, Any]
) -> None:
    result = _verify(page, sites["good"], "T2026-001")
    assert result["verdict"] == "pass", result["text"]
    assert result["failed"] == []
    for name in (
        "log.checkpoint",
        "log.root",
        "record.signature",
        "record.id",
        "blob.pool",
        "blob.inspectors",
        "blob.exclusions",
        "beacon.value",
        "commit.reveal",
        "draw.outcome_hash",
        "draw.seed",
        "draw.selection",
        "draw.teams",
        "draw.outcome_bytes",
        "announcement.registries",
        "pool.membership",
        "inspectors.membership",
        "announcement.plan",
    ):
        assert result["checks"].get(name) == "pass", (name, result["text"])
    # The demo log publishes its witness policy (2 of 3, lottery/demo/witnesses.py): the
    # button holds the task to it, as `lottery verify` does, from the log alone.
    assert result["checks"]["announcement.witnessed"] == "pass", result["text"]
    assert (
        "3 个见证方中的 3 个副署（法定人数 2，第 0 条记录的见证方规则，提前量 300 秒）"
        in (result["text"])
    )
    assert "市纪委监委（jiwei.qinglan.example/witness） 于 2026-03-01 10:00:30" in result["text"]
    assert set(result["checks"].values()) == {"pass"}
    assert "RFC 3797" in result["text"] and "核验通过" in result["text"]
    # The same plain-Chinese sentences as the site's pages (publisher/check_words.py).
    for name in ("pool.membership", "inspectors.membership", "commit.reveal"):
        assert f"{CHECKS_ZH[name]}（{name}）" in result["text"], name
    assert "执行 2026 年度抽查计划第 1 版的条目 P2026-01（计划 1 次）" in result["text"]
    # The report's deadline, from the log's 2026 calendar record alone (issue #19): inspections
    # completed Tue 31 Mar 2026, Qingming 4-6 Apr off (tests/test_demo_results.py).
    assert result["checks"].get("deadline.published") == "pass", result["text"]
    assert (
        "抽查报告 T2026-001：应在 2026-04-10 前公示，于 2026-04-14 公示，迟了 2 个工作日"
        in (result["text"])
    )
    # 1,093 candidates re-derived from the snapshots (the 2 excluded ones too).
    assert "1095 户符合条件的对象（1093 户在名单中，2 户列明了排除理由）" in result["text"]
    assert result["timings"]["membership"] >= 0 and result["timings"]["rerun"] >= 0


def test_the_joint_task_names_its_departments_and_the_verifier_checks_the_team_rule(
    page: Any, sites: dict[str, Any]
) -> None:
    """T2026-007 (部门联合抽查): its page names every department, and the in-browser verifier
    re-runs its teams with one inspector of each department (docs/teams.md §8)."""
    result = _verify(page, sites["good"], "T2026-007")
    assert result["verdict"] == "pass", result["text"]
    for name in ("inspectors.departments", "inspectors.membership", "draw.teams"):
        assert result["checks"].get(name) == "pass", (name, result["text"])
    assert "每组各部门一人" in result["text"]
    params = page.locator("main table").first.inner_text()
    for words in (
        "部门联合抽查",
        "牵头部门",
        "青岚市人民防空办公室",
        "青岚市住房和城乡建设局、青岚市消防救援支队",
    ):
        assert words in params, words


def test_the_committed_pool_task_names_only_its_picks_and_the_verifier_opens_them(
    page: Any, sites: dict[str, Any]
) -> None:
    """T2026-008 (承诺值名单, docs/spec.md §4 "Committed pools"): the page says the pool is
    published as commitments; the verifier checks that the reveal opens exactly the picks;
    the picks table names each pick by its opened USCC and name."""
    result = _verify(page, sites["good"], "T2026-008")
    assert result["verdict"] == "pass", result["text"]
    for name in ("pool.openings", "pool.membership", "draw.outcome_bytes"):
        assert result["checks"].get(name) == "pass", (name, result["text"])
    main = page.locator("main").inner_text()
    assert "本任务抽查对象名单以承诺值公开，仅公开被抽中的对象" in main
    view = sites["model"].tasks["T2026-008"]
    opened = view.verification.openings
    assert opened and len(opened) == view.announcement["pool"]["picks"]
    first = next(iter(opened.values()))
    assert first.uscc in main and first.name in main
    # Another task's page does not say so.
    page.goto(f"{sites['good']}tasks/T2026-001/")
    assert "以承诺值公开" not in page.locator("main").inner_text()


def test_a_pick_left_unopened_fails_pool_openings(page: Any, sites: dict[str, Any]) -> None:
    result = _verify(page, sites["good"], "T2026-008", "../../forged/openings/")
    assert result["failed"] == ["pool.openings"], result["text"]
    assert sites["changes"]["unopened"] in result["text"]


def test_verifier_passes_on_the_drand_task_and_defers_bls(page: Any, sites: dict[str, Any]) -> None:
    result = _verify(page, sites["good"], "T2023-DRAND")
    assert result["verdict"] == "pass", result["text"]
    assert result["checks"]["beacon.value"] == "pass"
    assert result["checks"]["draw.outcome_bytes"] == "pass"
    assert result["checks"]["beacon.drand_bls"] == "note"
    assert "BLS" in result["text"] and "lottery verify" in result["text"]


def test_verifier_on_sealed_and_announced_tasks(page: Any, sites: dict[str, Any]) -> None:
    sealed = _verify(page, sites["good"], "T2026-002")
    assert sealed["verdict"] == "pass", sealed["text"]
    assert sealed["checks"]["beacon.value"] == "pass"
    assert "draw.selection" not in sealed["checks"]
    assert "封存" in sealed["text"]
    announced = _verify(page, sites["good"], "T2026-004")
    assert announced["verdict"] == "pass", announced["text"]
    assert "beacon.value" not in announced["checks"]
    assert "尚未抽取" in announced["text"]


def test_verifier_passes_on_a_cancelled_draw(page: Any, sites: dict[str, Any]) -> None:
    result = _verify(page, sites["good"], "T2026-003")
    assert result["verdict"] == "pass", result["text"]
    assert result["checks"]["draw.selection"] == "pass"


def test_verifier_catches_one_changed_byte_of_the_outcome(page: Any, sites: dict[str, Any]) -> None:
    result = _verify(page, sites["bad"], "T2026-001")
    assert result["verdict"] == "fail"
    assert result["checks"]["draw.outcome_hash"] == "fail"
    assert result["checks"]["draw.selection"] == "fail"  # the changed ticket is named
    # Everything the tampering did not touch still verifies.
    for name in ("record.signature", "commit.reveal", "beacon.value", "draw.seed"):
        assert result["checks"][name] == "pass", name
    assert "【未通过】" in result["text"] and "draw.outcome_hash" in result["text"]


def test_verifier_catches_a_swapped_pick(page: Any, sites: dict[str, Any]) -> None:
    result = _verify(page, sites["bad"], "T2026-003")
    assert result["verdict"] == "fail"
    assert result["checks"]["draw.outcome_hash"] == "fail"
    assert result["checks"]["draw.selection"] == "fail"
    assert sites["changes"]["T2026-003-new"] in result["text"]
    assert sites["changes"]["T2026-003-old"] in result["text"]
    # The untouched tasks of the tampered copy still verify.
    other = _verify(page, sites["bad"], "T2023-DRAND")
    assert other["verdict"] == "pass", other["text"]


def test_verifier_catches_an_edited_signed_record(page: Any, sites: dict[str, Any]) -> None:
    result = _verify(page, sites["forged"], "T2026-001")
    assert result["verdict"] == "fail"
    assert result["checks"]["log.checkpoint"] == "pass"
    assert result["checks"]["log.root"] == "fail"
    assert result["checks"]["record.signature"] == "fail"
    assert "draw.selection" not in result["checks"]  # nothing is re-run from unsigned data


def test_verifier_passes_on_the_early_disclosed_task(page: Any, sites: dict[str, Any]) -> None:
    # T2026-005 (issue #16): its announcement allows an early disclosure (disclose_early).
    result = _verify(page, sites["good"], "T2026-005")
    assert result["verdict"] == "pass", result["text"]
    assert result["checks"]["draw.outcome_bytes"] == "pass"
    assert result["checks"]["reveal.early"] == "pass"
    assert result["checks"]["pool.membership"] == "pass"
    assert "27 个抽中对象的检查结果" in result["text"]


def test_a_candidate_left_out_of_the_pool_fails_pool_membership(
    page: Any, sites: dict[str, Any]
) -> None:
    # Re-signed by the office: everything verifies but the re-derivation from the snapshots.
    result = _verify(page, sites["good"], "T2026-004", "../../forged/left-out/")
    assert result["failed"] == ["pool.membership"], result["text"]
    assert result["checks"]["announcement.registries"] == "pass"
    assert result["checks"]["inspectors.membership"] == "pass"
    assert result["checks"]["pool.summary"] == "pass"
    assert sites["changes"]["left-out"] in result["text"]
    assert "既不在名单中、也未列明排除理由" in result["text"]


def test_an_item_s_minimum_ratio_the_task_does_not_reach_fails_min_ratio(
    page: Any, sites: dict[str, Any]
) -> None:
    assert _verify(page, sites["good"], "T2026-004")["checks"]["announcement.min_ratio"] == "pass"
    # The item list re-signed with the cited item's min_ratio at 100%: only the ratio fails.
    result = _verify(page, sites["good"], "T2026-004", "../../forged/min-ratio/")
    assert result["failed"] == ["announcement.min_ratio"], result["text"]
    assert result["checks"]["pool.membership"] == "pass"
    assert f"低于抽查事项 {sites['changes']['min-ratio']} 规定的抽查比例 100%" in result["text"]


def test_a_cross_check_rule_the_team_input_does_not_follow_fails(
    page: Any, sites: dict[str, Any]
) -> None:
    result = _verify(page, sites["good"], "T2026-004", "../../forged/cross-check/")
    assert result["failed"] == ["inspectors.cross_check"], result["text"]
    assert result["checks"]["inspectors.membership"] == "pass"
    assert "没有列入回避名单" in result["text"]


def test_a_result_published_before_the_early_reveal_fails(page: Any, sites: dict[str, Any]) -> None:
    result = _verify(page, sites["good"], "T2026-005", "../../forged/early/")
    assert result["failed"] == ["reveal.early"], result["text"]
    assert result["checks"]["draw.outcome_bytes"] == "pass"


def test_the_results_page_runs_the_onsite_and_rectification_checks(
    page: Any, sites: dict[str, Any]
) -> None:
    result = _verify(page, sites["good"], "results/")
    assert result["verdict"] == "pass", result["text"]
    for name in (
        "result.onsite",
        "rectification.order",
        "rectification.check",
        "result.joint_with",
        "result.visit_cap",
    ):
        assert result["checks"][name] == "pass", name
    assert "152 条检查结果的现场记录" in result["text"]  # T2026-001 (+ the objection's
    # correction), -005 and -006
    assert result["checks"]["objection.result"] == "pass"  # docs/objections.md
    # T2026-006's joint visit with T2026-005 (lottery/demo/cross.py), re-checked in the browser.
    assert "1 条联合检查的结果所注明的其他任务" in result["text"]
    forged = _verify(page, sites["good"], "results/", "../forged/recheck/")
    assert forged["failed"] == ["rectification.check"], forged["text"]
    assert forged["checks"]["rectification.order"] == "pass"
    assert "不是此前公开的整改要求" in forged["text"]


def _picked(model: Any, task: str) -> tuple[str, str]:
    """(USCC, full name) of the first pick of ``task``."""
    target = model.tasks[task].verification.outcome.picks()[0]
    return target, model.target_names()[target]


def test_search_of_a_company_s_full_name_ranks_its_page_above_the_pages_naming_it(
    page: Any, sites: dict[str, Any]
) -> None:
    target, name = _picked(sites["model"], NAMED_TASK)
    page.goto(sites["good"])
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(name)
    box.press("End")  # Material's search reacts to key-up
    page.locator(".md-search-result__item a").first.wait_for()
    hits = page.locator(".md-search-result__item > a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    # The page is one entry of the index (not one per section): one hit, no section hits,
    # among the first results shown.
    own = [i for i, h in enumerate(hits) if f"targets/{target}/" in h]
    assert len(hits) > 1 and len(own) == 1, hits
    # Other pages name the company too (its task, its results): they come after. Another
    # company's page may come before it: Material segments the query with the index's words,
    # which may cut the name where another company's name was cut (青岚市望江区正大福源… has
    # the word 区正, and ranked first for 望江区正大和平城市建设发展有限公司, whose own words
    # are 区 and 正大): never a page that is not a company's.
    above = hits[: own[0]]
    assert all(re.search(r"/targets/[0-9A-Z]{18}/$", h) for h in above), hits
    page.locator(f".md-search-result__item > a[href$='targets/{target}/']").click()
    page.wait_for_url(f"**/targets/{target}/")
    assert page.locator("article h1").inner_text() == name
    assert NAMED_TASK in page.locator("article").inner_text()


def test_the_lookup_links_a_named_target_to_its_page_and_says_when_none(
    page: Any, sites: dict[str, Any]
) -> None:
    target, name = _picked(sites["model"], NAMED_TASK)
    found = _lookup(page, sites["good"], target)
    assert found["rows"][0][:2] == [target, name] and found["rows"][0][-1] != "暂无公开记录"
    page.locator("a.lottery-lookup-page", has_text=name).click()
    page.wait_for_url(f"**/targets/{target}/")
    assert page.locator("article h1").inner_text() == name
    # A target no published record names: no link, 暂无公开记录.
    listed = set(
        json.loads(page.request.get(f"{sites['good']}targets/data/pages.json").body())["targets"]
    )
    other = next(t for t in sorted(sites["model"].target_names()) if t not in listed)
    none = _lookup(page, sites["good"], other)
    assert none["rows"][0][0] == other and none["rows"][0][-1] == "暂无公开记录"
    assert page.locator("a.lottery-lookup-page").count() == 0
