"""``lottery monitor``: a monitor keeps the last verified tree and the office key, checks only
what is new, and raises an alarm on a rollback, a rewritten history, a replaced key or a
split view (docs/monitor.md).

Logs are tiny static exports written with tests/lifecycle.py's test-only office key; the
other keys here are TEST-ONLY values derived from fixed labels.
"""

from __future__ import annotations

import functools
import hashlib
import json
import socket
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from lottery.cli import main
from lottery.cli.witness_serve import save_states
from lottery.core.canonical import b64decode
from lottery.core.errors import InputError
from lottery.core.merkle import MerkleTree
from lottery.core.monitor import MonitorState, Verdict, compare_states, tree_verdict
from lottery.core.monitor_words import shown
from lottery.core.note import Signer, parse_note
from lottery.core.records import make_record
from lottery.core.tiles import entries_from_bundles
from lottery.core.witness_protocol import LogState
from lottery.export.read import file_getter
from lottery.export.write import write_export
from lottery.service import inmemory
from tests import lifecycle as lc

NEW_KEY = Signer.from_seed(lc.LOG, hashlib.sha256(b"TEST ONLY second office key").digest())
T_CHANGE = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LOTTERY_DATABASE_URL", raising=False)

    def run(*args: str) -> Result:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="module")
def task() -> inmemory.TaskRun:
    """One task announced, drawn and disclosed (its three records and blobs)."""
    return lc.disclosed("T2026-001")


@pytest.fixture(scope="module")
def other() -> inmemory.TaskRun:
    return lc.announced("T2026-002")


def publish(out: Path, entries: list[bytes], blobs: dict[str, bytes], signer: Signer) -> Path:
    """Write (or grow) a static export of ``entries`` with checkpoints signed by ``signer``."""
    write_export(out, entries, blobs, signer, origin=lc.LOG, public_keys=[signer.vkey])
    return out


def monitor(cli, log: Path | str, state: Path, *extra: str) -> Result:
    return cli("monitor", str(log), "--state", str(state), "--workers", "1", *extra)


def test_first_run_no_change_and_growth(cli, tmp_path: Path, task, other) -> None:
    ann, draw, reveal = task.published.notes
    log, state = tmp_path / "export", tmp_path / "m.json"
    publish(log, [ann], task.published.blobs, lc.office_signer())

    first = monitor(cli, log, state, "--key", lc.office_signer().vkey, "--lang", "en")
    assert first.code == 0, first.err
    assert first.out.startswith("first run: test.example/lottery, 1 records verified")
    saved = json.loads(state.read_text())
    assert saved["version"] == 1 and saved["size"] == 1
    assert saved["keys"] == [lc.office_signer().vkey]
    assert set(saved["roots"]) == {"1"} and saved["roots"]["1"] == saved["root"]

    same = monitor(cli, log, state, "--lang", "zh")
    assert same.code == 0 and same.out.startswith("没有变化：test.example/lottery 仍为 1 条记录")

    publish(
        log,
        [ann, draw, reveal, other.published.notes[0]],
        {**task.published.blobs, **other.published.blobs},
        lc.office_signer(),
    )
    before = state.read_text()
    said = monitor(cli, log, state, "--lang", "zh")
    assert said.code == 0, said.err
    assert said.out.splitlines()[:4] == [
        "日志增长：test.example/lottery 从 1 条增至 4 条，与上次一致；已核验 3 条新记录",
        "  [1] 任务 T2026-001 已抽取（结果封存至公开）",
        "  [2] 任务 T2026-001 公开抽取结果，已重新抽取核对一致",
        "  [3] 公告抽查任务 T2026-002：2026年第一季度人防工程使用情况抽查",
    ]
    assert "新记录按类型：抽查任务公告 1 条，抽取记录 1 条，结果公开 1 条" in said.out
    state.write_text(before)  # the same growth again, as JSON
    grown = monitor(cli, log, state, "--json", "--lang", "en")
    assert grown.code == 0, grown.err
    body = grown.json()
    assert body["status"] == "grown" and (body["previous_size"], body["size"]) == (1, 4)
    assert body["by_type"] == {"task-announcement": 1, "task-draw": 1, "task-reveal": 1}
    assert [(e["index"], e["type"], e["task"]) for e in body["events"]] == [
        (1, "task-draw", "T2026-001"),
        (2, "task-reveal", "T2026-001"),
        (3, "task-announcement", "T2026-002"),
    ]
    assert "T2026-002 announced" in body["events"][2]["text"]
    # Both tasks with new records were verified again, the disclosed draw re-run.
    assert body["tasks_verified"] == ["T2026-001", "T2026-002"]
    saved = json.loads(state.read_text())
    assert saved["size"] == 4 and set(saved["roots"]) == {"1", "4"}
    text = monitor(cli, log, state, "--lang", "zh")
    assert text.code == 0 and text.out.startswith("没有变化")


