"""`lottery verify` and the command line in Chinese (issue #17): `--lang zh` or a Chinese
locale; English by default, the same exit codes either way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lottery.cli import main
from lottery.cli.words_zh import error_line, error_zh
from lottery.core.check_names import CheckName
from lottery.core.errors import InputError
from lottery.core.publication_refs import References
from lottery.export.write import write_export
from lottery.verifier import standalone
from lottery.verifier.check_words import CHECKS_ZH, REFERENCES_ZH, check_zh
from lottery.verifier.lang import resolve_lang
from tests.lifecycle import LOG, disclosed, office_signer

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    run = disclosed()
    signer = office_signer()
    out = tmp_path / "export"
    write_export(
        out, run.published.notes, run.published.blobs, signer, origin=LOG, public_keys=[signer.vkey]
    )
    return out


@pytest.fixture
def english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _LOCALE:
        monkeypatch.delenv(name, raising=False)


def _lottery(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


def test_every_check_has_a_chinese_sentence_the_command_line_can_print() -> None:
    assert {c.value for c in CheckName} <= set(CHECKS_ZH)
    kinds = set(References().counts) | {"calendar"}  # deadline_audit's `<kind>.references`
    assert kinds <= set(REFERENCES_ZH)
    assert all(_CJK.search(s) for s in [*CHECKS_ZH.values(), *REFERENCES_ZH.values()])
    assert check_zh("penalty.references") == REFERENCES_ZH["penalty"]
    assert check_zh("no.such") == "no.such"  # the bare name: what the test below catches


def test_the_language_comes_from_the_option_then_the_locale() -> None:
    assert resolve_lang(None, {}) == "en"
    assert resolve_lang(None, {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert resolve_lang(None, {"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}) == "en"  # LC_ALL first
    assert resolve_lang(None, {"LC_MESSAGES": "zh_TW", "LANG": "en_US"}) == "zh"
    assert resolve_lang("en", {"LC_ALL": "zh_CN"}) == "en"
    assert resolve_lang(" ZH ", {}) == "zh"
    with pytest.raises(InputError, match="--lang"):
        resolve_lang("fr", {})


@pytest.mark.usefixtures("english_locale")
def test_verify_speaks_english_by_default_and_chinese_when_asked(
    export: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = office_signer().vkey
    code, en, _ = _lottery(capsys, "verify", str(export), "--key", key, "--workers", "1")
    assert code == 0
    assert en.splitlines()[-1].startswith(f"VERIFIED: log {LOG}, ")
    assert "ok    [T2026-001] draw.rerun" in en and not _CJK.search(en)

    code, zh, _ = _lottery(capsys, "verify", str(export), "--key", key, "--lang", "zh")
    assert code == 0
    lines = zh.splitlines()
    assert lines[-1].startswith(f"核验通过：日志 {LOG}，共 ")
    assert f"通过  [T2026-001] {CHECKS_ZH['commit.reveal']}（commit.reveal）" in lines
    assert "通过  [T2026-001] 状态：已公开" in lines
    for line in lines[:-1]:  # every check said in Chinese, its name in brackets
        if line.startswith("通过  ") and "[期限]" not in line and "状态：" not in line:
            assert re.search(r"[\u4e00-\u9fff].*（[a-z_]+\.[a-z_]+）$", line), line

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # the locale alone
    code, by_locale, err = _lottery(capsys, "verify", str(export), "--key", key)
    assert (code, by_locale) == (0, zh)
    assert "见证方" in err  # the note about witnesses, in Chinese
    code, forced, _ = _lottery(capsys, "verify", str(export), "--key", key, "--lang", "en")
    assert (code, forced) == (0, en)


@pytest.mark.usefixtures("english_locale")
def test_a_failure_has_the_same_exit_code_in_both_languages(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = office_signer().vkey
    for blob in (export / "blobs").iterdir():
        blob.write_bytes(blob.read_bytes() + b"\n")
    code_en, en, _ = _lottery(capsys, "verify", str(export), "--key", key)
    code_zh, zh, _ = _lottery(capsys, "--lang", "zh", "verify", str(export), "--key", key)
    assert code_en == code_zh == 1
    assert en.splitlines()[-1].startswith("FAILED: ")
    assert zh.splitlines()[-1].startswith(f"核验未通过：日志 {LOG} 中有 ")
    assert re.search(r"^未通过 \[T2026-001\] .+（blob\.\w+）：", zh, re.M)


@pytest.mark.usefixtures("english_locale")
def test_one_line_errors_in_both_languages_with_the_same_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nothing")
    assert _lottery(capsys, "verify", missing)[::2] == (
        2,
        f"error: no export found at {missing}: expected a 'checkpoint' file there\n",
    )
    code, _, err = _lottery(capsys, "verify", missing, "--lang", "zh")
    assert (code, err) == (
        2,
        f"错误：在 {missing} 没有找到公开数据：那里或其 export 目录下应有 checkpoint 文件\n",
    )
    code, _, err = _lottery(capsys, "--lang", "zh", "verify", "--no-such")
    assert code == 2  # in-process, the program's name is pytest's: only the frame is compared
    assert re.fullmatch(r"错误：没有选项 --no-such（参见：.+ verify --help）\n", err)
    code, _, err = _lottery(capsys, "--lang", "zh", "task", "list", "--data-dir", missing)
    assert code == 2 and err.startswith(f"错误：{missing} 不是已初始化的数据目录")
    code, _, err = _lottery(capsys, "verify", missing, "--lang", "fr")
    assert (code, err) == (2, "error: --lang must be en or zh, got 'fr'\n")


def test_uncommon_errors_keep_their_words_after_the_chinese_frame() -> None:
    assert error_zh("something rare happened") == "something rare happened"
    assert error_line("something rare happened", "zh") == "错误：something rare happened"
    assert error_line("Missing argument 'LOCATION'.", "zh", "lottery verify") == (
        "错误：缺少参数 LOCATION（参见：lottery verify --help）"
    )
    assert error_line("x", "en", "lottery verify") == "error: x (see: lottery verify --help)"


@pytest.mark.usefixtures("english_locale")
def test_the_standalone_entry_point_has_the_same_words_and_codes(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = office_signer().vkey
    assert standalone.main([str(export), "--key", key, "--lang", "zh", "--workers", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("核验通过：")
    assert standalone.main([str(export), "--key", key, "--json"]) == 0
    assert capsys.readouterr().out.startswith('{"calendar"')
    assert standalone.main([str(export / "nothing"), "--lang", "zh"]) == 2
    assert capsys.readouterr().err.startswith("错误：在 ")
    assert standalone.main([str(export), "--workers", "0"]) == 2
    assert standalone.main(["--lang", "fr", str(export)]) == 2
    assert standalone.main([]) == 2  # argparse's usage line
    capsys.readouterr()
    for blob in (export / "blobs").iterdir():
        blob.write_bytes(blob.read_bytes() + b"\n")
    assert standalone.main([str(export), "--key", key]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("FAILED: ")


@pytest.mark.usefixtures("english_locale")
def test_the_standalone_verifier_reads_a_url_with_the_standard_library(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(export))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        key = office_signer().vkey
        assert standalone.main([url, "--key", key, "--workers", "1"]) == 0
        assert capsys.readouterr().out.splitlines()[-1].startswith("VERIFIED: ")
        assert standalone.main([f"{url}/nowhere", "--lang", "zh"]) == 2
        assert capsys.readouterr().err.startswith(f"错误：在 {url}/nowhere 没有找到公开数据")
        # A URL that cannot be read (a closed port): exit 3, tests/test_verify_exit_status.py.
    finally:
        server.shutdown()
        server.server_close()
