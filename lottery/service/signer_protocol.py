"""The wire format between the service and the office's signer process (docs/deploy.md,
"The signer").

One request and one answer per connection, each a **length-prefixed JSON object**: four bytes
of length (big-endian, unsigned) then that many bytes of UTF-8 JSON. Requests name an ``op``:

- ``{"op": "public-key"}`` -> ``{"ok": true, "vkey": ..., "archived": [vkey, ...]}``;
- ``{"op": "probe", "nonce": <32 hex digits>}`` -> ``{"ok": true, "signature": <base64>}``
  over ``PROBE_PREFIX + nonce + "\\n"`` (two lines: neither a record nor a checkpoint);
- ``{"op": "state"}`` -> ``{"ok": true, "size": n}``: the size of the last checkpoint the signer
  signed (0: none yet);
- ``{"op": "record", "text": <record text>}`` -> ``{"ok": true, "note": <signed note>}``;
- ``{"op": "checkpoint", "text": <checkpoint text>, "old_size": n, "proof": [<base64>...]}``
  -> ``{"ok": true, "note": ...}``: ``proof`` is the consistency proof from the signer's
  last checkpoint (size ``old_size``) to the new one.

On the admin socket only (key rotation, :mod:`.signer_server`): ``rotate-begin`` (``reason``,
``time``), ``checkpoint`` with ``"cosign": true``, ``rotate-finish`` (``vkey``, ``index``,
``proof``: the inclusion proof of the key-change record in the last checkpoint signed) and
``rotate-abort``; the service's socket refuses them.

A refusal is ``{"ok": false, "error": <English sentence>}``; a checkpoint whose ``old_size``
is no longer the signer's last size also carries ``"retry": true`` (ask ``state`` again).
Texts are JSON strings (records and checkpoints are UTF-8 text); nothing in either direction
is ever a private key.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

MAX_MESSAGE = 8 * 1024 * 1024
"""The largest message either side accepts (a record text is far smaller)."""
PROBE_PREFIX = b"lottery signer probe\n"
"""What a readiness probe signs, before the nonce line: never a record or a checkpoint."""

_LENGTH = struct.Struct(">I")


class ProtocolError(Exception):
    """A message that is not a length-prefixed JSON object of acceptable size."""


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = sock.recv(min(left, 65536))
        if not chunk:
            raise ProtocolError("the connection closed in the middle of a message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(sock: socket.socket) -> dict[str, Any]:
    """Read one message.

    Raises:
        ProtocolError: a short read, a length over :data:`MAX_MESSAGE`, or not a JSON object.
        OSError: the socket failed (or timed out).
    """
    (size,) = _LENGTH.unpack(_read_exactly(sock, _LENGTH.size))
    if size > MAX_MESSAGE:
        raise ProtocolError(f"a message of {size} bytes is larger than {MAX_MESSAGE}")
    try:
        value = json.loads(_read_exactly(sock, size).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError("a message is not UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise ProtocolError("a message must be a JSON object")
    return value


def write_message(sock: socket.socket, message: dict[str, Any]) -> None:
    """Send one message.

    Raises:
        ProtocolError: when it is larger than :data:`MAX_MESSAGE`.
        OSError: the socket failed.
    """
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_MESSAGE:
        raise ProtocolError(f"a message of {len(data)} bytes is larger than {MAX_MESSAGE}")
    sock.sendall(_LENGTH.pack(len(data)) + data)
