"""The C2SP tlog-tiles static layout (https://c2sp.org/tlog-tiles), tile height 8.

A log of ``size`` entries is published as static files:

- ``tile/<L>/<N>``: full hash tiles, 256 hashes of 32 bytes (8,192 bytes). At level 0 the
  hashes are leaf hashes; at level ``L`` the ``i``-th hash is the Merkle Tree Hash of the
  complete subtree of ``256**L`` leaves number ``i`` (RFC 6962 section 2.1).
- ``tile/<L>/<N>.p/<W>``: the rightmost, partial tile of a level, ``W`` in 1..255 hashes.
- ``tile/entries/<N>[.p/<W>]``: entry bundles, the entries of the matching level-0 tile, each
  as a big-endian uint16 length and the entry bytes.

``<N>`` is written in zero-padded 3-digit path elements, all but the last prefixed with ``x``
(index 1234067 is ``x001/x234/067``). Full tiles never change; a growing log writes the newly
completed full tiles and new partial tiles (which have new paths), see :func:`tiles_to_write`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .check_names import CheckName
from .errors import EncodingError, InputError, VerificationError
from .merkle import EMPTY_ROOT, HASH_SIZE, MerkleTree, node_hash, root_from_leaf_hashes

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes in a full tile
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF

_INDEX_PATH = re.compile(r"(?:x[0-9]{3}/)*[0-9]{3}")
_TILE_PATH = re.compile(r"tile/(entries|0|[1-9][0-9]?)/([x0-9/]+?)(?:\.p/([1-9][0-9]{0,2}))?")

Getter = Callable[[str], bytes]
"""Fetches a published file by its path (``tile/...``); its exceptions propagate."""


def _check_int(value: object, low: int, high: int | None, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InputError(f"{what} must be an integer >= {low}, got {value!r}")
    if high is not None and value > high:
        raise InputError(f"{what} must be at most {high}, got {value!r}")
    return value


def _index_path(index: int) -> str:
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def _suffix(width: int) -> str:
    width = _check_int(width, 1, TILE_WIDTH, "tile width")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """Return the path of a hash tile, e.g. ``tile/0/x001/x234/067`` or ``tile/1/000.p/12``.

    Raises:
        InputError: for a level outside 0..63, a negative index or a width outside 1..256.
    """
    level = _check_int(level, 0, MAX_LEVEL, "tile level")
    index = _check_int(index, 0, None, "tile index")
    return f"tile/{level}/{_index_path(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """Return the path of an entry bundle, e.g. ``tile/entries/000.p/3``.

    Raises:
        InputError: for a negative index or a width outside 1..256.
    """
    index = _check_int(index, 0, None, "bundle index")
    return f"tile/entries/{_index_path(index)}{_suffix(width)}"


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """Parse a tile or entry-bundle path into ``(level, index, width)``.

    ``level`` is None for an entry bundle; ``width`` is 256 for a full tile.

    Raises:
        EncodingError: when the path is not in the exact form this layout produces.
    """
    match = _TILE_PATH.fullmatch(path) if isinstance(path, str) else None
    if match is None or not _INDEX_PATH.fullmatch(match.group(2)):
        raise EncodingError(f"not a tile path: {path!r}")
    kind, digits, width_text = match.groups()
    level = None if kind == "entries" else int(kind)
    index = int(digits.replace("x", "").replace("/", ""))
    width = int(width_text) if width_text else TILE_WIDTH
    if (level is not None and level > MAX_LEVEL) or (width_text and width >= TILE_WIDTH):
        raise EncodingError(f"not a tile path: {path!r}")
    canonical = entries_path(index, width) if level is None else tile_path(level, index, width)
    if canonical != path:
        raise EncodingError(f"tile path is not canonical: {path!r} (expected {canonical!r})")
    return level, index, width


@dataclass(frozen=True)
class Tile:
    """One hash tile of a tree: its level, index within the level and width (1..256)."""

    level: int
    index: int
    width: int

    @property
    def path(self) -> str:
        """The tile's path."""
        return tile_path(self.level, self.index, self.width)


def _level_count(size: int, level: int) -> int:
    """Number of complete ``256**level``-leaf subtrees in a tree of ``size`` leaves."""
    return size >> (TILE_HEIGHT * level)


