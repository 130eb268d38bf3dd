"""Regenerate the lottery-v1 "cancelled, secret lost" known-answer vector.

    .venv/bin/python tests/vectors/lottery-v1/make_secret_lost.py

It reuses the drand task of make_vectors.py (the same TEST-ONLY key, secret, registries and
records), so the announcement and draw notes are those of task-drand.json, and adds
cancellations that say the secret is lost (docs/spec.md §7 "Cancelled, secret lost"), lawful
and forged, each with the verdict a verifier must give (docs/vectors.md). tests/test_vectors.py
checks that the committed file equals a fresh regeneration, that the core verifier gives each
case's verdict, and tests/browser/test_verify_secret_lost_browser.py that verify.js does too.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _base() -> Any:
    spec = importlib.util.spec_from_file_location("make_vectors", HERE / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


base = _base()

from lottery.core.canonical import canonical_json, format_time  # noqa: E402
from lottery.core.note import Signer, sign_note  # noqa: E402
from lottery.core.records import record_version  # noqa: E402

CANCELLED_AT = datetime(2023, 8, 25, 1, 0, tzinfo=UTC)
REASON = "数据库从备份恢复后，本任务的秘密值已无法恢复，依法取消（测试向量）"


def _note(signer: Signer, fields: dict[str, Any]) -> str:
    """A signed ``task-cancellation`` note over ``fields`` as given (a forged case too:
    nothing is validated here, the verifier must judge it)."""
    body = {
        "type": "task-cancellation",
        "v": record_version("task-cancellation"),
        "log": base.LOG,
        "time": format_time(CANCELLED_AT),
        **fields,
    }
    return sign_note(canonical_json(body) + b"\n", [signer]).decode()


def build() -> dict[str, Any]:
    """The vector: the drand task's records and the cases."""
    task = base.build("drand")
    signer = Signer.from_seed(base.LOG, base.KEY_SEED)
    ann, draw, reveal = (task[k] for k in ("announcement", "draw", "reveal"))
    outcome = json.loads(draw["note"].split("\n", 1)[0])["outcome"]
    lost = {
        "task": "V-DRAND",
        "announcement": ann["id"],
        "draw": draw["id"],
        "reason": REASON,
        "secret": None,
        "secret_lost": True,
        "outcome": outcome,
    }
    before = lost | {"draw": None, "outcome": None}
    cancel = _note(signer, lost)
    cases = [
        (
            "lost-after-draw",
            "the draw's outcome hash, no secret, no outcome blob",
            ["draw", cancel],
            None,
        ),
        ("lost-before-draw", "cancelled before the draw", [_note(signer, before)], None),
        (
            "lost-with-secret",
            "says the secret is lost and carries it",
            ["draw", _note(signer, lost | {"secret": task["inputs"]["secret"]})],
            "record.format",
        ),
        (
            "null-secret-unflagged",
            "no secret, secret_lost absent",
            ["draw", _note(signer, {k: v for k, v in lost.items() if k != "secret_lost"})],
            "record.format",
        ),
        (
            "lost-flag-false",
            "secret_lost false with no secret",
            ["draw", _note(signer, lost | {"secret_lost": False})],
            "record.format",
        ),
        (
            "lost-after-reveal",
            "a revealed task cancelled as lost",
            ["draw", "reveal", cancel],
            "task.state",
        ),
        (
            "lost-other-outcome",
            "names another outcome hash than the draw sealed",
            ["draw", _note(signer, lost | {"outcome": "00" * 32})],
            "task.links",
        ),
    ]
    notes = {"draw": draw["note"], "reveal": reveal["note"]}
    return {
        "description": (
            "lottery-v1 'cancelled, secret lost' vector (docs/spec.md §7, §8). TEST-ONLY key. "
            "The announcement, draw and reveal are those of task-drand.json."
        ),
        "log": base.LOG,
        "vkey": task["inputs"]["vkey"],
        "announcement": ann,
        "blobs": {k: v for k, v in task["blobs"].items() if k != "outcome"},
        "outcome_blob": task["blobs"]["outcome"],
        "cases": [
            {
                "name": name,
                "description": text,
                "notes": [ann["note"], *(notes.get(n, n) for n in chain)],
                "verdict": "fail" if check else "secret-lost",
                "check": check or "cancel.secret_lost",
            }
            for name, text, chain, check in cases
        ],
    }


def render() -> str:
    """The file content."""
    return json.dumps(build(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write the vector file next to this script."""
    (HERE / "task-secret-lost.json").write_text(render(), encoding="utf-8")
    print("wrote task-secret-lost.json")


if __name__ == "__main__":
    main()