def test_rollback_fork_and_replaced_key_raise_alarms(cli, tmp_path: Path, task, other) -> None:
    ann, draw, reveal = task.published.notes
    blobs = {**task.published.blobs, **other.published.blobs}
    state = tmp_path / "m.json"
    good = publish(tmp_path / "good", [ann, draw], blobs, lc.office_signer())
    assert monitor(cli, good, state, "--key", lc.office_signer().vkey).code == 0
    remembered = state.read_text()

    # Rollback: the same key shows a smaller log.
    small = publish(tmp_path / "small", [ann], blobs, lc.office_signer())
    rolled = monitor(cli, small, state, "--lang", "en")
    assert rolled.code == 3 and rolled.out == ""
    assert rolled.err.startswith("ALARM: rollback: the log now shows 1 records")
    assert len(rolled.err.strip().splitlines()) == 1
    zh = monitor(cli, small, state, "--lang", "zh", "--json")
    assert zh.code == 3 and zh.json()["status"] == "rollback" and "日志回滚" in zh.json()["reason"]

    # Rewritten history: the same key, another record at index 1, and the log grew.
    fork = publish(
        tmp_path / "fork", [ann, other.published.notes[0], draw], blobs, lc.office_signer()
    )
    forked = monitor(cli, fork, state, "--lang", "en")
    assert (
        forked.code == 3 and "history rewritten" in forked.err and "first 2 records" in forked.err
    )

    # A replaced key: the same records, but checkpoints signed by a key nobody announced.
    replaced = publish(tmp_path / "replaced", [ann, draw, reveal], blobs, NEW_KEY)
    swapped = monitor(cli, replaced, state, "--lang", "zh")
    assert swapped.code == 3 and swapped.err.startswith("警报：机关密钥被更换")
    assert state.read_text() == remembered  # an alarm changes nothing

    # Later runs use the pinned key, not the log's own keys/office.vkey.
    (good / "keys" / "office.vkey").write_text(NEW_KEY.vkey + "\n")
    assert monitor(cli, good, state).code == 0
    # The honest log still grows normally afterwards.
    publish(good, [ann, draw, reveal], blobs, lc.office_signer())
    assert monitor(cli, good, state).code == 0
    assert json.loads(state.read_text())["size"] == 3


def test_key_change_signed_by_the_pinned_key_is_accepted(cli, tmp_path: Path, task) -> None:
    ann, draw, reveal = task.published.notes
    state = tmp_path / "m.json"
    log = publish(tmp_path / "log", [ann, draw, reveal], task.published.blobs, lc.office_signer())
    assert monitor(cli, log, state, "--key", lc.office_signer().vkey).code == 0
    change = make_record(
        "key-change",
        lc.LOG,
        T_CHANGE,
        {"keys": [NEW_KEY.vkey], "reason": "密钥定期更换"},
        [lc.office_signer(), NEW_KEY],
    )
    # Signed by the pinned key alone, without the new key's signature: not lawful.
    alone = make_record(
        "key-change",
        lc.LOG,
        T_CHANGE,
        {"keys": [NEW_KEY.vkey], "reason": "x"},
        [lc.office_signer()],
    )
    single = publish(tmp_path / "single", [ann, draw, reveal, alone], {}, NEW_KEY)
    refused_single = monitor(cli, single, state, "--json", "--lang", "en")
    assert refused_single.code == 1 and refused_single.json()["check"] == "log.key_change"
    assert json.loads(state.read_text())["size"] == 3
    rotated = publish(tmp_path / "rotated", [ann, draw, reveal, change], {}, NEW_KEY)
    result = monitor(cli, rotated, state, "--json", "--lang", "en")
    assert result.code == 0, result.out + result.err
    body = result.json()
    assert body["status"] == "key-change" and body["keys"] == [NEW_KEY.vkey]
    assert body["events"][0]["type"] == "key-change" and "log index 3" in body["notes"][0]
    # A key-change signed by a key that was never pinned does not count.
    rogue = Signer.from_seed(lc.LOG, hashlib.sha256(b"TEST ONLY rogue key").digest())
    forged = make_record(
        "key-change", lc.LOG, T_CHANGE, {"keys": [rogue.vkey], "reason": "x"}, [rogue]
    )
    fresh = tmp_path / "fresh.json"
    assert monitor(cli, log, fresh, "--key", lc.office_signer().vkey).code == 0
    bad = publish(tmp_path / "bad", [ann, draw, reveal, forged], {}, rogue)
    refused = monitor(cli, bad, fresh, "--lang", "en")
    assert refused.code == 3 and "office key replaced" in refused.err