def tiles_added(old_size: int, new_size: int) -> list[Tile]:
    """Return the tiles of the tree of ``new_size`` that the tree of ``old_size`` lacked.

    These are the full tiles completed since ``old_size`` and the new partial tiles; a tile
    already published for ``old_size`` is never listed again (same path, same bytes).

    Raises:
        InputError: unless ``0 <= old_size <= new_size``.
    """
    new_size = _check_int(new_size, 0, None, "tree size")
    old_size = _check_int(old_size, 0, new_size, "old tree size")
    tiles: list[Tile] = []
    level = 0
    while (count := _level_count(new_size, level)) > 0:
        old_count = _level_count(old_size, level)
        for index in range(old_count // TILE_WIDTH, count // TILE_WIDTH):
            tiles.append(Tile(level, index, TILE_WIDTH))
        if count % TILE_WIDTH and count != old_count:
            tiles.append(Tile(level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return tiles


def tiles_for_size(size: int) -> list[Tile]:
    """Return every tile (full and final partial, at every level) of a tree of ``size``.

    Raises:
        InputError: for a negative size.
    """
    return tiles_added(0, size)


def tiles_needed_for_root(size: int) -> list[str]:
    """Return the paths of the tiles :func:`root_from_tiles` reads: each level's partial tile.

    Raises:
        InputError: for a negative size.
    """
    return [t.path for t in tiles_for_size(size) if t.width < TILE_WIDTH]


def tiles_to_write(old_size: int, new_size: int, tree: MerkleTree) -> dict[str, bytes]:
    """Return path -> bytes of the tiles to publish when the log grows to ``new_size``.

    Raises:
        InputError: unless ``0 <= old_size <= new_size <= tree.size``.
    """
    if new_size > tree.size:
        raise InputError(f"tree has {tree.size} leaves, fewer than {new_size}")
    out: dict[str, bytes] = {}
    for t in tiles_added(old_size, new_size):
        start = t.index * TILE_WIDTH
        out[t.path] = tree.level_hashes(TILE_HEIGHT * t.level, start, start + t.width)
    return out


def build_tiles(leaf_hashes: Sequence[bytes], size: int) -> dict[str, bytes]:
    """Return path -> bytes of every tile of the tree of the first ``size`` leaf hashes.

    Raises:
        InputError: when there are fewer than ``size`` leaf hashes or one is not 32 bytes.
    """
    size = _check_int(size, 0, len(leaf_hashes), "tree size")
    return tiles_to_write(0, size, MerkleTree.from_leaf_hashes(leaf_hashes[:size]))


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Encode 1 to 256 entries, each as a big-endian uint16 length and its bytes.

    Raises:
        InputError: for no entries, more than 256, or an entry over 65,535 bytes.
    """
    _check_int(len(entries), 1, TILE_WIDTH, "number of entries in a bundle")
    out = bytearray()
    for i, entry in enumerate(entries):
        if not isinstance(entry, bytes) or len(entry) > MAX_ENTRY_SIZE:
            raise InputError(f"entry {i} must be bytes of at most {MAX_ENTRY_SIZE} bytes")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def decode_entry_bundle(data: bytes, *, count: int | None = None) -> list[bytes]:
    """Decode an entry bundle strictly; with ``count``, require exactly that many entries.

    Raises:
        EncodingError: for an empty bundle, a truncated entry, more than 256 entries, or a
            count other than ``count``.
    """
    if not isinstance(data, bytes) or not data:
        raise EncodingError("an entry bundle must be non-empty bytes")
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise EncodingError(f"entry bundle truncated in the length of entry {len(entries)}")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if pos + 2 + length > len(data):
            raise EncodingError(f"entry bundle truncated in entry {len(entries)}")
        entries.append(data[pos + 2 : pos + 2 + length])
        pos += 2 + length
        if len(entries) > TILE_WIDTH:
            raise EncodingError(f"entry bundle holds more than {TILE_WIDTH} entries")
    if count is not None and len(entries) != count:
        raise EncodingError(f"entry bundle holds {len(entries)} entries, expected {count}")
    return entries


def entry_bundles_to_write(
    old_size: int, new_size: int, entries: Sequence[bytes]
) -> dict[str, bytes]:
    """Return path -> bytes of the entry bundles to publish when the log grows to ``new_size``.

    Raises:
        InputError: unless ``0 <= old_size <= new_size <= len(entries)``, or for an entry over
            65,535 bytes.
    """
    new_size = _check_int(new_size, 0, len(entries), "tree size")
    out: dict[str, bytes] = {}
    for t in tiles_added(old_size, new_size):
        if t.level == 0:
            start = t.index * TILE_WIDTH
            out[entries_path(t.index, t.width)] = encode_entry_bundle(
                entries[start : start + t.width]
            )
    return out


def build_entry_bundles(entries: Sequence[bytes], size: int) -> dict[str, bytes]:
    """Return path -> bytes of every entry bundle of a log of the first ``size`` entries.

    Raises:
        InputError: when there are fewer than ``size`` entries or one is over 65,535 bytes.
    """
    return entry_bundles_to_write(0, size, entries)


# --- readers ---------------------------------------------------------------------------------


def _split_hashes(get: Getter, path: str, width: int) -> list[bytes]:
    data = get(path)
    if not isinstance(data, bytes) or len(data) != width * HASH_SIZE:
        got = len(data) if isinstance(data, bytes) else type(data).__name__
        raise EncodingError(f"tile {path} is {got} bytes, expected {width * HASH_SIZE}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def root_from_tiles(size: int, get: Getter) -> bytes:
    """Compute the root hash of the tree of ``size`` leaves from its partial tiles.

    Compare the result with a verified checkpoint's root hash.

    Raises:
        InputError: for a negative size.
        EncodingError: when a tile does not have the length its path implies.
    """
    size = _check_int(size, 0, None, "tree size")
    if size == 0:
        return EMPTY_ROOT
    partial = {
        t.level: _split_hashes(get, t.path, t.width)
        for t in tiles_for_size(size)
        if t.width < TILE_WIDTH
    }
    # The tree is the right fold of complete subtrees, one per set bit of size (largest
    # first); a subtree of height b is 2**(b - 8L) hashes of the level-L partial tile.
    used = dict.fromkeys(partial, 0)
    pieces: list[bytes] = []
    for bit in range(size.bit_length() - 1, -1, -1):
        if (size >> bit) & 1:
            level, count = bit // TILE_HEIGHT, 1 << (bit % TILE_HEIGHT)
            chunk = partial[level][used[level] : used[level] + count]
            used[level] += count
            pieces.append(root_from_leaf_hashes(chunk))
    root = pieces[-1]
    for piece in reversed(pieces[:-1]):
        root = node_hash(piece, root)
    return root


def leaf_hashes_from_tiles(size: int, get: Getter) -> list[bytes]:
    """Read all leaf hashes of the tree of ``size`` leaves from its level-0 tiles.

    Raises:
        InputError: for a negative size.
        EncodingError: when a tile does not have the length its path implies.
    """
    size = _check_int(size, 0, None, "tree size")
    hashes: list[bytes] = []
    for t in tiles_for_size(size):
        if t.level == 0:
            hashes.extend(_split_hashes(get, t.path, t.width))
    return hashes


def entries_from_bundles(size: int, get: Getter) -> list[bytes]:
    """Read all entries of a log of ``size`` entries from its entry bundles.

    Raises:
        InputError: for a negative size.
        EncodingError: when a bundle is malformed or holds the wrong number of entries.
    """
    return [entry for _, entry in entries_from(0, size, get)]


def entries_from(start: int, size: int, get: Getter) -> list[tuple[int, bytes]]:
    """The entries with index ``start..size-1`` and their indexes, reading only the bundles
    that hold them.

    Raises:
        InputError: for a negative size.
        EncodingError: when a bundle is malformed or holds the wrong number of entries.
    """
    size = _check_int(size, 0, None, "tree size")
    found: list[tuple[int, bytes]] = []
    for t in tiles_for_size(size):
        first = t.index * TILE_WIDTH
        if t.level != 0 or first + t.width <= start:
            continue
        path = entries_path(t.index, t.width)
        try:
            bundle = decode_entry_bundle(get(path), count=t.width)
        except EncodingError as exc:
            raise EncodingError(f"{path}: {exc}") from exc
        found += [(first + i, e) for i, e in enumerate(bundle) if first + i >= start]
    return found


def check_tiles(size: int, root: bytes, get: Getter) -> MerkleTree:
    """Check every tile of the tree of ``size`` leaves against ``root``; return the tree.

    The level-0 tiles must hash to ``root`` and every higher tile must hold exactly the
    subtree hashes computed from them.

    Raises:
        EncodingError: when a tile does not have the length its path implies.
        VerificationError: ``tiles.root`` when the leaves do not give ``root``, ``tiles.hash``
            when a higher tile does not match the leaves.
    """
    tree = MerkleTree.from_leaf_hashes(leaf_hashes_from_tiles(size, get))
    if tree.root() != root:
        raise VerificationError(
            CheckName.TILES_ROOT,
            f"the level-0 tiles of tree {size} do not hash to the expected root",
        )
    for t in tiles_for_size(size):
        if t.level > 0:
            start = t.index * TILE_WIDTH
            if get(t.path) != tree.level_hashes(TILE_HEIGHT * t.level, start, start + t.width):
                raise VerificationError(
                    CheckName.TILES_HASH, f"tile {t.path} does not match the leaves"
                )
    return tree
