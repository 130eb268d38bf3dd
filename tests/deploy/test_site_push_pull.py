"""deploy/site-push.sh and deploy/site-pull.sh: each new site version reaches the public host.

Run with Debian's rsync between two temporary folders standing for the intranet server and the
public host. No SSH: the scripts' remote-shell settings name small stand-ins that do what the
host's (or the server's) ``authorized_keys`` forced commands do — run rsync's server in the
incoming folder (``rrsync -wo``) or in the site (``rrsync -ro``), or run the swap on
``incoming/next`` whatever was asked. The swap is the real deploy/site-swap.sh, with the
single-file verifier and the office keys the host keeps (docs/deploy.md, §3).
"""

from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PUSH = ROOT / "deploy" / "site-push.sh"
PULL = ROOT / "deploy" / "site-pull.sh"
SWAP = ROOT / "deploy" / "site-swap.sh"

pytestmark = pytest.mark.rsync


# ssh's arguments up to the command: options (rsync passes `-l USER` for USER@HOST), the host.
SKIP_TO_COMMAND = 'while [ "${1#-}" != "$1" ]; do [ "$1" = -l ] && shift; shift; done\nshift\n'


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\nset -eu\n" + body, encoding="utf-8")
    path.chmod(0o755)
    return str(path)


class World:
    """The intranet server (the service's site link and its builds) and the public host (its
    incoming folder, the served site, the verifier and keys it keeps)."""

    def __init__(self, tmp: Path, demo_site: Path) -> None:
        self.demo_site = demo_site
        self.intranet = tmp / "intranet"
        self.site = self.intranet / "site"  # the service's link (docs/site-publishing.md)
        self.builds = self.intranet / "site.builds"
        self.builds.mkdir(parents=True)
        host = tmp / "host"
        self.incoming = host / "incoming"
        self.incoming.mkdir(parents=True)
        self.served = host / "srv" / "site"
        self.served.parent.mkdir(parents=True)
        shutil.copy(demo_site / "verify" / "lottery-verify.pyz", host / "verifier.pyz")
        shutil.copy(demo_site / "export" / "keys" / "office.vkey", host / "office.vkey")
        self.calls = tmp / "calls.log"  # one line per remote command run
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        q = shlex.quote
        self.host_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LOTTERY_")},
            "LOTTERY_SITE": str(self.served),
            "LOTTERY_SITE_KEYS": str(host / "office.vkey"),
            "LOTTERY_VERIFIER": str(host / "verifier.pyz"),
            "PYTHON": sys.executable,
        }
        swap_env = " ".join(
            f"{k}={q(self.host_env[k])}"
            for k in ("LOTTERY_SITE", "LOTTERY_SITE_KEYS", "LOTTERY_VERIFIER", "PYTHON")
        )
        # `ssh -i push HOST CMD`: restrict,command="rrsync -wo INCOMING".
        self.push_rsh = _script(
            bin_dir / "ssh-push",
            f'echo "push $*" >>{q(str(self.calls))}\n{SKIP_TO_COMMAND}'
            f'cd {q(str(self.incoming))}\nexec sh -c "$*"\n',
        )
        # `ssh -i swap HOST swap`: restrict,command="lottery-site-swap INCOMING/next".
        self.swap_rsh = _script(
            bin_dir / "ssh-swap",
            f'echo "swap $*" >>{q(str(self.calls))}\n'
            f"exec env {swap_env} sh {q(str(SWAP))} {q(str(self.incoming / 'next'))}\n",
        )
        # `ssh -i pull SERVER CMD`: restrict,command="rrsync -ro /srv/lottery/site" (here the
        # source is named `site/` from the intranet folder instead of `/`).
        self.pull_rsh = _script(
            bin_dir / "ssh-pull",
            f'echo "pull $*" >>{q(str(self.calls))}\n{SKIP_TO_COMMAND}'
            f'cd {q(str(self.intranet))}\nexec sh -c "$*"\n',
        )
        # A transfer that breaks: rsync copies only the small files, then fails as a dropped
        # connection would.
        self.broken_rsync = _script(
            bin_dir / "rsync-broken", 'rsync --max-size=2k "$@" || true\nexit 12\n'
        )
        # A transfer that completes but reports a failure (the connection dropped at the end).
        self.late_failing_rsync = _script(bin_dir / "rsync-late", 'rsync "$@"\nexit 12\n')
        self.serial = 0

    def publish(self, marker: str | None = None) -> str:
        """The service builds a new version (a copy of the demo site; ``marker`` added to its
        home page) and swaps its site link to it. The build's name."""
        self.serial += 1
        name = f"{self.serial:06d}-build"
        shutil.copytree(self.demo_site, self.builds / name)
        if marker is not None:
            index = self.builds / name / "index.html"
            index.write_text(index.read_text("utf-8") + f"\n<!-- {marker} -->\n", "utf-8")
        link = self.intranet / "site.new"
        link.symlink_to(f"site.builds/{name}")
        link.replace(self.site)
        return name

    def remote_calls(self) -> list[str]:
        if not self.calls.exists():
            return []
        return [line.split()[0] for line in self.calls.read_text("utf-8").splitlines()]

    def home(self) -> str:
        return (self.served / "index.html").read_text("utf-8")


