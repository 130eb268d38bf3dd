"""``lottery signer init`` and ``lottery signer serve`` as the signer's systemd unit runs them
(deploy/lottery-signer.service): a separate process, a socket of mode 0660, a clean stop on
SIGTERM, and a one-line refusal of a directory without the key."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lottery.service.office_signer import SocketSigner

LOG = "test.example/lottery"


def _lottery(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lottery", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_the_signer_process_serves_and_stops(tmp_path: Path) -> None:
    signer = tmp_path / "signer"
    made = _lottery("signer", "init", "--data-dir", str(signer), "--origin", LOG)
    assert made.returncode == 0, made.stderr
    vkey = (signer / "keys" / "office.pub").read_text().strip()
    assert vkey in made.stdout
    assert stat.S_IMODE((signer / "keys" / "office.key").stat().st_mode) == 0o600
    again = _lottery("signer", "init", "--data-dir", str(signer), "--origin", LOG)
    assert again.returncode != 0 and "refusing to overwrite" in again.stderr

    sock = tmp_path / "s.sock"
    cmd = [sys.executable, "-m", "lottery", "signer", "serve"]
    proc = subprocess.Popen(
        [*cmd, "--data-dir", str(signer), "--socket", str(sock)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not sock.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert sock.exists(), proc.stderr.read() if proc.stderr else ""
        assert stat.S_IMODE(sock.stat().st_mode) == 0o660
        admin = signer / "state" / "admin.sock"
        assert stat.S_IMODE(admin.stat().st_mode) == 0o600
        client = SocketSigner(sock)
        assert client.vkey == vkey and client.probe()
        # A new key's first checkpoint starts the log (state/new-log from `signer init`).
        assert (signer / "state" / "new-log").exists()
        # reset-state refuses while the signer runs (finding 6).
        floor = tmp_path / "floor"
        floor.write_bytes(b"x")
        reset = _lottery(
            "signer", "reset-state", "--data-dir", str(signer), "--to", str(floor),
            "--reason", "x",
        )  # fmt: skip
        assert reset.returncode != 0 and "is running" in reset.stderr
        assert len(reset.stderr.strip().splitlines()) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert not sock.exists()
    assert "PRIVATE" not in err and "fingerprint" in err


def test_a_directory_without_the_key_is_refused_in_one_line(tmp_path: Path) -> None:
    done = _lottery(
        "signer", "serve", "--data-dir", str(tmp_path), "--socket", str(tmp_path / "s.sock")
    )
    assert done.returncode != 0
    assert "keys/office.key" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    reset = _lottery(
        "signer", "reset-state", "--data-dir", str(tmp_path), "--to", str(tmp_path / "none"),
        "--reason", "x",
    )  # fmt: skip
    assert reset.returncode != 0 and "cannot read" in reset.stderr
    assert "Traceback" not in reset.stderr


def test_signer_errors_name_the_path_or_the_setting(tmp_path: Path) -> None:
    """Finding 13: one line naming what is wrong, never a stack trace."""
    signer = tmp_path / "signer"
    made = _lottery("signer", "init", "--data-dir", str(signer), "--origin", LOG)
    assert made.returncode == 0, made.stderr
    missing = tmp_path / "missing" / "dir" / "s.sock"
    done = _lottery("signer", "serve", "--data-dir", str(signer), "--socket", str(missing))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert str(missing) in done.stderr and len(done.stderr.strip().splitlines()) == 1
    bad = _lottery(
        "signer", "init", "--data-dir", str(tmp_path / "other"),
        env={"LOTTERY_SIGNER_TIMEOUT": "not a number"},
    )  # fmt: skip
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "LOTTERY_SIGNER_TIMEOUT" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_init_as_another_user_than_the_directorys_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as root (or anyone but the directory's owner), `signer init` would leave keys/ and
    state/ that the signer's user cannot read: refused in one line naming how to run it,
    before anything is made."""
    from lottery.cli import main

    signer = tmp_path / "signer"
    signer.mkdir(mode=0o700)
    owner = signer.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)  # e.g. root beside lottery-signer
    with pytest.raises(SystemExit) as stop:
        main(["signer", "init", "--data-dir", str(signer), "--origin", LOG])
    assert stop.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert str(signer) in line and "sudo -u lottery-signer" in line
    assert list(signer.iterdir()) == []
    monkeypatch.setattr(os, "geteuid", lambda: owner)  # the owner: the key pair is made
    with pytest.raises(SystemExit) as stop:
        main(["signer", "init", "--data-dir", str(signer), "--origin", LOG])
    assert stop.value.code == 0 and (signer / "keys" / "office.key").is_file()
