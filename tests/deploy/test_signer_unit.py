"""deploy/lottery-signer.service: the office key's own user, no network, and a socket the
service's group can reach (docs/deploy.md "The signer"); deploy/lottery.service requires it.

As for the service's unit, ``systemd-analyze verify`` must accept it and ``systemd-analyze
security`` rate its exposure "OK" or better (below 2.0 of 10) where systemd's tools exist.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.deploy.units import (
    DEPLOY,
    ROOT,
    assert_verified,
    copy_units,
    exposure,
    systemd_analyze,
)
from tests.deploy.units import unit_options as _options

SIGNER = DEPLOY / "lottery-signer.service"
SERVICE = DEPLOY / "lottery.service"
SOCKET = "/run/lottery-signer/signer.sock"


def test_the_signer_has_its_own_user_and_no_network() -> None:
    o = _options(SIGNER)
    # Its own user (the key 0600 in a 0700 directory is its alone); a group of its own whose
    # only other member is the service, so that the 0660 socket in the 0750 runtime directory
    # is reachable by the service only: never "lottery", which the site-push user joins.
    assert o["User"] == ["lottery-signer"] and o["Group"] == ["lottery-signer-clients"]
    assert o["StateDirectory"] == ["lottery-signer"] and o["StateDirectoryMode"] == ["0700"]
    assert o["RuntimeDirectory"] == ["lottery-signer"] and o["RuntimeDirectoryMode"] == ["0750"]
    assert o["UMask"] == ["0077"]
    (command,) = o["ExecStart"]
    assert "lottery signer serve" in command
    assert "--data-dir /var/lib/lottery-signer" in command and f"--socket {SOCKET}" in command
    assert o["RestrictAddressFamilies"] == ["AF_UNIX"] and o["PrivateNetwork"] == ["yes"]
    assert o["IPAddressDeny"] == ["any"]
    assert o["CapabilityBoundingSet"] == [""] and o["NoNewPrivileges"] == ["yes"]
    assert o["ProtectSystem"] == ["strict"]
    assert o["ReadWritePaths"] == ["/var/lib/lottery-signer /run/lottery-signer"]


def test_the_service_uses_the_signer_and_cannot_read_its_directory() -> None:
    o = _options(SERVICE)
    assert o["Requires"] == ["lottery-signer.service"]
    assert "lottery-signer.service" in o["After"][0].split()
    assert f"LOTTERY_SIGNER_SOCKET={SOCKET}" in o["Environment"]
    assert o["User"] == ["lottery"]
    assert o["SupplementaryGroups"] == ["lottery-signer-clients"]
    assert "/var/lib/lottery-signer" not in " ".join(o["ReadWritePaths"])


def test_only_the_service_joins_the_signer_socket_group() -> None:
    """docs/deploy.md: the signer's group holds the service only; the site-push user reads the
    site through group "lottery", never the signer's group (review finding 2)."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    joins = re.findall(r"^(?:adduser|usermod)\b.*$", text, flags=re.MULTILINE)
    into_signer_group = [line for line in joins if "lottery-signer-clients" in line]
    assert into_signer_group, "the signer's group is created in docs/deploy.md"
    for line in into_signer_group:
        assert "sitepush" not in line, line
    assert "adduser sitepush lottery-signer-clients" not in text


def test_systemd_accepts_the_signer_unit(tmp_path: Path) -> None:
    analyze = systemd_analyze()
    if analyze is None:  # the options were checked above; systemd itself is not installed
        return
    (unit,) = copy_units(tmp_path, SIGNER.name)
    assert_verified(analyze, unit)
    level, word = exposure(analyze, unit)
    assert level < 2.0 and word in ("OK", "SAFE"), (level, word)


def _groups_made_by(text: str) -> dict[str, set[str]]:
    """Each user's groups after the ``adduser`` lines of docs/deploy.md."""
    groups: dict[str, set[str]] = {}
    for line in re.findall(r"^adduser\b.*$", text, flags=re.MULTILINE):
        words = line.split()
        plain = [w for w in words[1:] if not w.startswith("-")]
        if "--system" in words:
            user = words[-1]
            mine = groups.setdefault(user, set())
            if "--group" in words:
                mine.add(user)
            if "--ingroup" in words:
                mine.add(words[words.index("--ingroup") + 1])
        elif len(plain) == 2:  # adduser USER GROUP
            groups.setdefault(plain[0], set()).add(plain[1])
    return groups


def test_the_documented_commands_run_as_users_who_can_do_them() -> None:
    """Second review, finding 1: following docs/deploy.md on a fresh server, each ``sudo -u``
    command of 1.4 can read what it sources (/etc/lottery is root:lottery 0750) and reach the
    signer socket it uses (/run/lottery-signer is 0750 for lottery-signer-clients)."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    groups = _groups_made_by(text)
    assert "install -d -o root -g lottery -m 0750 /etc/lottery" in text
    commands = re.findall(r"^sudo -u (\S+) (.*(?:\\\n.*|\n  .*)*)", text, flags=re.MULTILINE)
    run = {user: [c for u, c in commands if u == user] for user, _ in commands}
    # The signer's user is not in group lottery: it never sources lottery.env, and takes the
    # origin as an option.
    assert "lottery" not in groups["lottery-signer"]
    (signer_init,) = [c for c in run["lottery-signer"] if "signer init" in c]
    assert "lottery.env" not in signer_init and "--origin lottery.office.example/log" in signer_init
    for user, lines in run.items():
        for command in lines:
            if "/etc/lottery/lottery.env" in command:
                assert "lottery" in groups[user], (user, command)
    # `lottery init` as the service's user asks the signer: the user is in the socket's group
    # itself, not only through the unit's SupplementaryGroups=.
    (init,) = [c for c in run["lottery"] if "lottery init" in c]
    assert "LOTTERY_SIGNER_SOCKET=/run/lottery-signer/signer.sock" in text and "lottery.env" in init
    assert "lottery-signer-clients" in groups["lottery"]
    assert groups["lottery-signer"] == {"lottery-signer-clients"}