def test_compare_detects_a_split_view(cli, tmp_path: Path, task, other) -> None:
    ann, draw, reveal = task.published.notes
    blobs = {**task.published.blobs, **other.published.blobs}
    honest = publish(tmp_path / "a", [ann], blobs, lc.office_signer())
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    assert monitor(cli, honest, a, "--key", lc.office_signer().vkey).code == 0
    publish(honest, [ann, draw, reveal], blobs, lc.office_signer())
    assert monitor(cli, honest, b, "--key", lc.office_signer().vkey).code == 0
    same = cli("monitor", "compare", str(a), str(b), "--lang", "en")
    assert same.code == 0 and same.out.startswith("consistent: the tree of 1 records is a prefix")
    # The office shows another monitor a different history of the same length.
    split = publish(
        tmp_path / "s", [ann, other.published.notes[0], draw], blobs, lc.office_signer()
    )
    assert monitor(cli, split, c, "--key", lc.office_signer().vkey).code == 0
    found = cli("monitor", "compare", str(b), str(c), "--json", "--lang", "zh")
    assert found.code == 3
    assert found.json()["status"] == "split-view" and "分叉视图" in found.json()["reason"]
    # A holds 1 record; C's state has no root at 1 (its log archived only 3): the states
    # alone cannot tell, a copy of C's log can (its tiles rebuild C's tree).
    undecided = cli("monitor", "compare", str(a), str(c), "--lang", "en")
    assert undecided.code == 4 and "undecided" in undecided.err and "--log" in undecided.err
    agreed = cli("monitor", "compare", str(a), str(c), "--log", str(split), "--lang", "en")
    assert agreed.code == 0, agreed.err  # both views start with the same record
    # A monitor that verified 2 records of the honest log against C: they differ at index 1.
    d = tmp_path / "d.json"
    publish(tmp_path / "d", [ann, draw], blobs, lc.office_signer())
    assert monitor(cli, tmp_path / "d", d, "--key", lc.office_signer().vkey).code == 0
    found = cli("monitor", "compare", str(d), str(c), "--log", str(split), "--lang", "en")
    assert found.code == 3 and "differ in their first 2 records" in found.err
    # A copy of the log that does not hold C's tree cannot answer for it.
    wrong = cli("monitor", "compare", str(d), str(c), "--log", str(honest), "--lang", "en")
    assert wrong.code == 1 and "does not hold the tree of 3 records" in wrong.err


def test_compare_with_a_witness_state_and_bad_input(cli, tmp_path: Path, task) -> None:
    ann, draw, _ = task.published.notes
    log = publish(tmp_path / "log", [ann, draw], task.published.blobs, lc.office_signer())
    m = tmp_path / "m.json"
    assert monitor(cli, log, m, "--key", lc.office_signer().vkey).code == 0
    witness = tmp_path / "w.json"
    saved = json.loads(m.read_text())
    witness.write_text(
        json.dumps(
            {"version": 1, "origin": lc.LOG, "size": 2, "root": saved["roots"]["2"], "timestamp": 1}
        )
    )
    assert cli("monitor", "compare", str(m), str(witness)).code == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    broken = monitor(cli, log, bad, "--lang", "en")
    assert broken.code == 2 and len(broken.err.strip().splitlines()) == 1
    assert "Traceback" not in broken.err and bad.read_text() == "{"
    other_key = monitor(cli, log, m, "--key", NEW_KEY.vkey, "--lang", "en")
    assert other_key.code == 2 and "--key differs" in other_key.err