@pytest.fixture
def world(tmp_path: Path, demo_city: Path) -> World:
    return World(tmp_path, demo_city / "site")


def _run(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(script)], env=env, capture_output=True, text=True, check=False, timeout=300
    )


def _push_env(world: World, **changes: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOTTERY_")},
        "LOTTERY_PUSH_HOST": "sitepub@public.test",
        "LOTTERY_SITE": str(world.site),
        "LOTTERY_PUSH_STATE": str(world.intranet / "pushed"),
        "LOTTERY_PUSH_RSH": world.push_rsh,
        "LOTTERY_SWAP_RSH": world.swap_rsh,
        **changes,
    }


def _pull_env(world: World, **changes: str) -> dict[str, str]:
    return {
        **world.host_env,
        "LOTTERY_PULL_FROM": "sitepush@intranet.test:site/",
        "LOTTERY_PULL_RSH": world.pull_rsh,
        "LOTTERY_INCOMING": str(world.incoming / "next"),
        "LOTTERY_SITE_SWAP": str(SWAP),
        **changes,
    }


def test_push_serves_each_new_version_once_and_a_broken_transfer_changes_nothing(
    world: World,
) -> None:
    first = world.publish()
    done = _run(PUSH, _push_env(world))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"已推送：{first}" in done.stdout and "已上线" in done.stdout
    assert world.served.is_symlink()
    served = world.served.resolve()
    assert world.home() == (world.demo_site / "index.html").read_text("utf-8")
    assert world.remote_calls() == ["push", "swap"]

    # Nothing new: no transfer, no swap, nothing printed.
    again = _run(PUSH, _push_env(world))
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert world.remote_calls() == ["push", "swap"]
    assert world.served.resolve() == served

    # A new version whose transfer breaks half-way: not swapped, the old one stays served and
    # the next run pushes it again.
    second = world.publish("version 2")
    broken = _run(PUSH, _push_env(world, RSYNC=world.broken_rsync))
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "传送到 sitepub@public.test 失败" in broken.stderr
    assert world.remote_calls() == ["push", "swap", "push"]
    assert world.served.resolve() == served and "version 2" not in world.home()
    assert (world.intranet / "pushed").read_text().strip().endswith(first)

    done = _run(PUSH, _push_env(world))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"已推送：{second}" in done.stdout
    assert world.served.resolve() != served and "<!-- version 2 -->" in world.home()
    # The host keeps the version served before (one round), as site-swap.sh does.
    assert sorted(p.name for p in world.served.parent.joinpath("site.builds").iterdir()) == sorted(
        [".lock", served.name, world.served.resolve().name]
    )


