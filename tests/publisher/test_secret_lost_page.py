"""The site of a task cancelled with its secret lost (docs/spec.md §7 "Cancelled, secret
lost"): the build's audit passes, the task list and the task page say 已取消（秘密值遗失，
抽取结果无法公开核验）, the page explains what cannot be checked and shows no outcome."""

from __future__ import annotations

import re
from pathlib import Path

from publisher.build import build_site
from tests.secret_lost_site import TASK, write_case


def _text(site: Path, path: str) -> str:
    html = (site / path / "index.html").read_text("utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    return re.sub(r"<[^>]+>", "", article)


def test_the_site_marks_a_secret_lost_cancellation(tmp_path: Path) -> None:
    export = write_case(tmp_path / "export", "lost-after-draw")
    build_site(export, tmp_path / "site", work=tmp_path / "work")
    status = "已取消（秘密值遗失，抽取结果无法公开核验）"
    page = _text(tmp_path / "site", f"tasks/{TASK}")
    assert f"状态： {status}" in page or f"状态：{status}" in page
    assert "请注意：本任务的抽取无法公开核验" in page and "掩盖" in page
    assert "因秘密值遗失未能公开，也无法核验" in page
    assert "被取消的抽取结果" not in page  # nothing re-drawn, nothing shown as drawn
    assert "结果必须一致" not in page
    assert status in _text(tmp_path / "site", "tasks")
