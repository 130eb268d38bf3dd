"""Regenerate the committed-pool known-answer vectors (docs/spec.md §4, "Committed pools").

    .venv/bin/python tests/vectors/committed-pool/make_vectors.py

Written from docs/spec.md alone, with the standard library only (hashlib and json: no lottery
code), so it is the second implementation the clean-room instructions ask for. The salts are
fixed here (TEST-ONLY; the office draws each from the OS CSPRNG). The canonical JSON is
``json.dumps(..., ensure_ascii=False, separators=(",", ":"), sort_keys=True)``, which equals
RFC 8785 for these values (ASCII keys, integers, no control characters).

tests/test_committed_pool.py checks that the committed file equals a fresh regeneration, that
``lottery.core.committed`` computes the same ids and blob, and that the verifier gives each
case's verdict (``pool.openings``, ``pool.membership``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TASK = "T2026-V18"
WITHHELD = "人防工程平时使用"

# GB 32100-2015: the 统一社会信用代码 check character.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(first17: str) -> str:
    """``first17`` completed with its check character."""
    total = sum(_ALPHABET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + _ALPHABET[(31 - total % 31) % 31]


def canonical(value: Any) -> bytes:
    """RFC 8785 for these values."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


# (USCC, name, type, risk class, salt): three shelter users withheld, one supervisor named.
TARGETS = [
    (
        uscc("91419901MA4L70001"),
        "青岚市北门地下商业街管理有限公司",
        WITHHELD,
        "B",
        bytes(range(32)),
    ),
    (uscc("91419901MA4L70002"), "青岚市南湖停车管理有限公司", WITHHELD, "B", bytes(range(1, 33))),
    (
        uscc("91419901MA4L70003"),
        "青岚市东站地下空间运营有限公司",
        WITHHELD,
        "B",
        bytes(range(2, 34)),
    ),
    (uscc("91419901MA4L00001"), "青岚市安泰工程监理有限公司", "监理单位", "B", None),
]
REGION = "419901"
UNITS = [["QL", "青岚市人民防空办公室", "市级", "", REGION]]


def commitment_id(code: str, name: str, salt: bytes) -> str:
    """docs/spec.md §4: hex SHA-256 of the target's commitment."""
    body = {
        "name": name,
        "salt": salt.hex(),
        "type": "lottery-target-commitment",
        "uscc": code,
        "v": 1,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def snapshot_rows() -> list[list[str]]:
    """The targets snapshot: a withheld target's key is its commitment id, its name ""."""
    rows = []
    for code, name, kind, risk, salt in TARGETS:
        if salt is None:
            rows.append([code, name, kind, REGION, risk, "正常"])
        else:
            rows.append([commitment_id(code, name, salt), "", kind, REGION, risk, "正常"])
    return sorted(rows)


def openings_blob(entries: list[tuple[str, str, bytes]], ids: list[str] | None = None) -> bytes:
    """The openings blob; ``ids`` overrides the id written for each entry."""
    opened = [
        {"id": ids[i] if ids else commitment_id(c, n, s), "name": n, "salt": s.hex(), "uscc": c}
        for i, (c, n, s) in enumerate(entries)
    ]
    opened.sort(key=lambda o: o["id"])
    return canonical({"openings": opened, "task": TASK, "type": "lottery-openings", "v": 1})


def verdict(picks: list[str], blob: bytes | None) -> str:
    """The spec's rule: the reveal opens exactly the picked commitments, each correctly."""
    committed = {p for p in picks if len(p) == 64 and all(ch in "0123456789abcdef" for ch in p)}
    if blob is None:
        return "fail" if committed else "ok"
    body = json.loads(blob)
    for o in body["openings"]:
        if commitment_id(o["uscc"], o["name"], bytes.fromhex(o["salt"])) != o["id"]:
            return "fail"
    return "ok" if {o["id"] for o in body["openings"]} == committed else "fail"


def build() -> dict[str, Any]:
    """The ids, the snapshot, the pool and each case's verdict."""
    withheld = [(c, n, s) for c, n, _, _, s in TARGETS if s is not None]
    ids = [commitment_id(c, n, s) for c, n, s in withheld]
    named = TARGETS[3][0]
    picks = [ids[0], ids[1], named]
    wrong_salt = [(withheld[0][0], withheld[0][1], bytes(32)), withheld[1]]
    cases: list[dict[str, Any]] = []

    def case(name: str, blob: bytes | None, check: str = "pool.openings") -> None:
        cases.append(
            {
                "name": name,
                "picks": picks,
                "openings": None if blob is None else blob.decode(),
                "verdict": verdict(picks, blob),
                "check": check,
            }
        )

    case("valid", openings_blob(withheld[:2]))
    case("wrong-salt", openings_blob(wrong_salt, ids=ids[:2]))
    case("opens-a-non-pick", openings_blob(withheld))
    case("pick-left-unopened", openings_blob(withheld[:1]))
    case("no-openings", None)
    rows = snapshot_rows()
    candidates = sorted(r[0] for r in rows if r[5] == "正常")
    dropped = [t for t in candidates if t != ids[2]]
    return {
        "spec": "docs/spec.md §4 Committed pools",
        "task": TASK,
        "targets": [
            {"uscc": c, "name": n, "type": k, "risk_class": r, "salt": s.hex() if s else None}
            for c, n, k, r, s in TARGETS
        ],
        "commitment_ids": ids,
        "snapshot": {"units": UNITS, "targets": rows},
        "cases": cases,
        "membership": [
            {"name": "complete", "pooled": candidates, "verdict": "ok"},
            {
                "name": "dropped-eligible-row",
                "pooled": dropped,
                "verdict": "ok" if sorted(dropped) == candidates else "fail",
            },
        ],
    }


def render() -> str:
    """The vector file's content."""
    return json.dumps(build(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the vector file next to this script."""
    (HERE / "committed-pool.json").write_text(render(), encoding="utf-8")
    print("wrote committed-pool.json")


if __name__ == "__main__":
    main()
