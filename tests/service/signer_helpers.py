"""The office's signer process in a thread on a socket under ``tmp_path`` (tests only)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from lottery.service.signer_server import OfficeKeyHolder, SignerServer


@contextmanager
def _serving(server: SignerServer) -> Iterator[SignerServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def running_signer(
    data_dir: Path, socket: Path, *, first_log: bool = False, admin: Path | None = None
) -> Iterator[SignerServer]:
    """``lottery signer serve --data-dir data_dir --socket socket [--first-log]
    [--admin-socket admin]``, in threads (the admin socket only when ``admin`` is given)."""
    holder = OfficeKeyHolder(data_dir, first_log=first_log)
    holder.check_can_serve()
    with ExitStack() as stack:
        server = stack.enter_context(_serving(SignerServer(socket, holder)))
        if admin is not None:
            stack.enter_context(_serving(SignerServer(admin, holder, admin=True)))
        yield server
