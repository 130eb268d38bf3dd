"""Recorded public randomness and sample beacons, for the demo, benchmarks and tests.

Nothing here is fetched: the machine that runs the suite has no network. The drand round is
real (tests/vectors/drand/quicknet.json); the public numbers are fictional and labelled so.
"""

from __future__ import annotations

from lottery.core import drand
from lottery.core.beacon import (
    BeaconSpec,
    DrandValue,
    NumberSource,
    PublicNumbersBeacon,
    PublicNumbersValue,
)

QUICKNET_ROUND = 123
QUICKNET_SIGNATURE = bytes.fromhex(
    "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482"
    "e26cd02df835d3546d23c4b13e0dfc92"
)


def quicknet_round_123() -> DrandValue:
    """The recorded drand quicknet round 123 (verifies with BLS against the pinned chain)."""
    return DrandValue.from_signature("quicknet", QUICKNET_ROUND, QUICKNET_SIGNATURE)


def quicknet_verify_sample() -> bytes:
    """Verify the recorded round (for timing one BLS verification)."""
    return drand.verify_round(drand.QUICKNET, QUICKNET_ROUND, QUICKNET_SIGNATURE)


def numbers_beacon(
    draw_date: str, label: str, values: tuple[int, tuple[int, ...]]
) -> tuple[BeaconSpec, PublicNumbersValue]:
    """A public-numbers beacon (a 3D number and six red balls) and the numbers it gave.

    The numbers are fictional; ``label`` says so on the site.
    """
    spec = BeaconSpec(
        PublicNumbersBeacon(
            description=f"公开号码（{label}，虚构数字）",
            sources=(
                NumberSource("福彩3D（虚构）", f"{draw_date} 期", "number", 1),
                NumberSource("双色球红球（虚构）", f"{draw_date} 期", "set", 6),
            ),
            draw_date=draw_date,
        )
    )
    return spec, PublicNumbersValue.from_values([[values[0]], list(values[1])])
