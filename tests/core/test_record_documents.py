"""The optional ``documents`` member of an inspection-result record (docs/spec.md): absent is
the old format; present, it must list the notice first, each kind and number once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lottery.core.errors import EncodingError
from lottery.core.records import parse_record_text, record_text

T = datetime(2026, 4, 3, 1, 0, tzinfo=UTC)
H = "ab" * 32
BASE: dict[str, Any] = {
    "task": "T2026-001",
    "target": "91410000MA0000000X",
    "target_name": "某公司",
    "dates": ["2026-03-25"],
    "inspectors": [{"id": "ZF1", "role": "drawn"}, {"id": "ZF2", "role": "drawn"}],
    "methods": ["实地检查"],
    "categories": ["未发现问题"],
    "pending_reasons": [],
    "sealed": H,
    "entered_by": "a",
    "approved_by": "b",
    "supersedes": None,
    "correction_reason": None,
}


def _doc(kind: str, number: str) -> dict[str, str]:
    return {"kind": kind, "number": number, "sha256": H}


def test_absent_and_well_formed_documents_are_accepted() -> None:
    parse_record_text(record_text("inspection-result", "log", T, BASE))
    docs = [_doc("notice", "人防检通〔2026〕1号"), _doc("result", "人防检告〔2026〕1号")]
    text = record_text("inspection-result", "log", T, BASE | {"documents": docs})
    assert parse_record_text(text)["documents"] == docs


@pytest.mark.parametrize(
    "docs",
    [
        [],
        [_doc("record", "A1")],  # no notice first
        [_doc("notice", "A1"), _doc("notice", "A2")],
        [_doc("notice", "A1"), _doc("result", "A2"), _doc("record", "A3")],
        [_doc("notice", "A1"), _doc("record", "A1")],
        [_doc("verdict", "A1")],
        [{"kind": "notice", "number": "A1", "sha256": "XYZ"}],
        [{"kind": "notice", "number": "A1", "sha256": H, "pdf": "..."}],
    ],
)
def test_malformed_documents_fail_the_format(docs: list[dict[str, str]]) -> None:
    with pytest.raises(EncodingError):
        record_text("inspection-result", "log", T, BASE | {"documents": docs})
