"""Regenerate the lottery-v1 known-answer vectors.

    .venv/bin/python tests/vectors/lottery-v1/make_vectors.py

Every input is fixed here (TEST-ONLY key and secrets, times, registries), so the output is
byte-for-byte reproducible. tests/test_vectors.py checks that (1) the committed files equal a
fresh regeneration and (2) a reference implementation written from docs/spec.md, using only
hashlib and PyNaCl, derives the same commitments, seeds, tickets, picks and signatures.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lottery.core import drand  # noqa: E402
from lottery.core.beacon import (  # noqa: E402
    BeaconSpec,
    BeaconValue,
    DrandBeacon,
    DrandValue,
    NumberSource,
    PublicNumbersBeacon,
    PublicNumbersValue,
    beacon_value_bytes,
)
from lottery.core.draw import InspectorRow, TaskParams  # noqa: E402
from lottery.core.note import Signer  # noqa: E402
from lottery.core.pool import Candidate, Exclusion  # noqa: E402
from lottery.core.selection import stratum_key, ticket  # noqa: E402
from lottery.core.uscc import check_character  # noqa: E402
from lottery.service import inmemory  # noqa: E402

HERE = Path(__file__).resolve().parent
LOG = "vectors.example/lottery"
KEY_SEED = hashlib.sha256(b"TEST ONLY lottery-v1 vector key").digest()


def _uscc(region: str, i: int) -> str:
    body = f"91{region}MA{i:07d}"
    return body + check_character(body)


def registries() -> dict[str, Any]:
    """Twelve targets in two regions and two risk classes, seven inspectors."""
    targets = []
    for i in range(12):
        region = "419901" if i % 2 == 0 else "419902"
        risk = "A" if i % 3 else "B"
        targets.append({"id": _uscc(region, i + 1), "region": region, "risk": risk})
    inspectors = [
        {"id": f"ZF{i:06d}", "org_unit": unit, "from": "2020-01-01", "to": to}
        for i, (unit, to) in enumerate(
            [
                ("city", "2028-12-31"),
                ("city", "2028-12-31"),
                ("county-419901", "2028-12-31"),
                ("county-419901", "2028-12-31"),
                ("county-419902", "2028-12-31"),
                ("county-419902", "2026-03-15"),  # expires inside the 2026 window
                ("other-city", "2028-12-31"),  # out of scope: not eligible
            ],
            start=1,
        )
    ]
    ids = [t["id"] for t in targets]
    return {
        "targets": targets,
        "inspectors": inspectors,
        "org_units": ["city", "county-419901", "county-419902"],
        "conflicts": [[ids[0], "ZF000001"], [ids[3], "ZF000003"]],
        "previous": [[ids[1], "ZF000002"]],
        "exclusions": [{"target": ids[11], "reason": "annual-cap", "detail": "2026年已抽查2次"}],
    }


def scenario(name: str) -> tuple[dict[str, Any], BeaconSpec, BeaconValue, list[datetime]]:
    """The beacon and times of each vector."""
    if name == "public-numbers":
        spec = BeaconSpec(
            PublicNumbersBeacon(
                description="测试用公开号码（向量）",
                sources=(
                    NumberSource("福彩3D（测试）", "2026051期", "number", 1),
                    NumberSource("双色球红球（测试）", "2026023期", "set", 6),
                ),
                draw_date="2026-03-02",
            )
        )
        value: BeaconValue = PublicNumbersValue.from_values([[408], [30, 2, 26, 7, 19, 11]])
        times = [
            datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
            datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
            datetime(2026, 4, 1, 1, 0, tzinfo=UTC),
        ]
        disclosure = "2026-04-01T00:00:00Z"
        window = ("2026-03-10", "2026-03-31")
    else:
        # drand quicknet round 123 (the real round in tests/vectors/drand/quicknet.json) is
        # due at 2023-08-23T15:15:33Z; the task is announced six minutes before it.
        chain = drand.QUICKNET
        spec = BeaconSpec(
            DrandBeacon("quicknet", chain.chain_hash.hex(), 123, "2023-08-23T15:45:33Z"),
            PublicNumbersBeacon(
                description="drand 缺失时的备用号码（测试）",
                sources=(NumberSource("福彩3D（测试）", "2023224期", "number", 1),),
                draw_date="2023-08-24",
            ),
        )
        sig = bytes.fromhex(
            "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482"
            "e26cd02df835d3546d23c4b13e0dfc92"
        )
        value = DrandValue.from_signature("quicknet", 123, sig)
        times = [
            datetime(2023, 8, 23, 15, 9, 33, tzinfo=UTC),
            datetime(2023, 8, 23, 15, 16, 0, tzinfo=UTC),
            datetime(2023, 9, 1, 1, 0, tzinfo=UTC),
        ]
        disclosure = "2023-09-01T00:00:00Z"
        window = ("2023-09-04", "2023-09-29")
    meta = {"disclosure": disclosure, "window": list(window)}
    return meta, spec, value, times


def build(name: str) -> dict[str, Any]:
    """One vector: inputs and every intermediate and published value."""
    regs = registries()
    meta, spec, value, times = scenario(name)
    task = f"V-{name.upper()}"
    secret = hashlib.sha256(f"TEST ONLY lottery-v1 vector secret {name}".encode()).digest()
    signer = Signer.from_seed(LOG, KEY_SEED)
    params = TaskParams(
        task=task,
        title="测试向量任务",
        org_units=tuple(regs["org_units"]),
        window_start=meta["window"][0],
        window_end=meta["window"][1],
        ratios={"A": 3000, "B": 5000},
        team_size=2,
        disclosure=meta["disclosure"],
        beacon=spec,
        cap=3,
        items=(("RF-01", 1),),
    )
    run = inmemory.announce(
        LOG,
        signer,
        params,
        [Candidate(t["id"], t["region"], t["risk"]) for t in regs["targets"]],
        [InspectorRow(i["id"], i["org_unit"], i["from"], i["to"]) for i in regs["inspectors"]],
        secret,
        times[0],
        exclusions=[Exclusion(**e) for e in regs["exclusions"]],
        conflicts=[tuple(p) for p in regs["conflicts"]],
        previous=[tuple(p) for p in regs["previous"]],
    )
    draw = inmemory.draw(run, value, times[1])
    reveal = inmemory.reveal(run, times[2])
    assert run.result is not None
    seed = run.result.seed
    pool = run.prepared.pool
    a = run.announcement.body
    return {
        "description": (
            "lottery-v1 known-answer vector (docs/spec.md). TEST-ONLY key and secret. "
            "Times, registries and the beacon are fixed; every value below follows from them."
        ),
        "inputs": {
            "log": LOG,
            "signing_key_seed": KEY_SEED.hex(),
            "public_key": signer.public_key.hex(),
            "vkey": signer.vkey,
            "secret": secret.hex(),
            "times": [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times],
            "registries": regs,
            "ratios_bp": {"A": 3000, "B": 5000},
            "team_size": 2,
            "cap": 3,
            "beacon": spec.to_dict(),
            "beacon_value": value.to_dict(),
        },
        "commit": a["commit"],
        "announcement": {"note": run.published.notes[0].decode(), "id": run.announcement.id},
        "blobs": {
            "pool": run.published.blobs[a["pool"]["sha256"]].decode(),
            "team_input": run.published.blobs[a["inspector_pool"]["sha256"]].decode(),
            "exclusions": run.published.blobs[a["exclusions"]["sha256"]].decode(),
            "outcome": run.result.outcome_blob.decode(),
        },
        "beacon_value_bytes": beacon_value_bytes(value).hex(),
        "seed": seed.hex(),
        "stratum_keys": {st.key: stratum_key(seed, st.key).hex() for st in pool.strata},
        "tickets": {
            st.key: {c: ticket(seed, st.key, c).hex() for c in st.candidates} for st in pool.strata
        },
        "picks": [p.target for _, ps in run.result.selection for p in ps],
        "teams": [{"target": t.target, "inspectors": list(t.inspectors)} for t in run.result.teams],
        "draw": {"note": run.published.notes[1].decode(), "id": draw.id},
        "reveal": {"note": run.published.notes[2].decode(), "id": reveal.id},
    }


NAMES = ("public-numbers", "drand")


def render(name: str) -> str:
    """The file content of one vector."""
    return json.dumps(build(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write every vector file next to this script."""
    for name in NAMES:
        (HERE / f"task-{name}.json").write_text(render(name), encoding="utf-8")
        print(f"wrote task-{name}.json")


if __name__ == "__main__":
    main()