def test_compare_reads_a_served_witness_state_of_several_logs(cli, tmp_path: Path, task) -> None:
    """``lottery witness serve`` writes version 2 (a tree per log); compare takes the log the
    other file is of."""
    ann, draw, _ = task.published.notes
    log = publish(tmp_path / "log", [ann, draw], task.published.blobs, lc.office_signer())
    m = tmp_path / "m.json"
    assert monitor(cli, log, m, "--key", lc.office_signer().vkey).code == 0
    root = b64decode(json.loads(m.read_text())["roots"]["2"], what="root")
    elsewhere = LogState(5, hashlib.sha256(b"another log").digest(), 1)
    served, forked = tmp_path / "served.json", tmp_path / "forked.json"
    save_states(served, {lc.LOG: LogState(2, root, 1), "other.example/log": elsewhere})
    save_states(forked, {lc.LOG: LogState(2, bytes(32), 1), "other.example/log": elsewhere})
    assert json.loads(served.read_text())["version"] == 2
    same = cli("monitor", "compare", str(m), str(served), "--lang", "en")
    assert same.code == 0 and same.out.startswith("consistent: the tree of 2 records"), same.err
    split = cli("monitor", "compare", str(forked), str(m), "--lang", "en")
    assert split.code == 3 and "split view" in split.err
    both = cli("monitor", "compare", str(served), str(forked), "--lang", "en")
    assert both.code == 2 and "share 2 logs" in both.err
    empty = tmp_path / "empty.json"
    save_states(empty, {})
    none = cli("monitor", "compare", str(m), str(empty), "--lang", "en")
    assert none.code == 2 and "follows no log yet" in none.err


def test_a_tampered_new_record_fails_verification(cli, tmp_path: Path, task) -> None:
    ann, draw, _ = task.published.notes
    state = tmp_path / "m.json"
    log = publish(tmp_path / "log", [ann], task.published.blobs, lc.office_signer())
    assert monitor(cli, log, state, "--key", lc.office_signer().vkey).code == 0
    # A record signed by an unknown key inside a log the pinned key signed.
    rogue = make_record(
        "key-change", lc.LOG, T_CHANGE, {"keys": [NEW_KEY.vkey], "reason": "x"}, [NEW_KEY]
    )
    publish(log, [ann, draw, rogue], task.published.blobs, lc.office_signer())
    failed = monitor(cli, log, state, "--json")
    assert failed.code == 1 and failed.json()["check"] == "record.signature"
    assert "log index 2" in failed.json()["reason"]
    assert json.loads(state.read_text())["size"] == 1
    # A damaged entry bundle: the entries cannot be read back.
    bundle = next((log / "tile" / "entries").glob("000.p/*"))
    bundle.write_bytes(bundle.read_bytes()[:-5])
    damaged = monitor(cli, log, state, "--lang", "en")
    assert damaged.code == 1 and "[log.entries]" in damaged.err
    assert len(damaged.err.strip().splitlines()) == 1
    assert json.loads(state.read_text())["size"] == 1


def test_the_url_path_works(cli, tmp_path: Path, task) -> None:
    ann, draw, reveal = task.published.notes
    site = tmp_path / "site"
    publish(site / "export", [ann, draw, reveal], task.published.blobs, lc.office_signer())
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = monitor(cli, url, tmp_path / "m.json", "--json")
    finally:
        server.shutdown()
        thread.join(timeout=30)
    assert result.code == 0, result.err
    body = result.json()
    assert body["status"] == "first" and body["size"] == 3
    assert body["tasks_verified"] == ["T2026-001"]


def test_demo_city_growth_names_penalties_and_late_publications(
    cli, tmp_path: Path, demo_city: Path
) -> None:
    """The demo city's site, seen by a monitor that last verified its first 103 records."""
    get = file_getter(demo_city / "export")
    size = int(get("checkpoint").split(b"\n")[1])
    entries = entries_from_bundles(size, get)
    earlier = MerkleTree.from_entries(entries[:103]).root()
    keys = tuple(get("keys/office.vkey").decode().split())
    state = tmp_path / "m.json"
    origin = get("checkpoint").split(b"\n")[0].decode()
    state.write_text(MonitorState(origin, 103, earlier, keys, {103: earlier}).to_json())
    result = monitor(cli, demo_city / "site", state, "--json", "--lang", "zh")
    assert result.code == 0, result.err
    body = result.json()
    assert body["status"] == "grown" and (body["previous_size"], body["size"]) == (103, size)
    assert body["by_type"]["penalty"] == 3 and body["by_type"]["task-cancellation"] == 1
    late = [e for e in body["events"] if e["late_by"]]
    assert [(e["type"], e["task"], e["late_by"]) for e in late] == [("task-report", "T2026-001", 2)]
    assert late[0]["text"] == "任务 T2026-001 的抽查报告已公布（逾期 2 个工作日公布）"
    assert body["late"] == [late[0]["record"]]
    assert "T2026-003" in body["tasks_verified"] and "T2023-DRAND" not in body["tasks_verified"]
    assert json.loads(state.read_text())["size"] == size


