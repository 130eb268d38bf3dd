"""The client's address behind a proxy: believed from the trusted proxies only.

The middleware on its own, with ASGI scopes as a server builds them (tests/deploy runs it
behind a real nginx, with the audit trail and the login throttle).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from lottery.api.proxy_headers import TrustedProxyHeaders, forwarded_client
from lottery.cli.common import settings_for
from lottery.core.errors import InputError
from lottery.core.net_addresses import Network
from lottery.settings import get_settings


def parse_trusted(text: str) -> tuple[Network, ...]:
    """The networks of ``LOTTERY_TRUSTED_PROXIES=text``, as the app reads them."""
    return get_settings(trusted_proxies=text).trusted_networks


LOCAL = parse_trusted("127.0.0.1, ::1")


def _seen(
    peer: str, headers: list[tuple[bytes, bytes]], trusted: str, kind: str = "http"
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    scope = {"type": kind, "client": (peer, 51000), "scheme": "http", "headers": headers}
    asyncio.run(TrustedProxyHeaders(app, parse_trusted(trusted))(scope, None, None))  # type: ignore[arg-type]
    return seen


def test_a_trusted_proxy_names_the_client_and_the_scheme() -> None:
    seen = _seen(
        "127.0.0.1",
        [(b"x-forwarded-for", b"198.51.100.7"), (b"x-forwarded-proto", b"https")],
        "127.0.0.1",
    )
    assert seen["client"][0] == "198.51.100.7"
    assert seen["scheme"] == "https"


def test_from_any_other_peer_the_headers_are_ignored() -> None:
    headers = [(b"x-forwarded-for", b"198.51.100.7"), (b"x-forwarded-proto", b"https")]
    seen = _seen("203.0.113.9", headers, "127.0.0.1")
    assert seen["client"] == ("203.0.113.9", 51000)
    assert seen["scheme"] == "http"


def test_no_trusted_proxy_by_default() -> None:
    seen = _seen("127.0.0.1", [(b"x-forwarded-for", b"198.51.100.7")], "")
    assert seen["client"] == ("127.0.0.1", 51000)


def test_networks_and_ipv6() -> None:
    assert forwarded_client("10.1.2.3", ["2001:db8::5"], parse_trusted("10.0.0.0/8")) == (
        "2001:db8::5"
    )
    assert forwarded_client("::1", ["192.0.2.1"], LOCAL) == "192.0.2.1"
    # A dual-stack socket reports an IPv4 proxy as IPv4-mapped IPv6.
    assert forwarded_client("::ffff:127.0.0.1", ["192.0.2.1"], LOCAL) == "192.0.2.1"


def test_read_from_the_right_past_trusted_proxies_only() -> None:
    trusted = parse_trusted("127.0.0.1 10.0.0.2")
    # A client's own "X-Forwarded-For: 1.2.3.4" is left of what the proxies wrote.
    assert forwarded_client("127.0.0.1", ["1.2.3.4, 192.0.2.8, 10.0.0.2"], trusted) == ("192.0.2.8")
    # Several headers are one list, in order.
    assert forwarded_client("127.0.0.1", ["1.2.3.4", "192.0.2.8"], trusted) == "192.0.2.8"
    # Only proxies: the leftmost.
    assert forwarded_client("127.0.0.1", ["10.0.0.2"], trusted) == "10.0.0.2"
    # Not an address: never taken; the request stays the last trusted hop's.
    assert forwarded_client("127.0.0.1", ["unknown"], trusted) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", ["evil, 10.0.0.2"], trusted) == "10.0.0.2"
    # No header: the peer.
    assert forwarded_client("127.0.0.1", [], trusted) == "127.0.0.1"


def test_websocket_scheme() -> None:
    seen = _seen(
        "::1",
        [(b"x-forwarded-for", b"192.0.2.1"), (b"x-forwarded-proto", b"https")],
        "::1",
        kind="websocket",
    )
    assert seen["scheme"] == "wss"
    assert seen["client"][0] == "192.0.2.1"


@pytest.mark.parametrize("text", ["localhost", "127.0.0.1,10.0.0.300", "10.0.0.0/33"])
def test_a_wrong_setting_is_refused_by_name(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused when the settings are built, naming the variable and the entry."""
    monkeypatch.setenv("LOTTERY_TRUSTED_PROXIES", text)
    with pytest.raises(InputError, match=r"LOTTERY_TRUSTED_PROXIES: .*is not an IP address"):
        settings_for(tmp_path)
