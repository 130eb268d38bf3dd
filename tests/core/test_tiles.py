"""C2SP tlog-tiles: paths, tile sets from the spec's examples, bundles, readers, growth."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lottery.core.errors import EncodingError, InputError, VerificationError
from lottery.core.merkle import EMPTY_ROOT, MerkleTree, leaf_hash, root_from_leaf_hashes
from lottery.core.tiles import (
    Tile,
    build_entry_bundles,
    build_tiles,
    check_tiles,
    decode_entry_bundle,
    encode_entry_bundle,
    entries_from_bundles,
    entries_path,
    entry_bundles_to_write,
    leaf_hashes_from_tiles,
    parse_tile_path,
    root_from_tiles,
    tile_path,
    tiles_added,
    tiles_for_size,
    tiles_needed_for_root,
    tiles_to_write,
)


def _entries(n: int) -> list[bytes]:
    return [i.to_bytes(4, "big") for i in range(n)]


_TREES: dict[int, MerkleTree] = {}


def _tree(n: int) -> MerkleTree:
    if n not in _TREES:
        _TREES[n] = MerkleTree.from_entries(_entries(n))
    return _TREES[n]


# --- paths (examples from c2sp.org/tlog-tiles) ------------------------------------------------


def test_spec_index_encoding() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(0, 1234067, 12) == "tile/0/x001/x234/067.p/12"
    assert tile_path(3, 0) == "tile/3/000"
    assert tile_path(1, 1000, 255) == "tile/1/x001/000.p/255"
    assert tile_path(63, 5) == "tile/63/005"
    assert entries_path(1234067) == "tile/entries/x001/x234/067"
    assert entries_path(0, 1) == "tile/entries/000.p/1"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ((64, 0), "level"),
        ((-1, 0), "level"),
        ((0, -1), "index"),
        ((0, 0, 0), "width"),
        ((0, 0, 257), "width"),
    ],
)
def test_tile_path_rejects(args: tuple[int, ...], problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        tile_path(*args)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/x001/x234/067",
        "tile/0/x001/x234/067.p/12",
        "tile/entries/000",
        "tile/7/999.p/255",
        "tile/entries/x005/000.p/3",
        "tile/63/000",
    ],
)
def test_parse_tile_path_round_trip(path: str) -> None:
    level, index, width = parse_tile_path(path)
    again = entries_path(index, width) if level is None else tile_path(level, index, width)
    assert again == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/5",
        "tile/0/x000/005",
        "tile/00/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/012",
        "tile/64/000",
        "tile/0/x1/000",
        "tile/0/000/",
        "tiles/0/000",
        "tile/0/000.p/",
        "tile/-1/000",
        "tile/entries/000.p/999",
        "tile/0/001/002",
    ],
)
def test_parse_tile_path_rejects(path: str) -> None:
    with pytest.raises(EncodingError):
        parse_tile_path(path)


# --- which tiles exist --------------------------------------------------------------------------


def test_spec_example_size_70000() -> None:
    # "273 full level 0 tiles, one partial level 0 tile of width 112, one full level 1 tile,
    # one partial level 1 tile of width 17, and one partial level 2 tile of width 1."
    tiles = tiles_for_size(70_000)
    level0 = [t for t in tiles if t.level == 0]
    assert [t for t in level0 if t.width == 256] == [Tile(0, i, 256) for i in range(273)]
    assert [t for t in level0 if t.width < 256] == [Tile(0, 273, 112)]
    assert [t for t in tiles if t.level > 0] == [Tile(1, 0, 256), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert tiles_needed_for_root(70_000) == [
        "tile/0/273.p/112",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ]


def test_spec_example_size_256() -> None:
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile
    # of width 1."
    assert tiles_for_size(256) == [Tile(0, 0, 256), Tile(1, 0, 1)]
    assert tiles_for_size(0) == []


def test_growth_writes_only_new_tiles() -> None:
    assert tiles_added(256, 256) == []
    assert tiles_added(255, 256) == [Tile(0, 0, 256), Tile(1, 0, 1)]
    assert tiles_added(256, 257) == [Tile(0, 1, 1)]  # level 1 unchanged: still one full subtree
    assert tiles_added(300, 600) == [Tile(0, 1, 256), Tile(0, 2, 88), Tile(1, 0, 2)]
    with pytest.raises(InputError):
        tiles_added(5, 4)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=6))
def test_incremental_writes_match_a_full_build(steps: list[int]) -> None:
    sizes = sorted(steps)
    tree = _tree(3000)
    published: dict[str, bytes] = {}
    old = 0
    for size in sizes:
        written = tiles_to_write(old, size, tree)
        for path, data in written.items():
            # A full tile is written once; a partial tile path is new when its width is new.
            assert published.get(path, data) == data
            assert path not in published
        published.update(written)
        old = size
    full = build_tiles([tree.leaf_hash(i) for i in range(sizes[-1])], sizes[-1])
    assert all(published[p] == data for p, data in full.items())


# --- tile contents ------------------------------------------------------------------------------


def test_tile_contents_follow_the_spec_formula() -> None:
    n = 256 * 256 + 256 * 3 + 5
    tree = _tree(n)
    hashes = [tree.leaf_hash(i) for i in range(n)]
    tiles = build_tiles(hashes, n)
    assert tiles["tile/0/000"] == b"".join(hashes[:256])
    assert tiles["tile/0/259.p/5"] == b"".join(hashes[259 * 256 :])
    # Level 1: MTH(D[(n*256 + i) * 256 : (n*256 + i + 1) * 256]).
    expected = [root_from_leaf_hashes(hashes[i * 256 : (i + 1) * 256]) for i in range(256 + 3)]
    assert tiles["tile/1/000"] == b"".join(expected[:256])
    assert tiles["tile/1/001.p/3"] == b"".join(expected[256:])
    assert tiles["tile/2/000.p/1"] == root_from_leaf_hashes(hashes[:65536])
    assert len(tiles["tile/0/000"]) == 8192


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 512, 65535, 65536, 65537, 70_000])
def test_root_and_leaves_from_tiles(size: int) -> None:
    tree = _tree(size)
    tiles = tiles_to_write(0, size, tree)
    assert root_from_tiles(size, tiles.__getitem__) == tree.root()
    assert leaf_hashes_from_tiles(size, tiles.__getitem__) == [
        tree.leaf_hash(i) for i in range(size)
    ]
    assert check_tiles(size, tree.root(), tiles.__getitem__).root() == tree.root()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 3000))
def test_tiles_rebuild_the_same_root_as_the_tree(size: int) -> None:
    tree = _tree(3000)
    tiles = tiles_to_write(0, size, tree)
    # Reading only the partial tiles of a size gives that size's root, even from a bigger log.
    fetched: list[str] = []

    def get(path: str) -> bytes:
        fetched.append(path)
        return tiles[path]

    assert root_from_tiles(size, get) == tree.root(size)
    assert fetched == tiles_needed_for_root(size)


def test_empty_tree() -> None:
    nothing: dict[str, bytes] = {}
    assert root_from_tiles(0, nothing.__getitem__) == EMPTY_ROOT
    assert leaf_hashes_from_tiles(0, nothing.__getitem__) == []
    assert build_tiles([], 0) == {}


def test_wrong_tile_length_is_an_encoding_error() -> None:
    tiles = build_tiles([leaf_hash(e) for e in _entries(300)], 300)
    tiles["tile/0/001.p/44"] = tiles["tile/0/001.p/44"][:-1]
    with pytest.raises(EncodingError, match=r"tile/0/001\.p/44"):
        root_from_tiles(300, tiles.__getitem__)
    with pytest.raises(EncodingError, match="expected 1408"):
        leaf_hashes_from_tiles(300, tiles.__getitem__)


def test_check_tiles_detects_tampering() -> None:
    tree = _tree(600)
    tiles = tiles_to_write(0, 600, tree)
    forged = dict(tiles)
    forged["tile/1/000.p/2"] = bytes(64)
    with pytest.raises(VerificationError) as info:
        check_tiles(600, tree.root(), forged.__getitem__)
    assert info.value.check == "tiles.hash"
    forged = dict(tiles)
    leaf_tile = bytearray(forged["tile/0/000"])
    leaf_tile[0] ^= 1
    forged["tile/0/000"] = bytes(leaf_tile)
    with pytest.raises(VerificationError) as info:
        check_tiles(600, tree.root(), forged.__getitem__)
    assert info.value.check == "tiles.root"


def test_build_tiles_needs_enough_leaves() -> None:
    with pytest.raises(InputError):
        build_tiles([leaf_hash(b"")], 2)
    with pytest.raises(InputError):
        tiles_to_write(0, 5, _tree(4))


# --- entry bundles ------------------------------------------------------------------------------


def test_entry_bundle_encoding() -> None:
    assert encode_entry_bundle([b"", b"a", b"bc"]) == bytes.fromhex("000000016100026263")
    assert decode_entry_bundle(bytes.fromhex("0000000161")) == [b"", b"a"]
    big = b"x" * 65535
    assert decode_entry_bundle(encode_entry_bundle([big]), count=1) == [big]


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ([b"x" * 65536], "65535"),
        ([], "number of entries"),
        ([b""] * 257, "at most 256"),
        (["text"], "bytes"),
    ],
)
def test_entry_bundle_encoding_rejects(entries: list[bytes], problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        encode_entry_bundle(entries)


@pytest.mark.parametrize(
    ("data", "count", "problem"),
    [
        (b"", None, "non-empty"),
        (b"\x00", None, "length of entry 0"),
        (b"\x00\x02a", None, "truncated in entry 0"),
        (b"\x00\x01a\x00", None, "length of entry 1"),
        (b"\x00\x01a", 2, "expected 2"),
        (b"\x00\x00" * 257, None, "more than 256"),
    ],
)
def test_entry_bundle_decoding_is_strict(data: bytes, count: int | None, problem: str) -> None:
    with pytest.raises(EncodingError, match=problem):
        decode_entry_bundle(data, count=count)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=256))
def test_entry_bundle_round_trip(entries: list[bytes]) -> None:
    assert decode_entry_bundle(encode_entry_bundle(entries), count=len(entries)) == entries


def test_entry_bundles_of_a_log() -> None:
    entries = [bytes([i % 251]) * (i % 7) for i in range(600)]
    bundles = build_entry_bundles(entries, 600)
    assert sorted(bundles) == ["tile/entries/000", "tile/entries/001", "tile/entries/002.p/88"]
    assert entries_from_bundles(600, bundles.__getitem__) == entries
    assert entry_bundles_to_write(513, 600, entries) == {
        "tile/entries/002.p/88": bundles["tile/entries/002.p/88"]
    }
    # Each bundle's entries hash to the matching level-0 tile.
    tiles = build_tiles([leaf_hash(e) for e in entries], 600)
    for path in ["000", "001"]:
        decoded = decode_entry_bundle(bundles[f"tile/entries/{path}"], count=256)
        assert b"".join(leaf_hash(e) for e in decoded) == tiles[f"tile/0/{path}"]
    broken = dict(bundles)
    broken["tile/entries/001"] = bundles["tile/entries/001"][:-1]
    with pytest.raises(EncodingError, match="tile/entries/001"):
        entries_from_bundles(600, broken.__getitem__)
    with pytest.raises(InputError):
        build_entry_bundles(entries, 601)
