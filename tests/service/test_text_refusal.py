"""No record with a refused character reaches the log, whoever writes it: the check sits where
every record is appended (lottery.service.log.PublicLog.append)."""

from __future__ import annotations

import pytest

from lottery.core.records import make_record
from lottery.service.lifecycle import Lifecycle
from lottery.service.text_input import UnsafeTextError
from tests import lifecycle as lc


@pytest.mark.parametrize("notice", ["休息日调整\u202e", "a\x00b", "\x1b[0m"])
def test_a_record_with_refused_text_is_not_appended(service: Lifecycle, notice: str) -> None:
    note = make_record(
        "calendar",
        lc.LOG,
        lc.T_ANNOUNCE,
        {"year": 2027, "holidays": [], "workdays": [], "notice": notice, "supersedes": None},
        [service.log.signer],
    )
    with service.session() as s:
        before = service.log.size(s)
    with pytest.raises(UnsafeTextError) as refused, service.session() as s, s.begin():
        service.log.append(s, note)
    assert "notice" in str(refused.value) and "说明" in str(refused.value)
    with service.session() as s:
        assert service.log.size(s) == before


def test_ordinary_text_is_appended(service: Lifecycle) -> None:
    note = make_record(
        "calendar",
        lc.LOG,
        lc.T_ANNOUNCE,
        {
            "year": 2027,
            "holidays": [],
            "workdays": [],
            "notice": "第一行\n第二行",
            "supersedes": None,
        },
        [service.log.signer],
    )
    with service.session() as s:
        before = service.log.size(s)  # the item list the fixture published
    with service.session() as s, s.begin():
        service.log.append(s, note)
    with service.session() as s:
        assert service.log.size(s) == before + 1
