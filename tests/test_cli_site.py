"""``lottery site status`` and ``lottery site publish`` (docs/site-publishing.md)."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli_service import _task_file, data, run  # noqa: F401 - the data fixture


def test_site_publish_builds_and_status_shows_it(data: Path, tmp_path: Path) -> None:  # noqa: F811
    missing = run("site", "status", data=data, ok=False)
    assert missing.returncode == 2
    assert "LOTTERY_SITE_DIR" in missing.stderr and len(missing.stderr.splitlines()) == 1

    run("task", "create", str(_task_file(tmp_path)), data=data)
    run("task", "announce", "T-cli", data=data)
    site = tmp_path / "www" / "site"
    before = run("site", "status", data=data, LOTTERY_SITE_DIR=str(site)).stdout
    # The item list, the three registry snapshots published with the announcement, the task.
    assert "log: 5 records; published: 0 (behind)" in before

    done = run("site", "publish", "--actor", "ops", "--site-dir", str(site), data=data)
    assert "#1 by ops" in done.stdout and "checkpoint 5" in done.stdout
    assert site.is_symlink() and (site / "tasks" / "T-cli" / "index.html").is_file()
    after = run("site", "status", data=data, LOTTERY_SITE_DIR=str(site)).stdout
    assert "published: 5 (up to date)" in after
    assert "last: #1 by ops" in after
