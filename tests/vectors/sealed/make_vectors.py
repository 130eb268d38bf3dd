"""Regenerate the sealed-content known-answer vectors (docs/spec.md §2.1).

    .venv/bin/python tests/vectors/sealed/make_vectors.py

Written from docs/spec.md §2.1 alone, with the standard library only (hashlib and json: no
lottery code), so it is the independent implementation the clean-room instructions ask for.
The salts are fixed here (TEST-ONLY; the office draws each from the OS CSPRNG). The canonical
JSON is ``json.dumps(..., ensure_ascii=False, separators=(",", ":"), sort_keys=True)``, which
equals RFC 8785 for these values (ASCII keys, integers, no control characters).

tests/test_vectors.py checks that the committed file equals a fresh regeneration, that
``lottery.core.sealed.seal`` builds the same bytes and that ``lottery verify``'s sealed-content
audit gives each case's verdict.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

CONTENT: dict[str, Any] = {
    "target": "91419901MA4L000001",
    "entity": "青岚市安泰工程监理有限公司",
    "facts": "擅自拆除人防工程防护密闭隔墙约12平方米，改变人防工程主体结构。",
    "basis": "《中华人民共和国人民防空法》第四十九条第（一）项",
    "kind": "罚款",
    "content": "责令限期恢复原状，并处罚款人民币叁万元",
    "amounts": [{"kind": "罚款", "fen": 3000000, "text": "人民币叁万元整"}],
    "result": None,
}
SALTS = {
    "a": bytes(range(32)),
    "b": bytes(range(32, 64)),
}


def canonical(value: Any) -> bytes:
    """RFC 8785 for these values."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sealed_blob(content: dict[str, Any], salt: bytes) -> bytes:
    """docs/spec.md §2.1: the sealed blob of a penalty's content."""
    return canonical(
        {
            "content": content,
            "record": "penalty",
            "salt": salt.hex(),
            "type": "lottery-sealed",
            "v": 1,
        }
    )


def build() -> dict[str, Any]:
    """Every vector: the blobs and commitments, then the verifier's verdict in five cases."""
    blobs = {name: sealed_blob(CONTENT, salt) for name, salt in SALTS.items()}
    commitments = {name: hashlib.sha256(data).hexdigest() for name, data in blobs.items()}
    tampered = blobs["a"].replace(b"3000000", b"300000")
    withdrawal = {"date": "2026-10-12", "reason": "公示期满（至2026-10-09）"}
    cases = [
        {
            "name": "present",
            "commitment": commitments["a"],
            "published": blobs["a"].decode(),
            "withdrawn": None,
            "verdict": "ok",
            "check": "sealed.content",
        },
        {
            "name": "tampered",
            "commitment": commitments["a"],
            "published": tampered.decode(),
            "published_sha256": hashlib.sha256(tampered).hexdigest(),
            "withdrawn": None,
            "verdict": "fail",
            "check": "sealed.content",
        },
        {
            "name": "withdrawn",
            "commitment": commitments["a"],
            "published": None,
            "withdrawn": withdrawal | {"sealed": [commitments["a"]]},
            "verdict": "ok",
            "check": "sealed.withdrawn",
            "detail": f"withdrawn on {withdrawal['date']}: {withdrawal['reason']}",
        },
        {
            "name": "missing",
            "commitment": commitments["a"],
            "published": None,
            "withdrawn": None,
            "verdict": "fail",
            "check": "sealed.missing",
        },
        {
            "name": "withdrawal-of-another-commitment",
            "commitment": commitments["a"],
            "published": None,
            "withdrawn": withdrawal | {"sealed": [commitments["b"]]},
            "verdict": "fail",
            "check": "withdrawal.sealed",
            # and, the withdrawal not counting, the blob is missing with nothing covering it
            "checks": ["withdrawal.sealed", "sealed.missing"],
        },
    ]
    return {
        "spec": "docs/spec.md §2.1",
        "content": CONTENT,
        "salts": {name: salt.hex() for name, salt in SALTS.items()},
        "blobs": {name: data.decode() for name, data in blobs.items()},
        "commitments": commitments,
        "cases": cases,
    }


def render() -> str:
    """The vector file's content."""
    return json.dumps(build(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the vector file next to this script."""
    (HERE / "sealed.json").write_text(render(), encoding="utf-8")
    print("wrote sealed.json")


if __name__ == "__main__":
    main()
