"""Real ``lottery witness serve`` witnesses for the service tests: each in a thread on a free
port of 127.0.0.1, pinned to the service's office key, its state file in a folder of the test.
Witness keys are TEST-ONLY (fixed seeds: a test picks the first seed, so that the witnesses of
two tests never share a key by accident)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lottery.cli.witness_serve import Witness, make_server
from lottery.core.cosignature import Cosigner
from lottery.service.lifecycle import Lifecycle
from lottery.settings import WitnessConfig

NAMES = ("jiwei", "court", "paper")
# How often a server's loop looks for a shutdown: stopping a witness waits up to this long
# (the standard library's 0.5 s made every test wait 1.5 s for its three witnesses).
_POLL = 0.02


@dataclass
class Running:
    """A witness server in a thread (stop and start it again on the same state file)."""

    witness: Witness
    port: int = 0
    server: object = None

    def start(self) -> None:
        server = make_server(self.witness, "127.0.0.1", self.port, quiet=True)
        self.port = server.server_port
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": _POLL}, daemon=True
        )
        thread.start()
        self.server = server

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()  # type: ignore[attr-defined]
            self.server.server_close()  # type: ignore[attr-defined]
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def witness_cosigner(name: str, seed: int) -> Cosigner:
    """The TEST-ONLY witness key ``<name>.example/w`` made from ``seed`` (0-255)."""
    return Cosigner.from_seed(f"{name}.example/w", bytes([seed]) * 32)


@contextmanager
def running_witnesses(
    service: Lifecycle,
    state_dir: Path,
    first_seed: int,
    clock: Callable[[], int],
    names: Sequence[str] = NAMES,
) -> Iterator[list[Running]]:
    """One started witness a name (keys from ``first_seed`` on, state ``<name>.json`` in
    ``state_dir``, time from ``clock``), pinned to ``service``'s log; all stopped on exit."""
    running: list[Running] = []
    try:
        for i, name in enumerate(names):
            witness = Witness(
                witness_cosigner(name, first_seed + i),
                {service.log.origin: [service.log.verifier]},
                state_dir / f"{name}.json",
                clock,
            )
            running.append(Running(witness))
            running[-1].start()
        yield running
    finally:
        for r in running:
            r.stop()


def witness_configs(
    running: Sequence[Running], names: Sequence[str] = NAMES
) -> list[WitnessConfig]:
    """The service's settings entries for ``running`` (named ``names``, in order)."""
    return [
        WitnessConfig(name=n, url=r.url, vkey=r.witness.cosigner.verifier().vkey)
        for n, r in zip(names, running, strict=True)
    ]
