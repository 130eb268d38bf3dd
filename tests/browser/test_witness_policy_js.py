"""The in-browser verifier enforces the log's published ``witness-policy`` as `lottery verify`.

One honest task (tests/forge.py, T2026-001: announced 2026-03-01T02:00Z, public numbers drawn
2026-03-02, so the beacon is due 2026-03-01T16:00Z = 00:00 Beijing) is published after a
``witness-policy`` record (2 of 3 TEST-ONLY witnesses, margin 600 s) with a ``cosigned/<size>``
of its checkpoint carrying different lines. No page names witnesses (no witnesses.json): the
rule comes from the log alone. Known answers (docs/spec.md §8, docs/witness.md): two of three
cosigning 20 minutes before the beacon pass; all three after the beacon (a backdated
announcement), one of three, or two inside the margin fail; a policy published after the
announcement does not apply. A site that names a fourth witness (witnesses.json) only adds to
the policy, as ``lottery verify --witness`` does. Each verdict is compared with the CLI's on
the same export.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from lottery.core.canonical import canonical_json, format_time
from lottery.core.cosignature import Cosigner, cosign
from lottery.core.note import sign_note
from lottery.core.records import record_version
from publisher.build import witness_config
from tests import lifecycle as lc
from tests.browser.chromium import offsite, recorded_page, serve_static
from tests.browser.test_witnessed_js import VERIFY_JS, _cli, _witnessed
from tests.browser.verifier import press_once, verifier_stub
from tests.forge import forge, write_forged_export

pytestmark = pytest.mark.browser

TASK = "T2026-001"
BEACON = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 Asia/Shanghai
POLICY_AT = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
W = [
    Cosigner.generate("jiwei.example/w1"),  # TEST-ONLY
    Cosigner.generate("notary.example/w2"),  # TEST-ONLY
    Cosigner.generate("uni.example/w3"),  # TEST-ONLY
]
W4 = Cosigner.generate("paper.example/w4")  # TEST-ONLY: named by the stricter site only
NAMES = ["市纪委监委", "市公证处", "青岚大学"]


def _policy() -> bytes:
    named = [(n, w.verifier().vkey) for n, w in zip(NAMES, W, strict=True)]
    return lc.witness_policy(named, POLICY_AT, quorum=2, margin=600)


def _malformed_body() -> dict[str, object]:
    return {
        "type": "witness-policy",
        "v": record_version("witness-policy"),
        "log": lc.LOG,
        "time": format_time(POLICY_AT + timedelta(minutes=30)),
        "witnesses": [{"name": "某见证方", "vkey": W4.verifier().vkey}],
        "quorum": 5,
        "margin": 0,
    }


def _malformed_policy() -> bytes:
    """A ``witness-policy`` signed by the office that breaks its format (quorum 5 of 3), in
    the log just before the announcement: not a policy (spec §8), the valid one stays."""
    return sign_note(canonical_json(_malformed_body()) + b"\n", [lc.office_signer()])


def _at(*minutes: int) -> Callable[[bytes], bytes]:
    """Witness i cosigns ``minutes[i]`` minutes after the beacon (negative: before)."""

    def make(note: bytes) -> bytes:
        for w, m in zip(W, minutes, strict=False):
            note = cosign(note, w, int((BEACON + timedelta(minutes=m)).timestamp()))
        return note

    return make


# case -> (cosigned lines, policy before the announcement, site names W4, state, words)
CASES = {
    "two of three in time": (_at(-20, -20), True, False, "pass", "3 个见证方中的 2 个副署"),
    "backdated: all after the beacon": (_at(5, 5, 5), True, False, "fail", "副署太晚：市纪委监委"),
    "fewer than k": (_at(-20), True, False, "fail", "未副署：市公证处（notary.example/w2）"),
    "inside the margin": (_at(-5, -5), True, False, "fail", "提前量 600 秒"),
    "policy after the announcement": (_at(5, 5, 5), False, False, "skip", "没有见证方规则"),
    "the site adds a witness": (_at(-20, -20), True, True, "fail", "未副署：paper.example/w4"),
    # A malformed policy just before the announcement: record.format fails for it alone, the
    # valid policy before it still applies (review finding 5).
    "a malformed policy after the valid one": (
        _at(-20, -20),
        "malformed",
        False,
        "pass",
        "3 个见证方中的 2 个副署",
    ),
}


def _press(browser: Browser, url: str) -> list[tuple[str, str, str]]:
    """Every check the button reports, in order: (name, state, text); a name may repeat."""
    return press_once(browser, url).items


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("policy")
    honest = forge(task=TASK)
    policy = _policy()
    for folder, named in (("p", False), ("q", True)):
        assets = root / folder / "assets"
        assets.mkdir(parents=True)
        shutil.copy(VERIFY_JS, assets / "verify.js")
        if named:
            config = witness_config([W4.verifier().vkey], None)
            assert config is not None
            (assets / "witnesses.json").write_text(config, encoding="utf-8")
    for k, (make, before, named, _, _) in enumerate(CASES.values()):
        case = root / ("q" if named else "p") / f"c{k}"
        if before == "malformed":
            notes = [policy, _malformed_policy(), *honest.notes]
        elif before:
            notes = [policy, *honest.notes]
        else:
            notes = [honest.notes[0], policy, *honest.notes[1:]]
        export = write_forged_export(case / "export", notes, honest.blobs)
        note = (export / "checkpoint").read_bytes()
        size = int(note.split(b"\n")[1])
        (export / "cosigned").mkdir()
        (export / "cosigned" / "list").write_text(f"{size}\n", encoding="ascii")
        (export / "cosigned" / str(size)).write_bytes(make(note))
        verifier_stub(case, TASK)
    (root / "p" / "hook.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>hook</title>'
        "<script>globalThis.__LOTTERY_VERIFIER_TEST__ = {};</script>"
        '<script src="assets/verify.js"></script>',
        encoding="utf-8",
    )
    with serve_static(root) as url:
        yield url, root


@pytest.mark.parametrize("case", list(CASES))
def test_published_policy_agrees_with_the_cli(
    browser: Browser,
    site: tuple[str, Path],
    case: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, root = site
    k = list(CASES).index(case)
    _, _, named, state, words = CASES[case]
    folder = "q" if named else "p"
    items = _press(browser, f"{url}{folder}/c{k}/")
    checks = {name: (state, text) for name, state, text in items}
    got, detail = checks["announcement.witnessed"]
    assert (got, words in detail) == (state, True), detail
    malformed = CASES[case][1] == "malformed"
    # Only the witness check differs from the honest task's (and the malformed record's
    # format): nothing else fails.
    assert {n for n, (s, _) in checks.items() if s == "fail"} == (
        {"announcement.witnessed"} if state == "fail" else set()
    ) | ({"record.format"} if malformed else set())
    if malformed:
        # Reported once, naming the record, as `lottery verify` does (review finding 10).
        bad = [text for name, state, text in items if state == "fail"]
        assert len(bad) == 1 and "法定人数" in bad[0], bad
    # The CLI on the same export, with no flag (the published policy) and, when the site
    # names W4, with --witness W4: the same verdict.
    extra = [W4.verifier().vkey] if named else []
    code, body = _cli(root / folder / f"c{k}" / "export", capsys, monkeypatch, *extra)
    assert body["witness_policies"] == 1
    assert _witnessed(body) == (state == "pass")
    assert (code == 0) == (state != "fail" and not malformed)
    if state == "fail":
        assert [f["check"] for f in body["failures"]] == ["announcement.witnessed"]
    if malformed:
        assert [f["check"] for f in body["failures"]] == ["record.format"], body["failures"]


JS_POLICIES_TWICE = """async ({ context }) => {
  const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
  const stub = () => ({
    items: [],
    add(name, ok, detail) { this.items.push([name, ok, detail]); },
  });
  const run = stub();
  const first = await api.publishedPolicies(run, context);
  const second = await api.publishedPolicies(run, context);
  const next = stub();
  const again = await api.publishedPolicies(next, context);
  return {
    reports: run.items,
    nextReports: next.items,
    quorums: [first, second, again].map((ps) => ps.map((p) => [p.index, p.quorum])),
    sameObject: first[0] === second[0],
    freshObject: first[0] !== again[0],
  };
}"""


def test_policies_are_parsed_and_a_bad_one_reported_once_per_run(
    browser: Browser, site: tuple[str, Path]
) -> None:
    """Two announcements checked in one run (one Report) read the log's policies once: the
    malformed record fails record.format once, as `lottery verify` reports it once for the
    log; a new run (a new Report) reports it again (review finding 10)."""
    url, _ = site
    valid = {
        "type": "witness-policy",
        "witnesses": [
            {"name": n, "vkey": w.verifier().vkey} for n, w in zip(NAMES, W, strict=True)
        ],
        "quorum": 2,
        "margin": 600,
    }
    context = [
        {"index": 7, "body": _malformed_body()},
        {"index": 3, "body": valid},
        {"index": 5, "body": {"type": "calendar"}},
    ]
    recorded = recorded_page(browser, locale="zh-CN")
    try:
        recorded.page.goto(f"{url}p/hook.html")
        got = recorded.page.evaluate(JS_POLICIES_TWICE, {"context": context})
        assert offsite(recorded.requests) == []
    finally:
        recorded.context.close()
    assert got["quorums"] == [[[3, 2]], [[3, 2]], [[3, 2]]]
    assert got["sameObject"] and got["freshObject"]
    for reports in (got["reports"], got["nextReports"]):
        assert len(reports) == 1, reports
        name, ok, detail = reports[0]
        assert (name, ok) == ("record.format", False)
        assert "第 7 条记录的见证方规则" in detail and "法定人数" in detail
