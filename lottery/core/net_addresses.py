"""IP addresses and networks in settings and requests: one parser for every allow-list.

``LOTTERY_TRUSTED_PROXIES`` and ``LOTTERY_METRICS_ALLOW`` name addresses or networks; a
request's client is matched against them, and the login throttle counts a client by
:func:`client_block`. An IPv4-mapped IPv6 client (a dual-stack socket) is the IPv4 address it
carries. Text that is not an address (a test client's name) matches nothing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

IPV6_CLIENT_PREFIX = 64
"""An IPv6 client counts by its /64 network: one host usually holds a whole /64."""


def split_list(text: str) -> list[str]:
    """The entries of a comma or space separated list (empty entries dropped)."""
    return [item for item in re.split(r"[\s,]+", text.strip()) if item]


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Each entry (an address or a CIDR network; host bits allowed) as a network.

    Raises:
        ValueError: naming the first entry that is neither.
    """
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"{entry[:60]!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8, ::1)"
            ) from None
    return tuple(networks)


def address(text: str) -> Address | None:
    """``text`` as an IP address (an IPv4-mapped IPv6 one as its IPv4 address), or None."""
    try:
        parsed = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def client_block(text: str) -> str | None:
    """The addresses one client holds, as text: an IPv4 address (an IPv4-mapped IPv6 one
    too), or an IPv6 address's /64 network (``2001:db8:1:2::/64``); None for text that is not
    an address."""
    parsed = address(text)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return None if parsed is None else str(parsed)


def within(addr: Address, networks: Sequence[Network]) -> bool:
    """Whether ``addr`` lies in one of ``networks``."""
    return any(addr in net for net in networks)


def allowed(text: str | None, networks: Sequence[Network]) -> bool:
    """Whether the client address ``text`` lies in one of ``networks`` (no address: no)."""
    parsed = address(text) if text else None
    return parsed is not None and within(parsed, networks)
