"""What the site says about a task comes from the verification, and an export with an item-list
version published twice is refused (two of the breakages a reviewer made went unnoticed)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lottery.core.records import make_record
from lottery.export.write import write_export
from publisher.model import PublishError, load_model
from tests.lifecycle import LOG, office_signer
from tests.publisher.conftest import BuiltSite

# The factory's planned states and what the verification must find, written out.
EXPECTED_STATUS = {
    "disclosed": "disclosed",
    "drawn": "drawn",
    "cancelled": "cancelled",
    "cancelled-early": "cancelled",
    "announced": "announced",
}
# Words the task pages show for each status (docs/site.md).
STATUS_WORDS = {
    "disclosed": "已公开",
    "drawn": "已抽取",
    "cancelled": "已取消",
    "announced": "已公告",
}


def test_each_task_status_is_the_verifications(built_site: BuiltSite) -> None:
    model = load_model(built_site.built.export)
    states = built_site.built.states
    assert set(EXPECTED_STATUS) <= set(states.values())  # every kind of task is there
    for task, planned in states.items():
        view = model.tasks[task]
        assert view.verification is not None
        assert view.status == view.verification.status == EXPECTED_STATUS[planned], task


def test_each_task_page_shows_its_status(built_site: BuiltSite) -> None:
    for task, planned in built_site.built.states.items():
        page = (built_site.site / "tasks" / task / "index.html").read_text(encoding="utf-8")
        text = re.sub(r"<[^>]+>", " ", page)
        want = STATUS_WORDS[EXPECTED_STATUS[planned]]
        others = [w for s, w in STATUS_WORDS.items() if s != EXPECTED_STATUS[planned]]
        assert want in text, (task, planned)
        # The status line names one status only (other words may appear in the timeline).
        status_line = next(line for line in text.splitlines() if want in line)
        assert not any(w in status_line for w in others), (task, status_line)


def _item_list(version: int, at: datetime) -> bytes:
    item = {
        "code": "RF-01",
        "name": "人防工程平时使用管理",
        "basis": "《中华人民共和国人民防空法》第二十二条",
        "subject": "市人防办",
        "item": "人防工程平时使用管理",
        "content": "平时使用情况",
        "ratio": "3%",
        "frequency": "每年不超过 2 次",
        "method": "实地检查",
        "requirements": "",
        "key": True,
    }
    fields = {"version": version, "effective": "2026-01-01", "items": [item]}
    return make_record("item-list", LOG, at, fields, [office_signer()])


def test_an_item_list_version_published_twice_is_refused(tmp_path: Path) -> None:
    signer = office_signer()
    entries = [
        _item_list(1, datetime(2026, 1, 1, tzinfo=UTC)),
        _item_list(1, datetime(2026, 1, 2, tzinfo=UTC)),
    ]
    write_export(tmp_path, entries, {}, signer, origin=LOG, public_keys=[signer.vkey])
    with pytest.raises(PublishError, match="item list version 1 is published twice"):
        load_model(tmp_path)


def test_distinct_item_list_versions_are_kept(tmp_path: Path) -> None:
    signer = office_signer()
    entries = [
        _item_list(1, datetime(2026, 1, 1, tzinfo=UTC)),
        _item_list(2, datetime(2026, 1, 2, tzinfo=UTC)),
    ]
    write_export(tmp_path, entries, {}, signer, origin=LOG, public_keys=[signer.vkey])
    assert sorted(load_model(tmp_path).item_lists) == [1, 2]
