"""Switching a key file for its successor with the old one archived: each step idempotent,
so a switch a crash interrupted is finished by running it again (office pair, secrets key)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lottery.storage.key_archive import archive_and_switch_files

PAIR = (".key", ".pub")


def _files(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _keys(tmp_path: Path, *names: str) -> Path:
    for name in names:
        path = tmp_path / name
        path.write_text(f"{name}\n")
        path.chmod(0o600)
    return tmp_path


def test_a_pair_is_archived_under_the_next_number_then_replaced(tmp_path: Path) -> None:
    keys = _keys(tmp_path, "office.key", "office.pub", "office-next.key", "office-next.pub")
    (keys / "archive").mkdir(mode=0o700)
    (keys / "archive" / "office-2-aa.key").write_text("older\n")
    asked: list[int] = []

    def tag() -> str:
        asked.append(1)
        return "-bb"

    archive_and_switch_files(keys, "office", "office-next", PAIR, tag)
    assert _files(keys) == {
        "archive/office-2-aa.key": "older\n",
        "archive/office-3-bb.key": "office.key\n",
        "archive/office-3-bb.pub": "office.pub\n",
        "office.key": "office-next.key\n",
        "office.pub": "office-next.pub\n",
    }
    assert stat.S_IMODE((keys / "archive" / "office-3-bb.key").stat().st_mode) == 0o600
    archive_and_switch_files(keys, "office", "office-next", PAIR, tag)  # nothing pending
    assert len(_files(keys)) == 5 and asked == [1]


def test_a_switch_cut_after_the_first_link_is_finished_under_the_same_name(
    tmp_path: Path,
) -> None:
    keys = _keys(tmp_path, "office.key", "office.pub", "office-next.key", "office-next.pub")
    (keys / "archive").mkdir(mode=0o700)
    os.link(keys / "office.key", keys / "archive" / "office-1-bb.key")  # then the power cut
    archive_and_switch_files(keys, "office", "office-next", PAIR, lambda: "-bb")
    assert sorted(_files(keys / "archive")) == ["office-1-bb.key", "office-1-bb.pub"]
    assert (keys / "office.key").read_text() == "office-next.key\n"
    # Cut between the two renames: the public key is renamed on the next call.
    _keys(keys, "office-next.pub")
    (keys / "office.pub").write_text("old\n")
    archive_and_switch_files(keys, "office", "office-next", PAIR, lambda: "-never-asked")
    assert (keys / "office.pub").read_text() == "office-next.pub\n"
    assert sorted(_files(keys / "archive")) == ["office-1-bb.key", "office-1-bb.pub"]


def test_a_single_key_archived_once_even_when_the_rename_was_cut(tmp_path: Path) -> None:
    keys = _keys(tmp_path, "secrets.key", "secrets-next.key")
    (keys / "archive").mkdir(mode=0o700)
    os.link(keys / "secrets.key", keys / "archive" / "secrets-1.key")  # linked, not renamed
    archive_and_switch_files(keys, "secrets", "secrets-next", (".key",))
    assert _files(keys) == {
        "archive/secrets-1.key": "secrets.key\n",
        "secrets.key": "secrets-next.key\n",
    }
