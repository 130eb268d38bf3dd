"""The single-file verifier the site ships (issue #17): reproducible, offered with its SHA-256
and size, and it runs on the system's plain Python, without the project's packages."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from lottery.core.note import NoteVerifier
from lottery.verifier.bundle import FILE_NAME, build_pyz
from tests.publisher.conftest import BuiltSite

SYSTEM_PYTHON = Path("/usr/bin/python3")  # Debian's: no PyNaCl, py_ecc or rfc8785 installed


def _run(pyz: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    if not SYSTEM_PYTHON.is_file():  # pragma: no cover - CI has Debian's python3
        pytest.skip("no /usr/bin/python3")
    return subprocess.run(
        [str(SYSTEM_PYTHON), "-I", str(pyz), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def test_the_file_is_reproducible_and_holds_no_build_time() -> None:
    first, second = build_pyz(), build_pyz()
    assert first == second
    assert first.startswith(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(__import__("io").BytesIO(first)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "__main__.py" in names and "lottery/core/ed25519.py" in names
    assert not any(n.endswith((".pyc", ".so")) or n.startswith("nacl/") for n in names)
    assert "lottery/export/write.py" not in names  # the office's side is not shipped


def test_the_verify_page_offers_the_file_with_its_hash_size_and_the_key_fingerprint(
    built_site: BuiltSite,
) -> None:
    pyz = built_site.site / "verify" / FILE_NAME
    data = pyz.read_bytes()
    assert data == build_pyz()
    text = (built_site.site / "verify" / "index.html").read_text("utf-8")
    assert hashlib.sha256(data).hexdigest() in text
    assert f"{len(data):,} 字节" in text
    assert f'href="{FILE_NAME}"' in text
    vkey = (built_site.built.export / "keys" / "office.vkey").read_text("utf-8").split()[0]
    key = NoteVerifier.from_vkey(vkey)
    digest = hashlib.sha256(key.name.encode() + b"\n\x01" + key.public_key).hexdigest()
    assert key.fingerprint.replace(" ", "") == digest  # spec §2.2: the full key hash
    assert key.fingerprint in text
    assert "其他渠道" in text


def test_the_system_python_verifies_the_site_and_refuses_a_tampered_copy(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    pyz = built_site.site / "verify" / FILE_NAME
    vkey = (built_site.built.export / "keys" / "office.vkey").read_text("utf-8").split()[0]
    ok = _run(pyz, str(built_site.site), "--lang", "zh", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1].startswith("核验通过：日志 ")
    assert "公钥取自被核验的数据本身" in ok.stderr  # no --key: the warning, in Chinese

    copy = tmp_path / "export"
    shutil.copytree(built_site.built.export, copy)
    blob = sorted((copy / "blobs").iterdir())[0]
    blob.write_bytes(blob.read_bytes() + b" ")
    bad = _run(pyz, str(copy), "--key", vkey, cwd=tmp_path)
    assert bad.returncode == 1
    assert "FAIL  [" in bad.stdout
    assert bad.stdout.splitlines()[-1].startswith("FAILED: ")
    missing = _run(pyz, str(tmp_path / "nothing"), "--lang", "zh", cwd=tmp_path)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr.startswith("错误：") and len(missing.stderr.splitlines()) == 1
