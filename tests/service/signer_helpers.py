"""The office's signer process in a thread on a socket under ``tmp_path`` (tests only)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lottery.service.signer_server import OfficeKeyHolder, SignerServer


@contextmanager
def running_signer(data_dir: Path, socket: Path) -> Iterator[SignerServer]:
    """``lottery signer serve --data-dir data_dir --socket socket``, in a thread."""
    server = SignerServer(socket, OfficeKeyHolder(data_dir))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
