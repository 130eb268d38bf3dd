"""Registry snapshot blobs: the public rows of a registry at one moment (docs/export.md).

A ``registry-snapshot`` record names a blob by SHA-256. The blob is RFC 8785 canonical JSON::

    {"type": "registry-snapshot", "registry": "targets",
     "fields": ["uscc", "name", ...], "rows": [["9141...", "某某公司", ...], ...]}

Rows are arrays of strings in ``fields`` order, sorted by the first field (the key) in
Unicode code point order (the same as UTF-8 byte order), keys unique. The fields of each
registry are fixed (:data:`PUBLIC_FIELDS`): a snapshot with any other field is refused, so a
private column can never reach the site by a change on the service side alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from lottery.core.canonical import canonical_json, parse_canonical_json, sha256_hex
from lottery.core.errors import EncodingError
from lottery.core.pool_membership import SNAPSHOT_FIELDS, legacy_padding, named_commitment

SNAPSHOT_TYPE = "registry-snapshot"
PUBLIC_FIELDS: Mapping[str, tuple[str, ...]] = SNAPSHOT_FIELDS  # docs/export.md, one list
# Chinese column headings for the pages and the lookup table.
FIELD_NAMES: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "name": "名称",
    "type": "类型",
    "region": "行政区划",
    "risk_class": "信用风险分类",
    "status": "状态",
    "id": "编号",
    "cert_no": "执法证号",
    "cert_valid_from": "证件有效期起",
    "cert_valid_to": "证件有效期至",
    "org_unit": "所属机构",
    "level": "层级",
    "specialties": "专业领域",
    "department": "所属部门",
    "code": "代码",
    "parent": "上级机构",
}


@dataclass(frozen=True)
class Snapshot:
    """A parsed, checked snapshot.

    Attributes:
        registry: ``targets``, ``inspectors`` or ``org-units``.
        fields: the column names, :data:`PUBLIC_FIELDS` of the registry.
        rows: the rows, sorted by key, each a tuple of strings.
    """

    registry: str
    fields: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> int:
        """The position of field ``name``."""
        return self.fields.index(name)

    def mapping(self, value: str) -> dict[str, str]:
        """Key -> the value of field ``value``, for every row."""
        at = self.column(value)
        return {row[0]: row[at] for row in self.rows}


def encode_snapshot(registry: str, rows: Iterable[Sequence[str]]) -> bytes:
    """The canonical blob of ``rows`` (sorted here by key); the inverse of :func:`decode_snapshot`.

    Raises:
        EncodingError: for an unknown registry, a row of the wrong width or a duplicate key.
    """
    fields = _fields(registry)
    ordered = sorted((list(r) for r in rows), key=lambda r: r[0] if r else "")
    body = {"type": SNAPSHOT_TYPE, "registry": registry, "fields": list(fields), "rows": ordered}
    data = canonical_json(body)
    decode_snapshot(data, registry)  # the writer refuses what the reader would refuse
    return data


def decode_snapshot(
    data: bytes, registry: str, *, sha256: str | None = None, rows: int | None = None
) -> Snapshot:
    """Parse a snapshot blob strictly.

    Args:
        data: the blob bytes.
        registry: the registry the record says this is.
        sha256: when given, the blob's SHA-256 must equal it.
        rows: when given, the row count the record announces.

    Raises:
        EncodingError: naming what is wrong (hash, canonical form, type, registry, fields,
            row width, a non-string cell, order or a duplicate key, row count).
    """
    if sha256 is not None and sha256_hex(data) != sha256:
        raise EncodingError(f"{registry} snapshot blob does not match its SHA-256 {sha256}")
    try:
        body = parse_canonical_json(data)
    except EncodingError as exc:
        raise EncodingError(f"{registry} snapshot: {exc}") from exc
    fields = _fields(registry)
    if not isinstance(body, dict) or set(body) != {"type", "registry", "fields", "rows"}:
        raise EncodingError(
            f"{registry} snapshot must be an object with exactly type, registry, fields, rows"
        )
    if body["type"] != SNAPSHOT_TYPE:
        raise EncodingError(f"{registry} snapshot has type {body['type']!r}, not {SNAPSHOT_TYPE}")
    if body["registry"] != registry:
        raise EncodingError(f"snapshot is of registry {body['registry']!r}, not {registry!r}")
    # A snapshot written before a trailing field existed is read with "" in it (docs/export.md).
    pad = legacy_padding(registry, body["fields"])
    if pad is None:
        raise EncodingError(
            f"{registry} snapshot fields {body['fields']!r} are not the public fields "
            f"{list(fields)}"
        )
    parsed = _rows(body["rows"], registry, len(fields) - pad)
    if pad:
        parsed = tuple(row + ("",) * pad for row in parsed)
    if rows is not None and len(parsed) != rows:
        raise EncodingError(f"{registry} snapshot has {len(parsed)} rows, the record says {rows}")
    if registry == "targets":
        named_commitment(parsed)
    return Snapshot(registry, fields, parsed)


def _fields(registry: str) -> tuple[str, ...]:
    try:
        return PUBLIC_FIELDS[registry]
    except KeyError:
        raise EncodingError(f"unknown registry {registry!r}") from None


def _rows(value: Any, registry: str, width: int) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise EncodingError(f"{registry} snapshot rows must be an array")
    out: list[tuple[str, ...]] = []
    for n, row in enumerate(value):
        if not isinstance(row, list) or len(row) != width:
            raise EncodingError(f"{registry} snapshot row {n} must be an array of {width} strings")
        if not all(isinstance(cell, str) for cell in row):
            raise EncodingError(f"{registry} snapshot row {n} holds a value that is not a string")
        if not row[0]:
            raise EncodingError(f"{registry} snapshot row {n} has an empty key")
        out.append(tuple(row))
    for n, (a, b) in enumerate(pairwise(out), start=1):
        if a[0] >= b[0]:
            what = "duplicate key" if a[0] == b[0] else "rows out of key order"
            raise EncodingError(f"{registry} snapshot row {n}: {what} at {b[0]!r}")
    return tuple(out)
