"""deploy/lottery.service: an unprivileged, sandboxed service (docs/deploy.md).

The options are read from the file and checked; where systemd's own tools are installed (the
project's Debian image has systemd-analyze), ``systemd-analyze verify`` must accept the unit and
``systemd-analyze security`` must rate its exposure "OK" (below 2.0 of 10).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.deploy.units import (
    DEPLOY,
    assert_verified,
    copy_units,
    exposure,
    systemd_analyze,
    unit_options,
)

UNIT = DEPLOY / "lottery.service"


def _options() -> dict[str, list[str]]:
    return unit_options(UNIT)


def test_the_service_runs_unprivileged_and_sandboxed() -> None:
    o = _options()
    assert o["User"] == ["lottery"] and o["Group"] == ["lottery"]
    assert o["CapabilityBoundingSet"] == [""] and o["AmbientCapabilities"] == [""]
    for name in (
        "NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
        "ProtectKernelModules", "ProtectControlGroups", "RestrictNamespaces", "RestrictSUIDSGID",
        "LockPersonality", "RestrictRealtime",
    ):  # fmt: skip
        assert o[name] == ["yes"], name
    assert o["ProtectSystem"] == ["strict"]
    # Writes only to the data directory and the site it publishes.
    assert o["ReadWritePaths"] == ["/var/lib/lottery /srv/lottery"]
    assert o["StateDirectory"] == ["lottery"] and o["StateDirectoryMode"] == ["0700"]
    assert o["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    assert o["SystemCallFilter"][0] == "@system-service"
    assert o["MemoryMax"] and o["TasksMax"]
    assert o["UMask"] == ["0027"]  # nothing for others; the site for the push user's group


def test_it_listens_on_loopback_behind_the_proxy_it_trusts() -> None:
    o = _options()
    (command,) = o["ExecStart"]
    assert re.search(r"\blottery serve\b|/lottery serve ", command), command
    assert "--host 127.0.0.1" in command and "--data-dir /var/lib/lottery" in command
    assert "LOTTERY_TRUSTED_PROXIES=127.0.0.1,::1" in o["Environment"]
    assert "LOTTERY_DATA_DIR=/var/lib/lottery" in o["Environment"]


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = systemd_analyze()
    if analyze is None:  # the options were checked above; systemd itself is not installed
        return
    # verify wants the command to exist: the same units, with an executable that does; the
    # signer's unit too, which the service requires (deploy/lottery-signer.service).
    unit, signer = copy_units(tmp_path, UNIT.name, "lottery-signer.service")
    assert_verified(analyze, unit, signer)
    level, word = exposure(analyze, unit)
    assert level < 2.0 and word == "OK", (level, word)
