"""The in-browser verifier's ``announcement.witnessed`` agrees with ``lottery verify --witness``.

One honest task (tests/forge.py, T2026-001: announced 2026-03-01T02:00Z, public-numbers beacon
drawn 2026-03-02, so due 2026-03-01T16:00Z = 00:00 Beijing) is published once per case with a
``cosigned/<size>`` of its checkpoint carrying different witness lines (TEST-ONLY witness keys
made here). The page names witness W1 (witnesses.json next to verify.js, as the publisher
writes it); the CLI gets ``--witness W1``. Known answers (docs/witness.md): W1 before the
beacon passes; W1 after the beacon, only an untrusted key W2, or W1's line with a broken
signature fail; a page naming no witness says "not checked", as the CLI does without
``--witness``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from lottery.cli import main
from lottery.core.cosignature import Cosigner, cosign
from lottery.core.note import Note, NoteSignature, parse_note
from publisher.build import witness_config
from tests import lifecycle as lc
from tests.browser.chromium import serve_static
from tests.browser.verifier import press_once, verifier_stub
from tests.forge import forge, write_forged_export

pytestmark = pytest.mark.browser

VERIFY_JS = Path(__file__).resolve().parents[2] / "publisher" / "assets" / "verify.js"
TASK = "T2026-001"
BEACON = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 Asia/Shanghai
W1 = Cosigner.generate("jiwei.example/w1")  # TEST-ONLY
W2 = Cosigner.generate("paper.example/w2")  # TEST-ONLY, not trusted by the page or the CLI


def _early(note: bytes) -> bytes:
    return cosign(note, W1, int((BEACON - timedelta(minutes=5)).timestamp()))


def _late(note: bytes) -> bytes:
    return cosign(note, W1, int((BEACON + timedelta(minutes=5)).timestamp()))


def _untrusted(note: bytes) -> bytes:
    return cosign(note, W2, int((BEACON - timedelta(minutes=5)).timestamp()))


def _broken(note: bytes) -> bytes:
    parsed = parse_note(_early(note))
    office, line = parsed.signatures
    bad = NoteSignature(
        line.name, line.key_id, line.signature[:-1] + bytes([line.signature[-1] ^ 1])
    )
    return Note(parsed.text, (office, bad)).to_bytes()


def _two(note: bytes, first: bytes) -> dict[int, bytes]:
    """The 1-entry checkpoint cosigned too late, the whole log's in time: the latter counts."""
    return {1: _late(first), int(note.split(b"\n")[1]): _early(note)}


# case -> (the cosigned checkpoint(s), the state of announcement.witnessed, words of its detail)
CASES = {
    "before the beacon": (_early, "pass", "jiwei.example/w1 于 2026-03-01 23:55:00（北京时间）"),
    "two checkpoints, the later in time": (_two, "pass", "在含 3 条记录的检查点中"),
    "after the beacon": (_late, "fail", "副署太晚：jiwei.example/w1 于 2026-03-02 00:05:00"),
    "an untrusted key only": (_untrusted, "fail", "未副署：jiwei.example/w1"),
    "a broken signature": (_broken, "fail", "副署验证失败"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("witnessed")
    honest = forge(task=TASK)
    for trust, name in (("named", "w"), ("none", "n")):
        assets = root / name / "assets"
        assets.mkdir(parents=True)
        shutil.copy(VERIFY_JS, assets / "verify.js")
        if trust == "named":
            config = witness_config([W1.verifier().vkey], None)
            assert config is not None
            (assets / "witnesses.json").write_text(config, encoding="utf-8")
        for k, (make, _, _) in enumerate(CASES.values()):
            if trust == "none" and k:
                break
            case = root / name / f"c{k}"
            export = write_forged_export(case / "export", honest.notes, honest.blobs)
            note = (export / "checkpoint").read_bytes()
            if make is _two:
                first = write_forged_export(case / "first", honest.notes[:1], honest.blobs)
                cosigned = _two(note, (first / "checkpoint").read_bytes())
            else:
                cosigned = {int(note.split(b"\n")[1]): make(note)}
            (export / "cosigned").mkdir()
            listing = "".join(f"{size}\n" for size in sorted(cosigned))
            (export / "cosigned" / "list").write_text(listing, encoding="ascii")
            for size, cosigned_note in cosigned.items():
                (export / "cosigned" / str(size)).write_bytes(cosigned_note)
            verifier_stub(case, TASK)
    with serve_static(root) as url:
        yield url, root


def _cli(
    export: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *witnesses: str,
) -> tuple[int, dict]:
    """``lottery verify EXPORT --key OFFICE --json [--witness W ...]``: exit code and JSON."""
    monkeypatch.setenv("LOTTERY_LOG_ORIGIN", lc.LOG)
    monkeypatch.delenv("LOTTERY_DATABASE_URL", raising=False)
    capsys.readouterr()
    args = ["verify", str(export), "--key", lc.office_signer().vkey, "--json"]
    for w in witnesses:
        args += ["--witness", w]
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(capsys.readouterr().out)


def _witnessed(body: dict) -> bool:
    """The CLI established announcement.witnessed for the task."""
    return any(c["check"] == "announcement.witnessed" for c in body["tasks"][TASK]["checks"])


def _press(browser: Browser, url: str) -> dict[str, tuple[str, str]]:
    return press_once(browser, url).details


@pytest.mark.parametrize("case", list(CASES))
def test_witnessed_agrees_with_the_cli(
    browser: Browser,
    site: tuple[str, Path],
    case: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, root = site
    k = list(CASES).index(case)
    _, state, words = CASES[case]
    checks = _press(browser, f"{url}w/c{k}/")
    got, detail = checks["announcement.witnessed"]
    assert (got, words in detail) == (state, True), detail
    # Every other check of the honest task passes: only the witness check differs.
    assert {n for n, (s, _) in checks.items() if s == "fail"} == (
        {"announcement.witnessed"} if state == "fail" else set()
    )

    code, body = _cli(root / "w" / f"c{k}" / "export", capsys, monkeypatch, W1.verifier().vkey)
    assert (code == 0, _witnessed(body)) == (state == "pass", state == "pass")
    if state == "fail":
        assert "announcement.witnessed" in {f["check"] for f in body["failures"]}


def test_no_witness_named_is_not_checked(
    browser: Browser,
    site: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, root = site
    checks = _press(browser, f"{url}n/c0/")
    state, detail = checks["announcement.witnessed"]
    assert state == "skip" and "未核对见证方副署" in detail
    assert {n for n, (s, _) in checks.items() if s == "fail"} == set()
    # The CLI without --witness: the task passes and the witness check is not among its checks.
    code, body = _cli(root / "n" / "c0" / "export", capsys, monkeypatch)
    assert (code, _witnessed(body)) == (0, False)
