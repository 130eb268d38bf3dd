"""The client's real address behind a reverse proxy, trusted only from the configured proxies.

The audit trail and the login throttle take the caller's address from the ASGI scope's
``client`` (lottery/api/deps.py). Behind nginx that is the proxy's address, so every client
would share one address and one throttle lock. This middleware replaces it with the address
the proxy forwarded in ``X-Forwarded-For``, and the scheme with ``X-Forwarded-Proto``, **only**
when the TCP peer is one of the trusted proxies (``LOTTERY_TRUSTED_PROXIES``: addresses or
networks, comma or space separated, checked when the settings are built: lottery/settings.py;
default none). From any other peer both headers are
ignored, so a client cannot choose the address it is audited and throttled under.

``X-Forwarded-For`` lists addresses from the original client to the last proxy. It is read
from the right: trusted proxies are skipped, and the first address that is not one is the
client (an address further left was written by someone the proxies do not vouch for). If every
entry is a trusted proxy, the leftmost is taken. An entry that is not an IP address ends the
walk: the request is attributed to the last trusted hop, never to a name a client sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from lottery.core.net_addresses import Network, address, allowed, within


def forwarded_client(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address for a request from ``peer`` carrying ``forwarded_for`` (every
    ``X-Forwarded-For`` header, in order): ``peer`` itself unless it is a trusted proxy."""
    current = address(peer)
    if current is None or not within(current, trusted):
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    client = str(current)
    for hop in reversed(hops):
        hop_address = address(hop)
        if hop_address is None:
            break
        client = str(hop_address)
        if not within(hop_address, trusted):
            break
    return client


class TrustedProxyHeaders:
    """ASGI middleware: the forwarded client and scheme, from trusted proxies only."""

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if (
            scope["type"] in ("http", "websocket")
            and client
            and allowed(str(client[0]), self.trusted)
        ):
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
