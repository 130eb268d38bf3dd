"""Fetch drand rounds from HTTP relays; every answer is verified locally with the core.

Relays are a transport, never trusted: a round is accepted only when its BLS signature
verifies against the pinned chain (:func:`lottery.core.drand.verify_round`). A relay that
answers with a malformed body, another round or a signature that does not verify is
*distrusted*: skipped for the rest of this client's life, and its answer is never used.

Two failures are kept apart, because the missing-beacon rule depends on the difference:

- :class:`BeaconNotYetAvailable`: the round is not due yet by our clock, or the relays that
  answered said so (HTTP 404 or 425). Past the announced deadline this is what triggers the
  announced fallback.
- :class:`RelaysUnavailable`: no relay gave a usable answer (network errors, timeouts, 5xx,
  distrusted relays). This says nothing about the round, so it never triggers the fallback;
  the caller retries.

Requests: ``GET {relay}/{chain_hash}/public/{round}``, a timeout per request, several passes
over the relays with exponential backoff between passes (the sleep is injectable for tests).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx

from lottery.core import drand
from lottery.core.beacon import DrandBeacon, DrandValue
from lottery.core.errors import EncodingError, InputError, LotteryError, VerificationError

logger = logging.getLogger(__name__)

MAX_BODY = 4096
"""A round's JSON is about 200 bytes; anything much larger is not a round."""

NOT_YET_STATUS = frozenset({404, 425})
"""drand relays answer 404 (older) or 425 Too Early (newer) for a round not yet produced."""


class BeaconNotYetAvailable(LotteryError):
    """The round does not exist yet (not due, or the answering relays say it is not out)."""


class RelaysUnavailable(LotteryError):
    """No relay gave a verified answer; nothing is known about the round."""


class DrandClient:
    """Fetches and verifies rounds of one pinned drand chain from a list of relays.

    Args:
        relays: base URLs, asked in order (``settings.drand_relays``).
        chain: the pinned chain (quicknet by default).
        timeout: seconds per request (connect, read, write, pool).
        passes: how many times the relay list is tried before giving up.
        backoff: seconds before the second pass, doubled before each later one.
        transport: an httpx transport (tests pass ``httpx.MockTransport``).
        sleep: the sleep function used between passes.
        clock: the current time; a round not yet due by it is not requested at all.

    Raises:
        InputError: when no relay is configured.
    """

    def __init__(
        self,
        relays: Sequence[str],
        *,
        chain: drand.ChainInfo = drand.QUICKNET,
        timeout: float = 5.0,
        passes: int = 3,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not relays:
            raise InputError("no drand relay configured (LOTTERY_DRAND_RELAYS)")
        self.relays = [r.rstrip("/") for r in relays]
        self.chain = chain
        self.passes = max(1, passes)
        self.backoff = backoff
        self.sleep = sleep
        self.clock = clock or (lambda: datetime.now(UTC))
        self.distrusted: set[str] = set()
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"accept": "application/json", "user-agent": "lottery-drand-client"},
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def url(self, relay: str, round: int) -> str:
        """The URL of ``round`` on ``relay``."""
        return f"{relay}/{self.chain.chain_hash.hex()}/public/{round}"

    def fetch_for(self, beacon: DrandBeacon) -> DrandValue:
        """Fetch the round an announcement names (its chain must be this client's chain).

        Raises:
            InputError: when the beacon names another chain or chain hash.
            BeaconNotYetAvailable, RelaysUnavailable: see :meth:`fetch`.
        """
        info = beacon.chain_info()
        if info.chain_hash != self.chain.chain_hash:
            raise InputError(f"this client fetches {self.chain.beacon_id}, not {beacon.chain}")
        return self.fetch(beacon.round, chain_name=beacon.chain)

    def fetch(self, round: int, *, chain_name: str = "quicknet") -> DrandValue:
        """Fetch ``round`` and return it as a verified :class:`DrandValue`.

        Raises:
            BeaconNotYetAvailable: the round is not due by the clock, or every relay that
                answered said it is not out yet (and none gave a verified value).
            RelaysUnavailable: no relay answered usefully (all down, failing or distrusted).
        """
        due = drand.round_time(self.chain, round)
        if self.clock().timestamp() < due:
            raise BeaconNotYetAvailable(f"drand round {round} is not due before {_iso(due)}")
        problems: dict[str, str] = {}
        for attempt in range(self.passes):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            not_yet = False
            for relay in self.relays:
                if relay in self.distrusted:
                    problems.setdefault(relay, "distrusted (served an invalid round earlier)")
                    continue
                outcome = self._ask(relay, round)
                if isinstance(outcome, bytes):
                    return DrandValue.from_signature(chain_name, round, outcome)
                if outcome == "not-yet":
                    not_yet = True
                    problems[relay] = "round not available yet"
                else:
                    problems[relay] = outcome
            if not_yet and attempt == self.passes - 1:
                raise BeaconNotYetAvailable(
                    f"drand round {round} is not available yet ({_summary(problems)})"
                )
        raise RelaysUnavailable(f"no drand relay answered for round {round}: {_summary(problems)}")

    def _ask(self, relay: str, round: int) -> bytes | str:
        """One request: a verified signature, ``"not-yet"``, or why this relay failed."""
        try:
            response = self._http.get(self.url(relay, round))
        except httpx.TimeoutException:
            return "timed out"
        except httpx.HTTPError as exc:
            return f"unreachable ({type(exc).__name__})"
        if response.status_code in NOT_YET_STATUS:
            return "not-yet"
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        try:
            signature = self._verified(response.content, round)
        except (EncodingError, VerificationError) as exc:
            # Not a transient failure: this relay served something that is not the round.
            self.distrusted.add(relay)
            logger.warning("drand relay %s distrusted: %s", relay, exc)
            return f"invalid answer: {exc}"
        return signature

    def _verified(self, body: bytes, round: int) -> bytes:
        """The signature in ``body`` when it is a valid answer for ``round``.

        Raises:
            EncodingError: an oversized or malformed body, or another round.
            VerificationError: a signature that does not verify.
        """
        if len(body) > MAX_BODY:
            raise EncodingError(f"answer of {len(body)} bytes is too large")
        got_round, signature = drand.parse_drand_json(body)
        if got_round != round:
            raise EncodingError(f"answered round {got_round} for round {round}")
        drand.verify_round(self.chain, round, signature)
        return signature


def _iso(unix_time: int) -> str:
    return datetime.fromtimestamp(unix_time, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _summary(problems: dict[str, str]) -> str:
    return "; ".join(f"{relay}: {why}" for relay, why in problems.items()) or "no relay"
