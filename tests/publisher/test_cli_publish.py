"""``lottery publish``: builds a site from an export; bad input is one line and changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lottery.core.cosignature import Cosigner
from tests.publisher.factory import build_export
from tests.test_cli_service import run_main

LOTTERY = [sys.executable, "-m", "lottery"]


# A TEST-ONLY witness key (docs/witness.md): name, key id, base64(0x04 || public key).
WITNESS = Cosigner.from_seed("jiwei.example/w1", bytes(range(32))).verifier().vkey


def _publish(
    export: Path, out: Path, env: dict[str, str] | None = None, *args: str
) -> subprocess.CompletedProcess[str]:
    """``lottery publish`` in this process: the exit code and output a process gives
    (test_publish_refuses_a_tampered_export_in_one_line runs real ones)."""
    return run_main("publish", "--export", str(export), "--out", str(out), *args, **(env or {}))


def _publish_process(export: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LOTTERY, "publish", "--export", str(export), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_publish_builds_the_site(tmp_path: Path) -> None:
    built = build_export(tmp_path / "export", tasks=2, targets=400, pool=300, results=3)
    office = {"LOTTERY_OFFICE_NAME": "舞钢市人民防空办公室", "LOTTERY_OFFICE_PHONE": "0375-8123456"}
    result = _publish(built.export, tmp_path / "site", office, "--witness", WITNESS)
    assert result.returncode == 0, result.stderr
    assert "site built" in result.stdout
    # 关于本站 names the office the settings name (publisher/office.py).
    about = (tmp_path / "site" / "about" / "index.html").read_text("utf-8")
    assert "本站由舞钢市人民防空办公室主办" in about and "0375-8123456" in about
    assert (tmp_path / "site" / "tasks" / "T2026-0001" / "index.html").is_file()
    assert (tmp_path / "site" / "feed.xml").is_file()
    # The witness the in-browser verifier checks, next to verify.js (docs/browser-verifier.md).
    config = json.loads((tmp_path / "site" / "assets" / "lottery" / "witnesses.json").read_text())
    assert config == {"quorum": 1, "witnesses": [WITNESS]}
    assert (tmp_path / "site" / "targets" / "data" / "manifest.json").is_file()


def test_publish_refuses_a_tampered_export_in_one_line(tmp_path: Path) -> None:
    built = build_export(tmp_path / "export", tasks=1, targets=400, pool=300, results=0)
    bundle = next(p for p in (built.export / "tile" / "entries").rglob("*") if p.is_file())
    data = bytearray(bundle.read_bytes())
    data[60] ^= 1
    bundle.write_bytes(bytes(data))
    result = _publish_process(built.export, tmp_path / "site")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "does not verify" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()
    missing = _publish(tmp_path / "nowhere", tmp_path / "site")
    assert missing.returncode != 0 and "is not an export" in missing.stderr
    assert missing.stderr.count("\n") == 1


def test_publish_refuses_bad_witnesses_in_one_line(tmp_path: Path) -> None:
    """A witness key that is not one, or a quorum above the witnesses given: nothing built."""
    export = tmp_path / "export"  # never read: the witnesses are checked first
    note_key = WITNESS.split("+")[0] + "+00000000+AQ"
    for args, words in (
        (("--witness", note_key), "witness keys"),
        (("--witness", WITNESS, "--quorum", "2"), "quorum"),
        (("--quorum", "1"), "at least one witness"),
    ):
        result = _publish(export, tmp_path / "site", None, *args)
        assert result.returncode != 0 and words in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert not (tmp_path / "site").exists()


def test_publish_again_reuses_the_cached_site(tmp_path: Path) -> None:
    built = build_export(tmp_path / "export", tasks=2, targets=400, pool=300, results=3)
    site = tmp_path / "site"
    assert _publish(built.export, site).returncode == 0
    page = site / "tasks" / "T2026-0001" / "index.html"
    first = page.stat().st_ino
    assert (tmp_path / "site.cache" / "state.json").is_file()
    again = _publish(built.export, site)
    assert again.returncode == 0, again.stderr
    # Built beside and swapped in; the unchanged page is the last build's file, not rendered
    # again; nothing is left beside the site but its cache.
    assert page.stat().st_ino == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "site", "site.cache"]