def test_core_rules_tree_verdict_compare_and_shown_text() -> None:
    """The decisions of docs/monitor.md on plain trees, without a log."""
    entries = [f"entry {i}\n".encode() for i in range(5)]
    tree = MerkleTree.from_entries(entries)
    other = MerkleTree.from_entries([entries[0], b"rewritten\n", *entries[2:]])
    assert tree_verdict(3, tree.root(3), 5, tree.root) is Verdict.GROWN
    assert tree_verdict(5, tree.root(5), 5, tree.root) is Verdict.SAME
    assert tree_verdict(5, tree.root(5), 3, tree.root) is Verdict.ROLLBACK
    assert tree_verdict(3, tree.root(3), 5, other.root) is Verdict.FORK

    def state(t: MerkleTree, size: int, *archived: int) -> MonitorState:
        roots = {s: t.root(s) for s in (*archived, size)}
        return MonitorState(lc.LOG, size, t.root(size), (), roots)

    assert compare_states(state(tree, 3), state(tree, 5, 1, 3)).verdict is Verdict.CONSISTENT
    assert compare_states(state(tree, 5, 1, 3), state(tree, 3)).verdict is Verdict.CONSISTENT
    # Both saw a tree of 1 record, the same; a tree of 3 with different roots: split.
    assert compare_states(state(tree, 3, 1), state(other, 5, 1, 3)).verdict is Verdict.SPLIT_VIEW
    # The smaller tree's size is not among the larger's roots: the larger tree decides.
    assert compare_states(state(tree, 2), state(tree, 5, 3)).verdict is Verdict.UNDECIDED
    assert compare_states(state(tree, 2), state(tree, 5), tree.root).verdict is Verdict.CONSISTENT
    assert compare_states(state(tree, 2), state(other, 5), other.root).verdict is (
        Verdict.SPLIT_VIEW
    )
    with pytest.raises(InputError, match="different logs"):
        compare_states(state(tree, 2), replace(state(tree, 2), origin="other.example/log"))
    # Untrusted record text reaches terminals with its control and bidi characters escaped.
    assert shown("整改\x1b[2J\u202e完成\n") == "整改\\u001b[2J\\u202e完成\\u000a"
    round_trip = state(tree, 5, 1, 3)
    assert MonitorState.from_json(replace(round_trip, keys=(NEW_KEY.vkey,)).to_json()).roots == (
        round_trip.roots
    )


class _Failing(SimpleHTTPRequestHandler):
    """Serves the site, but answers 503 for the paths in ``failing``."""

    failing: ClassVar[set[str]] = set()

    def do_GET(self) -> None:
        if self.path.lstrip("/") in self.failing:
            self.send_error(503, "busy")
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_read_that_fails_decides_nothing_and_keeps_the_state(cli, tmp_path: Path, task) -> None:
    """A site that cannot be read (refused, 5xx), first or halfway: not "does not verify" (1),
    not an alarm (3), not bad input (2), but its own status (5) with one line naming the URL;
    the state file is neither written nor changed. A cron job retries the same run later."""
    ann, draw, reveal = task.published.notes
    site = tmp_path / "site"
    publish(site / "export", [ann, draw, reveal], task.published.blobs, lc.office_signer())
    pool = json.loads(parse_note(ann).text)["pool"]["sha256"]
    state = tmp_path / "m.json"
    # Nobody listens on the port: the connection is refused.
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    refused = monitor(cli, f"http://127.0.0.1:{port}/", state)
    assert refused.code == 5, refused.err
    assert refused.err.startswith(f"error: cannot read http://127.0.0.1:{port}/")
    assert len(refused.err.strip().splitlines()) == 1 and not state.exists()
    failing = type("Failing", (_Failing,), {"failing": {f"export/blobs/{pool}"}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(failing, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        # The checkpoint and tiles read, then the task's pool blob fails (its draw re-run).
        halfway = monitor(cli, url, state)
        assert halfway.code == 5, (halfway.out, halfway.err)
        assert f"blobs/{pool} (HTTP 503)" in halfway.err and not state.exists()
        as_json = monitor(cli, url, state, "--json")
        assert as_json.code == 5 and as_json.json()["status"] == "not-read", as_json.out
        assert not state.exists()
        zh = monitor(cli, url, state, "--lang", "zh")
        assert zh.code == 5 and zh.err.startswith("错误：无法读取"), zh.err
        # Readable again: the same run passes and saves.
        failing.failing = set()
        passed = monitor(cli, url, state)
        assert passed.code == 0, passed.err
        assert json.loads(state.read_text("utf-8"))["size"] == 3
    finally:
        server.shutdown()
        thread.join(timeout=30)