def test_push_of_a_refused_version_is_not_repeated(world: World) -> None:
    world.publish()
    assert _run(PUSH, _push_env(world)).returncode == 0
    served = world.served.resolve()
    bad = world.publish()
    entries = world.builds / bad / "export" / "tile" / "entries"
    bundle = min(p for p in entries.rglob("*") if p.is_file())
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 1
    bundle.write_bytes(bytes(data))
    refused = _run(PUSH, _push_env(world))
    assert refused.returncode == 1
    assert "新版本未通过核验" in refused.stderr and "拒绝上线这个版本" in refused.stderr
    assert world.served.resolve() == served
    calls = world.remote_calls()
    # The same build is not sent (nor verified) again every minute; the next build is.
    again = _run(PUSH, _push_env(world))
    assert (again.returncode, again.stderr) == (0, "") and world.remote_calls() == calls


def test_pull_serves_a_new_version_and_retries_after_a_failed_transfer(world: World) -> None:
    world.publish()
    done = _run(PULL, _pull_env(world))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已上线" in done.stdout
    served = world.served.resolve()
    assert world.home() == (world.demo_site / "index.html").read_text("utf-8")

    # Nothing new: rsync finds nothing to copy, and no swap (no verification) runs.
    again = _run(PULL, _pull_env(world))
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert world.served.resolve() == served
    assert world.remote_calls() == ["pull", "pull"]

    # A new version; the pull copies it all but reports a failure: nothing is swapped...
    world.publish("version 2")
    failed = _run(PULL, _pull_env(world, RSYNC=world.late_failing_rsync))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "拉取失败" in failed.stderr
    assert world.served.resolve() == served and "version 2" not in world.home()
    assert "<!-- version 2 -->" in (world.incoming / "next" / "index.html").read_text("utf-8")
    # ...and the next pull, with nothing more to copy, still verifies and swaps it in.
    done = _run(PULL, _pull_env(world))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已上线" in done.stdout and "<!-- version 2 -->" in world.home()
    assert not (world.incoming / "next.pending").exists()
    quiet = _run(PULL, _pull_env(world))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


@contextmanager
def _swap_running(world: World) -> Iterator[None]:
    """Another site-swap.sh holds the host's swap lock meanwhile."""
    lock = world.served.parent / "site.builds" / ".lock"
    lock.parent.mkdir(exist_ok=True)
    with lock.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield
        fcntl.flock(f, fcntl.LOCK_UN)


def test_a_busy_swap_is_tried_again_by_push_and_pull(world: World) -> None:
    """A swap that did not check the version (another one running: exit 3) is not a refusal:
    push does not record the build as pushed, pull keeps its pending mark; both try again
    (review finding 9)."""
    first = world.publish()
    with _swap_running(world):
        busy = _run(PUSH, _push_env(world))
        assert busy.returncode == 1, busy.stdout + busy.stderr
        assert "另一次上线正在进行" in busy.stderr and "下次定时运行时重试" in busy.stderr
        assert not (world.intranet / "pushed").exists() and not world.served.exists()
    done = _run(PUSH, _push_env(world))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"已推送：{first}" in done.stdout and world.served.is_symlink()
    served = world.served.resolve()

    world.publish("version 2")
    with _swap_running(world):
        busy = _run(PULL, _pull_env(world))
        assert busy.returncode == 1, busy.stdout + busy.stderr
        assert "另一次上线正在进行" in busy.stderr and "下次定时运行时重试" in busy.stderr
        assert world.served.resolve() == served
        assert (world.incoming / "next.pending").exists()
    # Nothing more to copy, but the version was never checked: this pull swaps it in.
    done = _run(PULL, _pull_env(world))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "<!-- version 2 -->" in world.home()
    assert not (world.incoming / "next.pending").exists()


@pytest.mark.parametrize("script", [PUSH, PULL])
def test_wrong_use(script: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTTERY_")}
    wrong = _run(script, env)
    assert wrong.returncode == 2 and "用法" in wrong.stderr
