"""The records an incremental audit takes from a prior run (lottery/core/audit.py
``_open_known``): the same text and body ``open_record`` gives, without parsing the note's
signature lines; anything else is left to ``open_record``."""

from __future__ import annotations

from pathlib import Path

from lottery.core.audit import _open_known
from lottery.core.key_schedule import follow_key_changes
from lottery.core.note import NoteVerifier
from lottery.core.records import open_record
from lottery.export.read import file_getter
from tests.export_prefix import log_entries


def test_a_known_record_is_the_record_open_record_gives(demo_city: Path) -> None:
    export = demo_city / "export"
    get = file_getter(export)
    origin = get("checkpoint").split(b"\n", 1)[0].decode()
    keys = [NoteVerifier.from_vkey(k) for k in get("keys/office.vkey").decode().split()]
    entries = log_entries(export)
    schedule = follow_key_changes(entries, keys, origin)
    for i, entry in enumerate(entries):
        known = _open_known(entry, origin)
        assert known == open_record(entry, schedule.at(i), log=origin), i
        assert known is not None and known.id == open_record(entry, schedule.at(i)).id
    # Not the log's record, or not a note's JSON text: opened in full (which fails it).
    assert _open_known(entries[0], "other.example/log") is None
    assert _open_known(b'{"log":"x"}\n', origin) is None
    assert _open_known(b"not json\n\n\xe2\x80\x94 k sig\n", origin) is None
