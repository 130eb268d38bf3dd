"""One address parser (lottery/core/net_addresses.py) for the allow-lists and the login
throttle: a client is counted by the block of addresses it holds."""

from __future__ import annotations

from lottery.core.net_addresses import client_block


def test_a_client_counts_by_the_addresses_it_holds() -> None:
    assert client_block("192.0.2.1") == "192.0.2.1"
    assert client_block("::ffff:192.0.2.1") == "192.0.2.1"  # a dual-stack socket's IPv4 client
    same = {client_block("2001:db8:1:2::1"), client_block("2001:db8:1:2:ffff::9")}
    assert same == {"2001:db8:1:2::/64"}
    assert client_block("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert client_block("fe80::1%eth0") == "fe80::/64"  # a link-local peer with its zone
    assert client_block("testclient") is None and client_block("") is None
    assert client_block("192.0.2.300") is None
