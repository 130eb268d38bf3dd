"""Tasks with a drand beacon (the recorded quicknet round 123) and a local relay, for tests.

Round 123 was due at 2023-08-23T15:15:33Z, so a task that uses it is announced (with an
injected clock) a few seconds before that. The relay is an HTTP server on 127.0.0.1 that
serves the recorded round, a tampered one, or "not yet" (HTTP 425).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lottery.core import drand
from lottery.core.beacon import BeaconSpec, DrandBeacon, PublicNumbersValue
from lottery.core.canonical import format_time
from lottery.core.draw import TaskParams
from lottery.demo.recorded import QUICKNET_ROUND, QUICKNET_SIGNATURE, numbers_beacon
from tests import lifecycle as lc

CHAIN_HASH = drand.QUICKNET.chain_hash.hex()
ROUND_DUE = datetime.fromtimestamp(drand.round_time(drand.QUICKNET, QUICKNET_ROUND), UTC)
DEADLINE = ROUND_DUE + timedelta(hours=1)
FALLBACK_DATE = "2023-08-24"


def fallback_numbers() -> tuple[BeaconSpec, PublicNumbersValue]:
    """The announced fallback beacon (fictional numbers) and the numbers it gave."""
    return numbers_beacon(FALLBACK_DATE, "备用", (517, (3, 8, 13, 21, 28, 32)))


def drand_params(
    task: str,
    *,
    disclosure: datetime = ROUND_DUE + timedelta(seconds=3),
    deadline: datetime = DEADLINE,
    fallback: bool = True,
) -> TaskParams:
    """Parameters drawn with quicknet round 123, optionally with a public-numbers fallback."""
    base = lc.params(lc.small_registries(), task)
    primary = DrandBeacon("quicknet", CHAIN_HASH, QUICKNET_ROUND, format_time(deadline))
    spec = BeaconSpec(primary, fallback_numbers()[0].primary if fallback else None)
    return dataclasses.replace(base, beacon=spec, disclosure=format_time(disclosure))


def round_body(tampered: bool = False) -> bytes:
    """The relay's JSON for round 123 (optionally with one bit of the signature flipped)."""
    sig = bytearray(QUICKNET_SIGNATURE)
    if tampered:
        sig[-1] ^= 1
    return json.dumps({"round": QUICKNET_ROUND, "signature": sig.hex()}).encode()


class LocalRelay:
    """A drand relay on 127.0.0.1; ``mode`` is "ok", "tampered", "not-yet" or "down"."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.requests = 0
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                relay.requests += 1
                if relay.mode == "ok" or relay.mode == "tampered":
                    status, body = 200, round_body(relay.mode == "tampered")
                else:
                    status, body = (425 if relay.mode == "not-yet" else 503), b"{}"
                self.send_response(status)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_forever(mode: str = "ok") -> None:  # pragma: no cover - run as a script
    """Run a relay in the foreground and print its URL (for subprocess tests)."""
    relay = LocalRelay(mode)
    print(relay.url, flush=True)
    threading.Event().wait()
