"""The client's real address behind a reverse proxy, trusted only from the configured proxies.

The audit trail and the login throttle take the caller's address from the ASGI scope's
``client`` (lottery/api/deps.py). Behind nginx that is the proxy's address, so every client
would share one address and one throttle lock. This middleware replaces it with the address
the proxy forwarded in ``X-Forwarded-For``, and the scheme with ``X-Forwarded-Proto``, **only**
when the TCP peer is one of the trusted proxies (``LOTTERY_TRUSTED_PROXIES``: addresses or
networks, comma or space separated; default none). From any other peer both headers are
ignored, so a client cannot choose the address it is audited and throttled under.

``X-Forwarded-For`` lists addresses from the original client to the last proxy. It is read
from the right: trusted proxies are skipped, and the first address that is not one is the
client (an address further left was written by someone the proxies do not vouch for). If every
entry is a trusted proxy, the leftmost is taken. An entry that is not an IP address ends the
walk: the request is attributed to the last trusted hop, never to a name a client sent.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from lottery.core.errors import InputError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "LOTTERY_TRUSTED_PROXIES"


def parse_trusted(text: str) -> tuple[Network, ...]:
    """The networks in ``text`` (addresses or CIDR networks, comma or space separated).

    Raises:
        InputError: naming the first entry that is neither.
    """
    networks: list[Network] = []
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise InputError(
                f"{SETTING}: {item[:60]!r} is not an IP address or network (e.g. 127.0.0.1, "
                "10.0.0.0/8, ::1)"
            ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4-mapped IPv6 peer (a dual-stack socket) is the IPv4 address it carries.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forwarded_client(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address for a request from ``peer`` carrying ``forwarded_for`` (every
    ``X-Forwarded-For`` header, in order): ``peer`` itself unless it is a trusted proxy."""
    current = _address(peer)
    if current is None or not any(current in net for net in trusted):
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    client = str(current)
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = str(address)
        if not any(address in net for net in trusted):
            break
    return client


class TrustedProxyHeaders:
    """ASGI middleware: the forwarded client and scheme, from trusted proxies only."""

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and client and self._trusted(str(client[0])):
            headers = scope.get("headers", [])
            forwarded = [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"]
            scope = dict(scope, client=(forwarded_client(client[0], forwarded, self.trusted), 0))
            proto = [
                v.decode("latin-1").strip().lower() for k, v in headers if k == b"x-forwarded-proto"
            ]
            if proto and proto[-1] in ("http", "https"):
                secure = proto[-1] == "https"
                if scope["type"] == "websocket":
                    scope["scheme"] = "wss" if secure else "ws"
                else:
                    scope["scheme"] = proto[-1]
        await self.app(scope, receive, send)

    def _trusted(self, peer: str) -> bool:
        address = _address(peer)
        return address is not None and any(address in net for net in self.trusted)
