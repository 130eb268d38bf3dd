"""The registry snapshot blob format: round trip and a strict parser that names each fault."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.errors import EncodingError
from publisher.snapshot import PUBLIC_FIELDS, decode_snapshot, encode_snapshot

ROW = ["91419901MA4L000001", "武冈安泰工程监理有限公司", "监理单位", "419901", "B", "正常"]


def _blob(**changes: object) -> bytes:
    body: dict[str, object] = {
        "type": "registry-snapshot",
        "registry": "targets",
        "fields": list(PUBLIC_FIELDS["targets"]),
        "rows": [ROW, ["91419901MA4L000002", *ROW[1:]]],
    }
    body.update(changes)
    return canonical_json(body)


def test_round_trip_sorts_rows_by_key() -> None:
    rows = [["91419901MA4L000002", *ROW[1:]], ROW]
    data = encode_snapshot("targets", rows)
    snap = decode_snapshot(data, "targets", sha256=sha256_hex(data), rows=2)
    assert [r[0] for r in snap.rows] == ["91419901MA4L000001", "91419901MA4L000002"]
    assert snap.mapping("name")[ROW[0]] == ROW[1]
    assert json.loads(data)["rows"][0] == ROW
    assert data == _blob()


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (_blob(type="other"), "has type 'other'"),
        (_blob(registry="inspectors"), "registry 'inspectors', not 'targets'"),
        (_blob(fields=[*PUBLIC_FIELDS["targets"], "phone"]), "not the public fields"),
        (_blob(rows=[ROW[:5]]), "row 0 must be an array of 6 strings"),
        (_blob(rows=[[*ROW[:5], 1]]), "row 0 holds a value that is not a string"),
        (_blob(rows=[["", *ROW[1:]]]), "row 0 has an empty key"),
        (_blob(rows=[ROW, ROW]), "row 1: duplicate key"),
        (_blob(rows=[["91419901MA4L000002", *ROW[1:]], ROW]), "rows out of key order"),
        (_blob(extra=1), "exactly type, registry, fields, rows"),
        (json.dumps(json.loads(_blob()), indent=1).encode(), "not in RFC 8785 canonical form"),
    ],
)
def test_strict_parser_names_the_fault(blob: bytes, message: str) -> None:
    with pytest.raises(EncodingError, match=r"targets snapshot|snapshot is of") as err:
        decode_snapshot(blob, "targets")
    assert message in str(err.value)


def test_hash_and_row_count_must_match_the_record() -> None:
    data = _blob()
    with pytest.raises(EncodingError, match="does not match its SHA-256"):
        decode_snapshot(data, "targets", sha256="0" * 64)
    with pytest.raises(EncodingError, match="has 2 rows, the record says 3"):
        decode_snapshot(data, "targets", rows=3)
    with pytest.raises(EncodingError, match="unknown registry"):
        decode_snapshot(data, "companies")


def test_writer_refuses_what_the_reader_refuses() -> None:
    with pytest.raises(EncodingError, match="duplicate key"):
        encode_snapshot("targets", [ROW, ROW])


def test_build_refuses_a_malformed_snapshot_and_writes_no_site(tmp_path: Path) -> None:
    """A snapshot with a private column: signed and logged, still never published."""
    from datetime import UTC, datetime

    from lottery.core.records import make_record
    from lottery.export.write import write_export
    from publisher.build import build_site
    from publisher.model import PublishError
    from tests.lifecycle import LOG, office_signer

    signer = office_signer()
    bad = canonical_json(
        {
            "type": "registry-snapshot",
            "registry": "inspectors",
            "fields": [*PUBLIC_FIELDS["inspectors"], "id_card"],
            "rows": [
                ["ZF000001", "王建国", "1", "2020-01-01", "2029-12-31", "city", "市级", "", "", "x"]
            ],
        }
    )
    digest = sha256_hex(bad)
    fields = {"registry": "inspectors", "blob": digest, "rows": 1, "as_of": "2026-01-01T00:00:00Z"}
    note = make_record("registry-snapshot", LOG, datetime(2026, 1, 2, tzinfo=UTC), fields, [signer])
    write_export(
        tmp_path / "export", [note], {digest: bad}, signer, origin=LOG, public_keys=[signer.vkey]
    )
    with pytest.raises(PublishError, match="not the public fields"):
        build_site(tmp_path / "export", tmp_path / "site", work=tmp_path / "work")
    assert not (tmp_path / "site").exists()
    shutil.rmtree(tmp_path / "export" / "blobs")
    with pytest.raises(PublishError, match="is not in the export"):
        build_site(tmp_path / "export", tmp_path / "site", work=tmp_path / "work")
