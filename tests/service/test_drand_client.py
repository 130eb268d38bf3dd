"""The drand relay client against relays on 127.0.0.1 (never the internet).

The relays serve the real recorded quicknet round 123 (tests/vectors/drand/quicknet.json),
a tampered copy of it, or failures; every answer must be verified locally.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from lottery.core import drand
from lottery.core.beacon import DrandBeacon
from lottery.demo.recorded import QUICKNET_ROUND, QUICKNET_SIGNATURE
from lottery.service.drand_client import BeaconNotYetAvailable, DrandClient, RelaysUnavailable

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "drand" / "quicknet.json"
CHAIN = drand.QUICKNET.chain_hash.hex()
AFTER = datetime(2026, 1, 1, tzinfo=UTC)  # long after round 123 was due


def _round_123() -> dict[str, object]:
    data = json.loads(VECTORS.read_text())
    row = data["rounds"][0]
    assert row["round"] == QUICKNET_ROUND
    return {"round": row["round"], "signature": row["signature"], "randomness": row["randomness"]}


def _tampered() -> dict[str, object]:
    good = _round_123()
    sig = bytearray(bytes.fromhex(str(good["signature"])))
    sig[-1] ^= 0x01  # one bit of the x coordinate: still well-formed hex, no longer the round
    return {"round": good["round"], "signature": sig.hex()}


Behaviour = Callable[[BaseHTTPRequestHandler], None]


def _json(payload: object, status: int = 200) -> Behaviour:
    def serve(handler: BaseHTTPRequestHandler) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return serve


def _status(status: int) -> Behaviour:
    return _json({"error": "x"}, status)


class Relay:
    """A relay on 127.0.0.1 whose answers the test chooses; it counts requests."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.paths: list[str] = []
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                relay.paths.append(self.path)
                relay.behaviour(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def relays() -> Iterator[Callable[[Behaviour], Relay]]:
    made: list[Relay] = []

    def make(behaviour: Behaviour) -> Relay:
        made.append(Relay(behaviour))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _client(urls: list[str], **kw: object) -> DrandClient:
    sleeps: list[float] = []
    client = DrandClient(urls, timeout=0.5, sleep=sleeps.append, clock=lambda: AFTER, **kw)  # type: ignore[arg-type]
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


def test_fetches_and_verifies_the_recorded_round(relays: Callable[[Behaviour], Relay]) -> None:
    relay = relays(_json(_round_123()))
    value = _client([relay.url + "/"]).fetch(QUICKNET_ROUND)
    assert value.signature == QUICKNET_SIGNATURE
    assert value.randomness.hex() == _round_123()["randomness"]
    assert relay.paths == [f"/{CHAIN}/public/{QUICKNET_ROUND}"]


def test_tampered_relay_is_skipped_and_never_trusted(
    relays: Callable[[Behaviour], Relay],
) -> None:
    bad = relays(_json(_tampered()))
    good = relays(_json(_round_123()))
    client = _client([bad.url, good.url])
    assert client.fetch(QUICKNET_ROUND).signature == QUICKNET_SIGNATURE
    assert client.distrusted == {bad.url}
    client.fetch(QUICKNET_ROUND)
    assert len(bad.paths) == 1  # not asked again by this client
    # With only the bad relay the answer is refused, and that is not "not yet available".
    with pytest.raises(RelaysUnavailable, match="invalid answer"):
        _client([bad.url]).fetch(QUICKNET_ROUND)


def test_a_relay_answering_another_round_is_refused(relays: Callable[[Behaviour], Relay]) -> None:
    other = relays(_json({**_round_123(), "round": 124}))
    with pytest.raises(RelaysUnavailable, match="answered round 124"):
        _client([other.url]).fetch(QUICKNET_ROUND)
    # The recorded signature served as round 124 does not verify for round 124 either.
    replay = relays(_json({**_round_123(), "round": 124}))
    with pytest.raises(RelaysUnavailable, match="does not verify"):
        _client([replay.url]).fetch(124)


@pytest.mark.parametrize("status", [404, 425])
def test_not_yet_available_is_distinct_from_relay_down(
    relays: Callable[[Behaviour], Relay], status: int
) -> None:
    early = relays(_status(status))
    down = relays(_status(503))
    client = _client([down.url, early.url], passes=3, backoff=0.25)
    with pytest.raises(BeaconNotYetAvailable, match="not available yet"):
        client.fetch(QUICKNET_ROUND)
    assert len(early.paths) == 3 and len(down.paths) == 3  # retried on every pass
    assert client.sleeps == [0.25, 0.5]  # type: ignore[attr-defined]
    with pytest.raises(RelaysUnavailable, match="HTTP 503"):
        _client([down.url]).fetch(QUICKNET_ROUND)


def test_retries_across_relays_until_one_answers(relays: Callable[[Behaviour], Relay]) -> None:
    answers = [_status(500), _status(502)]
    flaky = relays(lambda h: (answers.pop(0) if answers else _json(_round_123()))(h))
    client = _client([flaky.url], passes=3)
    assert client.fetch(QUICKNET_ROUND).round == QUICKNET_ROUND
    assert len(flaky.paths) == 3


def test_unreachable_and_slow_relays_fail_fast(relays: Callable[[Behaviour], Relay]) -> None:
    # A port held but not listening: connecting is refused, and no other server (of this test
    # or of another test process) can take the port while the test runs.
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{held.getsockname()[1]}"
    released = threading.Event()

    def hold_then_answer(handler: BaseHTTPRequestHandler) -> None:
        # The right answer, but only once the test has its verdict (60 s: only a guard).
        released.wait(60)
        with contextlib.suppress(OSError):  # the client has gone, as it should have
            _json(_round_123())(handler)

    slow = relays(hold_then_answer)
    client = _client([url, slow.url], passes=1)  # a 0.5 s timeout per request
    try:
        # Had the client waited for the slow relay instead of timing out, it would have got
        # the round and raised nothing.
        with pytest.raises(RelaysUnavailable) as info:
            client.fetch(QUICKNET_ROUND)
    finally:
        released.set()
        held.close()
    assert len(slow.paths) == 1  # it was asked, and gave up on
    assert "unreachable" in str(info.value) and "timed out" in str(info.value)


def test_round_not_due_is_not_requested(relays: Callable[[Behaviour], Relay]) -> None:
    relay = relays(_json(_round_123()))
    before = datetime.fromtimestamp(drand.round_time(drand.QUICKNET, QUICKNET_ROUND) - 1, UTC)
    client = DrandClient([relay.url], clock=lambda: before)
    with pytest.raises(BeaconNotYetAvailable, match="not due"):
        client.fetch(QUICKNET_ROUND)
    assert relay.paths == []


def test_mock_transport_oversized_and_malformed_bodies() -> None:
    bodies = iter([b"x" * 5000, b"not json"])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(bodies))

    for why in ("too large", "not valid JSON"):
        client = _client(["http://relay.test"], transport=httpx.MockTransport(handler), passes=1)
        with pytest.raises(RelaysUnavailable, match=why):
            client.fetch(QUICKNET_ROUND)


def test_fetch_for_announced_beacon(relays: Callable[[Behaviour], Relay]) -> None:
    relay = relays(_json(_round_123()))
    beacon = DrandBeacon("quicknet", CHAIN, QUICKNET_ROUND, "2023-08-23T16:15:33Z")
    assert _client([relay.url]).fetch_for(beacon).chain == "quicknet"
    wrong = DrandBeacon("quicknet", "00" * 32, QUICKNET_ROUND, "2023-08-23T16:15:33Z")
    with pytest.raises(Exception, match="not the chain hash"):
        _client([relay.url]).fetch_for(wrong)
