"""``make demo``'s witnesses (issue #19): the demo city's three witnesses as real ``lottery
witness serve`` processes, started from the files ``lottery demo`` wrote by the helper the
Makefile runs (lottery/demo/witness_servers.py), and a service given the ``LOTTERY_WITNESSES``
it prints: a task announced after the demo is cosigned by them, and ``lottery verify`` passes
its ``announcement.witnessed``. Their state starts empty: the pusher believes they cosigned the
demo's last checkpoint, is told 409 with size 0, and sends the whole tree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lottery.core.draw import TaskParams
from lottery.core.errors import InputError
from lottery.demo.city import demo_settings
from lottery.demo.recorded import numbers_beacon
from lottery.demo.synthetic import DEFAULT_RATIOS, make_city
from lottery.demo.witness_servers import (
    main,
    read_serve_file,
    service_env,
    witness_servers,
)
from lottery.demo.witnesses import MARGIN, QUORUM, WITNESSES
from lottery.service.lifecycle import Lifecycle
from lottery.service.risk_policy import current_version
from lottery.service.witness_push import push_once

LOTTERY = [sys.executable, "-m", "lottery"]
TASK = "T2026-900"


@pytest.fixture
def demo_copy(demo_city: Path, tmp_path: Path) -> Path:
    """The demo's private state, copied: this test announces a task in it."""
    out = tmp_path / "demo"
    shutil.copytree(demo_city / "data", out / "data")
    return out


def _announce(lc: Lifecycle, now: datetime) -> None:
    """A task a newcomer would announce in the console: the city's units, a beacon a month on."""
    later = (now + timedelta(days=30)).date()
    spec, _ = numbers_beacon(later.isoformat(), "演示", (408, (2, 7, 11, 19, 26, 30)))
    with lc.session() as session:
        version = current_version(session) or 1
    params = TaskParams(
        task=TASK,
        title="新人在控制台公告的抽查任务",
        org_units=tuple(make_city().unit_codes),
        window_start=(later + timedelta(days=1)).isoformat(),
        window_end=(later + timedelta(days=20)).isoformat(),
        ratios=DEFAULT_RATIOS,
        team_size=2,
        disclosure=f"{later + timedelta(days=40)}T00:00:00Z",
        beacon=spec,
        items=(("RF-004", version),),
    )
    lc.create_task(params, now, actor="demo:管理员")
    lc.announce(TASK, now, actor="demo:管理员")


def test_the_serve_file_names_the_policy_s_witnesses(demo_city: Path) -> None:
    serve = read_serve_file(demo_city)
    assert (serve.quorum, serve.margin) == (QUORUM, MARGIN)
    assert [(w.name, w.slug) for w in serve.witnesses] == [(n, s) for n, s, _ in WITNESSES]
    for w in serve.witnesses:
        pub = demo_city / "data" / "witnesses" / w.slug / "witness.pub"
        assert pub.read_text("ascii").strip() == w.vkey
    office = (demo_city / "export" / "keys" / "office.vkey").read_text("utf-8").split()
    assert list(serve.office_vkeys) == office
    assert "PRIVATE" not in (demo_city / "data" / "witnesses" / "serve.json").read_text("utf-8")


def test_a_task_announced_after_the_demo_is_witnessed(
    demo_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with witness_servers(demo_copy, 0) as running:
        assert all(r.process.poll() is None for r in running)
        assert all(r.url.startswith("http://127.0.0.1:") for r in running)
        for name, value in service_env(demo_copy, running).items():
            monkeypatch.setenv(name, value)
        settings = demo_settings(demo_copy)  # reads LOTTERY_WITNESSES as `lottery serve` does
        assert [w.name for w in settings.witnesses] == [n for n, _, _ in WITNESSES]
        assert settings.quorum == QUORUM
        lc = Lifecycle.open(settings)
        try:
            now = datetime.now(UTC)
            _announce(lc, now)
            done = push_once(lc, settings, now)
            export = tmp_path / "export"
            checkpoint = lc.export_to(export)
        finally:
            lc.engine.dispose()
        # Every witness, its state empty, cosigned the new checkpoint (after the 409 with 0).
        assert done == {name: f"cosigned {checkpoint.size}" for name, _, _ in WITNESSES}
        for _, slug, _ in WITNESSES:
            state = json.loads((demo_copy / "data" / "witnesses" / slug / "state.json").read_text())
            assert state["logs"]["rfb.demo.example/lottery"]["size"] == checkpoint.size
    assert all(r.process.poll() is not None for r in running)  # stopped on leaving
    verified = subprocess.run(
        [*LOTTERY, "verify", str(export), "--task", TASK, "--workers", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    line = next(x for x in verified.stdout.splitlines() if "announcement.witnessed" in x)
    assert line.startswith("ok") and f"[{TASK}]" in line and "by 3 of 3 witnesses" in line


def test_without_the_witness_servers_the_new_task_fails(demo_copy: Path, tmp_path: Path) -> None:
    """The same announcement with no witness running (the limitation this removes)."""
    lc = Lifecycle.open(demo_settings(demo_copy))
    try:
        _announce(lc, datetime.now(UTC))
        export = tmp_path / "export"
        lc.export_to(export)
    finally:
        lc.engine.dispose()
    verified = subprocess.run(
        [*LOTTERY, "verify", str(export), "--task", TASK, "--workers", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode != 0
    assert any(
        "announcement.witnessed" in x and x.startswith("FAIL") for x in verified.stdout.splitlines()
    ), verified.stdout


def test_the_helper_runs_the_service_with_the_witnesses_and_stops_them(
    demo_copy: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """What the Makefile runs: the witnesses listen, CMD sees LOTTERY_WITNESSES, all stop."""
    probe = (
        "import json, os, urllib.request;"
        "ws = json.loads(os.environ['LOTTERY_WITNESSES']);"
        "print(os.environ['LOTTERY_WITNESS_QUORUM'], [w['name'] for w in ws]);"
        "r = urllib.request.urlopen(ws[0]['url'] + '/add-checkpoint')"
    )
    code = main([str(demo_copy), "--port", "0", "--", sys.executable, "-c", probe])
    out = capfd.readouterr()
    assert code == 1  # the witness answered the probe's GET with 405 (it was listening)
    assert "HTTPError: HTTP Error 405" in out.err
    for name, _, _ in WITNESSES:
        assert f"witness {name}: http://127.0.0.1:" in out.out
    assert "2 ['市纪委监委', '市公证处', '青岚大学']" in out.out


def test_a_port_in_use_is_one_line(demo_copy: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with witness_servers(demo_copy, 0) as running:
        port = int(running[0].url.rsplit(":", 1)[1])
        code = main([str(demo_copy), "--port", str(port), "--", sys.executable, "-c", "1"])
    assert code == 1
    err = capfd.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: the demo witness 市纪委监委 did not start: ")
    with pytest.raises(InputError, match="lottery demo --out"):
        read_serve_file(demo_copy / "nothing")
