"""Sealed content (docs/spec.md §2.1): the blob format, its commitment, and the verdicts of
``audit_sealed`` for a blob present, tampered, withdrawn, missing, or kept after withdrawal,
and for a withdrawal of something that carries no commitment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lottery.core.canonical import sha256_hex
from lottery.core.deadline_audit import audit_publications
from lottery.core.errors import EncodingError, VerificationError
from lottery.core.records import Record, make_record, open_record
from lottery.core.sealed import is_sealed_blob, open_sealed, seal, sealed_digest
from lottery.core.sealed_audit import audit_sealed
from tests.forge import penalty_fields
from tests.lifecycle import LOG, office_signer

SIGNER = office_signer()
SALT = bytes(range(32))
CONTENT: dict[str, Any] = {
    "target": "91419901MA4L000001",
    "entity": "武冈安泰工程监理有限公司",
    "facts": "擅自拆除人防工程防护密闭隔墙",
    "basis": "《中华人民共和国人民防空法》第四十九条",
    "kind": "罚款",
    "content": "责令限期恢复原状，并处罚款人民币叁万元",
    "amounts": [{"kind": "罚款", "fen": 3_000_000, "text": "人民币叁万元整"}],
    "result": None,
}


def _record(kind: str, time: str, fields: dict[str, Any]) -> Record:
    at = datetime.fromisoformat(time).replace(tzinfo=UTC)
    note = make_record(kind, LOG, at, fields, [SIGNER])
    return open_record(note, [SIGNER.verifier()], log=LOG)


def _penalty(blob: bytes, n: int = 1) -> Record:
    fields = penalty_fields(
        sha256_hex(blob),
        f"青人防罚〔2026〕{n}号",
        entered_by="法制科 何晓雯",
        approved_by="分管副主任 林秀英",
    )
    return _record("penalty", f"2026-04-09T0{n}:00:00", fields)


def _withdrawal(penalty: Record, sealed: list[str] | None = None, n: int = 1) -> Record:
    return _record(
        "penalty-withdrawal",
        f"2026-10-12T0{n}:00:00",
        {
            "penalty": penalty.id,
            "decision": penalty.body["decision"],
            "sealed": [penalty.body["sealed"]] if sealed is None else sealed,
            "ground": "expired",
            "reason": "公示期满（至2026-10-09）",
            "revoked": None,
            "deadline": None,
        },
    )


def _getter(blobs: dict[str, bytes]) -> Any:
    return lambda digest: blobs[digest]


def test_the_blob_is_canonical_json_and_its_hash_the_commitment() -> None:
    blob = seal("penalty", CONTENT, SALT)
    assert blob.startswith(b'{"content":{"amounts":[{"fen":3000000,') and is_sealed_blob(blob)
    assert b'"record":"penalty","salt":"000102' in blob
    assert blob.endswith(b'"type":"lottery-sealed","v":1}')
    assert open_sealed(blob, sha256_hex(blob), "penalty") == CONTENT
    # Another salt, another commitment: a guess cannot be confirmed without the salt.
    assert sha256_hex(seal("penalty", CONTENT, bytes(32))) != sha256_hex(blob)


@pytest.mark.parametrize(
    ("kind", "content", "salt", "match"),
    [
        ("task-draw", CONTENT, SALT, "seals no content"),
        ("penalty", CONTENT, SALT[:16], "32 bytes"),
        ("penalty", CONTENT | {"phone": "13800000000"}, SALT, "phone"),
        ("penalty", {k: v for k, v in CONTENT.items() if k != "facts"}, SALT, "facts"),
    ],
)
def test_sealing_refuses_what_a_verifier_would(
    kind: str, content: dict[str, Any], salt: bytes, match: str
) -> None:
    with pytest.raises(EncodingError, match=match):
        seal(kind, content, salt)


RESULT: dict[str, Any] = {"findings": "占用", "follow_up": "", "evidence": []}


def test_a_result_may_seal_its_place_and_nothing_else_optional() -> None:
    for content in (RESULT, RESULT | {"place": "青岚市解放路 12 号"}, RESULT | {"place": ""}):
        blob = seal("inspection-result", content, SALT)
        assert open_sealed(blob, sha256_hex(blob), "inspection-result") == content
    for bad, match in (
        (RESULT | {"place": 12}, "place"),
        (RESULT | {"place": "地" * 501}, "place"),
        (RESULT | {"address": "x"}, "address"),
    ):
        with pytest.raises(EncodingError, match=match):
            seal("inspection-result", bad, SALT)
    with pytest.raises(EncodingError, match="place"):
        seal("penalty", CONTENT | {"place": "x"}, SALT)  # a penalty has no place


DOUBLE_PUBLICITY: dict[str, Any] = {
    "address": "青岚市高新区创业大道188号",
    "representative": "王建国",
    "authority_code": "1137990000000001XM",
    "violation": "改变人防工程主体结构",
    "licence": "人防工程使用证 青人防证〔2020〕8号",
}


def test_a_penalty_may_seal_the_double_publicity_fields_and_checks_them() -> None:
    for content in (CONTENT, CONTENT | DOUBLE_PUBLICITY, CONTENT | {"address": "解放路1号"}):
        blob = seal("penalty", content, SALT)
        assert open_sealed(blob, sha256_hex(blob), "penalty") == content
    for bad, match in (
        ({"authority_code": "1137990000000001XA"}, "check character"),  # wrong check char
        ({"authority_code": "1137990000000001xm"}, "upper case"),
        ({"authority_code": "11379900"}, "18 characters"),
        ({"representative": "王" * 101}, "representative"),
        ({"address": ""}, "address"),
        ({"violation": 3}, "violation"),
    ):
        with pytest.raises(EncodingError, match=match):
            seal("penalty", CONTENT | DOUBLE_PUBLICITY | bad, SALT)


def test_opening_fails_on_tampering_or_another_format() -> None:
    blob = seal("penalty", CONTENT, SALT)
    digest = sha256_hex(blob)
    tampered = blob.replace(b"3000000", b"3000001")
    with pytest.raises(VerificationError, match="does not match its commitment") as info:
        open_sealed(tampered, digest, "penalty")
    assert info.value.check == "sealed.content"
    spaced = blob.replace(b'{"content":', b'{ "content":')
    with pytest.raises(VerificationError, match="not a sealed penalty"):
        open_sealed(spaced, sha256_hex(spaced), "penalty")


def test_present_blob_is_opened_and_checked() -> None:
    blob = seal("penalty", CONTENT, SALT)
    penalty = _penalty(blob)
    assert sealed_digest(penalty.body) == sha256_hex(blob)
    audit = audit_sealed([penalty], _getter({sha256_hex(blob): blob}))
    assert not audit.failures
    assert audit.contents == {penalty.id: CONTENT}
    assert [c.name for c in audit.checks] == ["sealed.content"]


def test_withdrawn_blob_is_reported_with_its_date_and_reason() -> None:
    penalty = _penalty(seal("penalty", CONTENT, SALT))
    withdrawal = _withdrawal(penalty)
    audit = audit_sealed([penalty, withdrawal], _getter({}))
    assert not audit.failures and audit.contents == {}
    [check] = audit.checks
    assert check.name == "sealed.withdrawn"
    assert check.detail == (
        "penalty 青人防罚〔2026〕1号: withdrawn on 2026-10-12: 公示期满（至2026-10-09）"
    )


@pytest.mark.parametrize("case", ["tampered", "missing", "kept", "foreign", "no-commitment"])
def test_each_fault_fails_naming_its_check(case: str) -> None:
    blob = seal("penalty", CONTENT, SALT)
    digest = sha256_hex(blob)
    penalty = _penalty(blob)
    other = _penalty(seal("penalty", CONTENT, bytes(32)), 2)
    published = {digest: blob, other.body["sealed"]: seal("penalty", CONTENT, bytes(32))}
    records = [penalty, other]
    expected = {
        "tampered": "sealed.content",
        "missing": "sealed.missing",
        "kept": "sealed.withdrawn",
        "foreign": "withdrawal.sealed",
        "no-commitment": "withdrawal.sealed",
    }[case]
    if case == "tampered":
        published[digest] = blob.replace(b"3000000", b"300000")
    elif case == "missing":
        del published[digest]
    elif case == "kept":
        records.append(_withdrawal(penalty))
    elif case == "foreign":  # withdraws the other penalty's content under this one's name
        records.append(_withdrawal(penalty, [other.body["sealed"]]))
    else:  # names a record that carries no commitment (a task report, say)
        report = _record("key-change", "2026-05-01T00:00:00", {"keys": ["k"], "reason": "x"})
        fake = _withdrawal(penalty)
        body = fake.body | {"penalty": report.id}
        records += [report, _record("penalty-withdrawal", "2026-10-12T01:00:00", _fields(body))]
    audit = audit_sealed(records, _getter(published))
    assert [f.check for _, f in audit.failures] == [expected]


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("type", "v", "log", "time")}


def test_a_withdrawal_without_its_blobs_or_with_a_duplicate_is_malformed() -> None:
    penalty = _penalty(seal("penalty", CONTENT, SALT))
    with pytest.raises(EncodingError, match="sealed"):
        _withdrawal(penalty, [])
    d = penalty.body["sealed"]
    with pytest.raises(EncodingError, match="twice"):
        _withdrawal(penalty, [d, d])
    body = _fields(_withdrawal(penalty).body)
    with pytest.raises(EncodingError, match="revoked"):
        _record("penalty-withdrawal", "2026-10-12T01:00:00", body | {"ground": "revoked"})
    with pytest.raises(EncodingError, match="null unless"):
        _record("penalty-withdrawal", "2026-10-12T01:00:00", body | {"revoked": "2026-10-09"})


def test_penalty_result_is_checked_from_the_sealed_content() -> None:
    result = _record(
        "inspection-result",
        "2026-04-03T01:00:00",
        {
            "task": "T2026-001",
            "target": "91419901MA4L000002",
            "target_name": "另一家单位",
            "dates": ["2026-03-20"],
            "inspectors": [{"id": "I001", "role": "drawn"}, {"id": "I002", "role": "drawn"}],
            "methods": ["实地检查"],
            "categories": ["未发现问题"],
            "pending_reasons": [],
            "sealed": "cd" * 32,  # the findings' commitment (tests/core/test_sealed.py)
            "entered_by": "a",
            "approved_by": "b",
            "supersedes": None,
            "correction_reason": None,
        },
    )
    blob = seal("penalty", CONTENT | {"result": result.id}, SALT)
    penalty = _penalty(blob)
    sealed = audit_sealed([result, penalty], _getter({sha256_hex(blob): blob}))
    audit = audit_publications([result, penalty], {}, contents=sealed.contents)
    [(_, failure)] = audit.failures
    assert failure.check == "penalty.result" and "91419901MA4L000001" in failure.detail
    # Withdrawn: nothing left to compare, and nothing fails.
    gone = audit_sealed([result, penalty, _withdrawal(penalty)], _getter({}))
    assert not audit_publications([result, penalty], {}, contents=gone.contents).failures
