"""Nothing secret reaches the built demo site: every byte of it is scanned.

The demo is run in-process (registries imported, five tasks, export, site built); the secrets
of the undisclosed tasks (the announced one and the drawn-and-sealed one), their sealed outcome
blobs and the office's private key are then read back from DIR/data through the service, and
must appear nowhere in DIR/site or DIR/export, in any encoding the site might use. The private
registry columns (phones, notes, conflict reasons) must not appear either. As a control, the
disclosed task's secret must be found, so the scan is known to see what is there.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from lottery.core.canonical import sha256_hex
from lottery.demo.city import undisclosed_secrets
from lottery.demo.synthetic import make_city


@pytest.fixture(scope="module")
def demo(demo_city: Path) -> Path:
    return demo_city


def _published(out: Path) -> bytes:
    files = [p for d in ("site", "export") for p in (out / d).rglob("*") if p.is_file()]
    assert len(files) > 20
    return b"\n".join(p.read_bytes() for p in files)


def _forms(value: bytes) -> list[bytes]:
    """The ways a secret could be written into a file."""
    forms = [value, value.hex().encode(), value.hex().upper().encode()]
    forms.append(base64.b64encode(value).rstrip(b"="))
    forms.append(base64.urlsafe_b64encode(value).rstrip(b"="))
    return [f for f in forms if len(f) >= 16]


def test_no_secret_of_an_undisclosed_task_is_published(demo: Path) -> None:
    hidden = undisclosed_secrets(demo)
    assert set(hidden) == {
        "office.key",
        "T2026-002 secret",
        "T2026-002 outcome",
        "T2026-004 secret",
        "witness jiwei",  # the demo witnesses' TEST/DEMO-only keys (lottery/demo/witnesses.py)
        "witness notary",
        "witness university",
    }
    published = _published(demo)
    keys = {k: hidden.pop(k).decode() for k in list(hidden) if k == "office.key" or "witness" in k}
    for label, key_line in keys.items():
        # PRIVATE+KEY+<name>+<key hash>+<base64>: the base64 itself may contain "+".
        key_material = base64.b64decode(key_line.split("+", 4)[4], validate=True)
        hidden[f"{label} material"] = key_material
        assert key_line.encode() not in published, label
    for label, value in hidden.items():
        for form in _forms(value):
            assert form not in published, label
    # The sealed outcome is not published, but its hash is (in the draw record).
    assert sha256_hex(hidden["T2026-002 outcome"]).encode() in published
    assert b'"task":"T2026-002","teams"' not in published


def test_the_scan_sees_what_is_published(demo: Path) -> None:
    from lottery.demo.city import demo_settings
    from lottery.service.lifecycle import Lifecycle
    from lottery.storage.models import TaskSecret

    lc = Lifecycle.open(demo_settings(demo))
    try:
        with lc.session() as s:
            row = s.get(TaskSecret, "T2026-001")
            assert row is not None
            secret = lc.keeper.open("office-secret", "T2026-001", row.ciphertext)
    finally:
        lc.engine.dispose()
    assert secret.hex().encode() in _published(demo)


def test_private_registry_columns_are_not_published(demo: Path) -> None:
    published = _published(demo)
    city = make_city()
    assert city.targets[0].phone and re.fullmatch(r"0375-\d{7}", city.targets[0].phone)
    assert re.fullmatch(r"139-\d{4}-\d{4}", city.inspectors[0].phone or "")
    assert re.search(rb"0375-\d{7}", published) is None
    assert re.search(rb"139-\d{4}-\d{4}", published) is None
    assert "内部备注".encode() not in published
    assert "（内部）".encode() not in published
    # ...while the public columns are there (the scan would see a leak).
    assert city.targets_later[0].uscc.encode() in published
    assert city.inspectors[0].cert_no.encode() in published


def test_demo_accounts_log_in_and_their_passwords_stay_private(demo: Path) -> None:
    from datetime import UTC, datetime

    from lottery.demo.accounts import ACCOUNTS, FILE_NAME
    from lottery.demo.city import demo_settings
    from lottery.service.lifecycle import Lifecycle
    from lottery.service.users import authenticate, login

    listing = demo / FILE_NAME
    assert listing.stat().st_mode & 0o077 == 0  # readable by its owner only
    rows = [line.split() for line in listing.read_text("utf-8").splitlines()[1:]]
    assert [r[0] for r in rows] == list(ACCOUNTS)
    published = _published(demo)
    lc = Lifecycle.open(demo_settings(demo))
    try:
        now = datetime.now(UTC)
        for name, password, _role_zh in rows:
            assert password.encode() not in published
            token, _, _ = login(lc, name, password, now)
            user = authenticate(lc, token, now)
            assert list(user.roles) == [ACCOUNTS[name].value]
            # Each account has a unit: the county clerk its county, the others the city.
            assert user.org_unit == ("RFB-419905" if name == "county-clerk" else "RFB-4199")
    finally:
        lc.engine.dispose()
