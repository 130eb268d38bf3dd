"""Annual plan known-answer vectors (tests/vectors/plan/, docs/spec.md §2 ``plan``, §8 "The
annual plan").

The vectors' verdicts come from tests/vectors/plan/make_vectors.py, a second implementation
written from the spec's words with the standard library only. Here lottery must agree: its
record parser (``record.format``) on every plan text, and its reference checks, the ones
``lottery verify`` runs (``plan.supersedes``, ``announcement.plan``), on every log.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from lottery.core.canonical import canonical_json
from lottery.core.errors import EncodingError
from lottery.core.publication_refs import References
from lottery.core.records import Record, parse_record_text

HERE = Path(__file__).resolve().parent / "vectors" / "plan"
VECTORS: dict[str, Any] = json.loads((HERE / "plan.json").read_text(encoding="utf-8"))


def test_the_vectors_regenerate_byte_for_byte() -> None:
    spec = importlib.util.spec_from_file_location("make_plan_vectors", HERE / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (HERE / "plan.json").read_text(encoding="utf-8")


def test_the_vectors_cover_both_verdicts_and_both_checks() -> None:
    verdicts = {c["verdict"] for c in VECTORS["format"]}
    checks = {check for c in VECTORS["logs"] for _, check in c["failures"]}
    assert verdicts == {"ok", "fail"} and checks == {"plan.supersedes", "announcement.plan"}
    assert any(not c["failures"] for c in VECTORS["logs"])


@pytest.mark.parametrize("case", VECTORS["format"], ids=lambda c: c["name"])
def test_record_format_gives_each_verdict(case: dict[str, Any]) -> None:
    text = case["text"].encode("utf-8")
    try:
        parse_record_text(text)
    except EncodingError:
        verdict = "fail"
    else:
        verdict = "ok"
    assert verdict == case["verdict"]


def _record(entry: dict[str, Any]) -> Record:
    if "text" in entry:
        text = entry["text"].encode("utf-8")
        return Record(note=b"", text=text, body=parse_record_text(text))
    body = entry["body"]
    return Record(note=b"", text=canonical_json(body) + b"\n", body=body)


@pytest.mark.parametrize("case", VECTORS["logs"], ids=lambda c: c["name"])
def test_the_reference_checks_fail_where_the_spec_says(case: dict[str, Any]) -> None:
    refs = References()
    failures = []
    for n, entry in enumerate(case["records"]):
        wrong = refs.add(_record(entry))
        if wrong is not None:
            failures.append([n, str(wrong[0])])
    assert failures == case["failures"]
    # Plan ids are SHA-256 of the texts: the first log's announcements name them.
    if case["name"] == "versions-in-line":
        ids = {_record(e).id for e in case["records"] if "text" in e}
        assert set(VECTORS["ids"].values()) <= ids
