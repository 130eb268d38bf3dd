"""Key files: exclusive creation, permissions, loading."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lottery.core.errors import InputError
from lottery.core.note import open_note, sign_note
from lottery.storage.keys import generate_keypair, load_signer, load_verifier

GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"


def test_generate_writes_both_files(tmp_path: Path) -> None:
    signer = generate_keypair(tmp_path, "office.example/lottery", "office")
    key, pub = tmp_path / "office.key", tmp_path / "office.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text() == signer.private_key_string() + "\n"
    assert pub.read_text() == signer.vkey + "\n"
    loaded = load_signer(key)
    assert loaded.vkey == signer.vkey
    verifier = load_verifier(pub)
    assert open_note(sign_note(b"hello\n", [loaded]), [verifier]).verified_by == (
        "office.example/lottery",
    )


def test_generate_creates_a_missing_directory(tmp_path: Path) -> None:
    generate_keypair(tmp_path / "new" / "keys", "n.example", "k")
    assert (tmp_path / "new" / "keys" / "k.key").is_file()


def test_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    generate_keypair(tmp_path, "a.example", "k")
    before = (tmp_path / "k.key").read_bytes()
    with pytest.raises(InputError, match="refusing to overwrite"):
        generate_keypair(tmp_path, "a.example", "k")
    assert (tmp_path / "k.key").read_bytes() == before


def test_generate_leaves_no_half_pair(tmp_path: Path) -> None:
    (tmp_path / "k.pub").write_text("something else\n")
    with pytest.raises(InputError, match=r"k\.pub already exists"):
        generate_keypair(tmp_path, "a.example", "k")
    assert not (tmp_path / "k.key").exists()
    (tmp_path / "j.key").write_text("x")
    with pytest.raises(InputError, match=r"j\.key already exists"):
        generate_keypair(tmp_path, "a.example", "j")
    assert not (tmp_path / "j.pub").exists()


def test_generate_does_not_follow_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    (tmp_path / "k.key").symlink_to(target)
    with pytest.raises(InputError):
        generate_keypair(tmp_path, "a.example", "k")
    assert not target.exists()


@pytest.mark.parametrize("stem", ["", ".", "..", "a/b"])
def test_generate_rejects_bad_stems(tmp_path: Path, stem: str) -> None:
    with pytest.raises(InputError, match="stem"):
        generate_keypair(tmp_path, "a.example", stem)


def test_generate_rejects_bad_names(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        generate_keypair(tmp_path, "bad name", "k")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o602])
def test_load_signer_refuses_loose_permissions(tmp_path: Path, mode: int) -> None:
    key = tmp_path / "loose.key"
    key.write_text(GO_SKEY + "\n")
    os.chmod(key, mode)
    with pytest.raises(InputError) as info:
        load_signer(key)
    assert str(key) in str(info.value)
    assert f"chmod 600 {key}" in str(info.value)
    os.chmod(key, 0o600)
    assert load_signer(key).vkey == GO_VKEY


def test_load_signer_accepts_go_key_files(tmp_path: Path) -> None:
    key = tmp_path / "go.key"
    key.write_text(GO_SKEY)  # Go tools write no trailing newline
    os.chmod(key, 0o400)
    assert load_signer(key).vkey == GO_VKEY


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_signer(tmp_path / "missing.key")
    bad = tmp_path / "bad.key"
    bad.write_text("PRIVATE+KEY+x+00000000+AAAA\n")
    os.chmod(bad, 0o600)
    with pytest.raises(InputError, match=str(bad)):
        load_signer(bad)
    pub = tmp_path / "bad.pub"
    pub.write_text(GO_VKEY.replace("c74f20a3", "c74f20a4") + "\n")
    with pytest.raises(InputError, match="does not match"):
        load_verifier(pub)
    with pytest.raises(InputError, match="does not exist"):
        load_verifier(tmp_path / "missing.pub")
    with pytest.raises(InputError, match="not a regular file"):
        load_verifier(tmp_path)


def test_load_signer_does_not_follow_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real.key"
    real.write_text(GO_SKEY)
    os.chmod(real, 0o600)
    link = tmp_path / "link.key"
    link.symlink_to(real)
    with pytest.raises(InputError, match="cannot open"):
        load_signer(link)


def test_loaded_key_error_never_shows_the_secret(tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    secret = GO_SKEY.rsplit("+", 1)[1]
    key.write_text(GO_SKEY.replace("c74f20a3", "00000000"))
    os.chmod(key, 0o600)
    with pytest.raises(InputError) as info:
        load_signer(key)
    assert secret not in str(info.value)
