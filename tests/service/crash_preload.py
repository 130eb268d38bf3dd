"""Imported by the crash tests' forkserver: load the service and warm py-ecc's caches once.

Every worker forked from the server then starts with the modules imported and the drand
public key already decompressed, so a restart costs milliseconds.
"""

from __future__ import annotations

from lottery.demo.recorded import quicknet_verify_sample
from tests.service import crash_worker  # noqa: F401 - imported for its side effect: loaded

quicknet_verify_sample()
