"""The publisher: a site built from the export alone, in Chinese, without secrets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lottery.core.beacon import beacon_value_bytes, beacon_value_from_dict
from lottery.core.draw import compute_outcome
from lottery.core.outcome import decode_team_input
from lottery.core.pool import decode_pool
from lottery.demo import run_demo
from publisher.build import build_site
from publisher.model import PublishError, load_model


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("publisher")
    export, _ = run_demo(root / "demo")
    site = root / "site"
    build_site(export, site, work=root / "work")
    return root / "demo", export, site


def test_site_pages(demo: tuple[Path, Path, Path]) -> None:
    _, _, site = demo
    home = (site / "index.html").read_text("utf-8")
    assert "双随机、一公开" in home and "T2026-001" in home
    disclosed = (site / "tasks" / "T2026-001" / "index.html").read_text("utf-8")
    assert "已公开" in disclosed and "检查组" in disclosed and "draw.selection" in disclosed
    sealed = (site / "tasks" / "T2026-002" / "index.html").read_text("utf-8")
    assert "结果封存" in sealed and "检查组" not in sealed
    cancelled = (site / "tasks" / "T2026-003" / "index.html").read_text("utf-8")
    assert "取消原因" in cancelled and "被取消的抽取结果" in cancelled
    assert (site / "export" / "checkpoint").is_file()


def _sealed_outcomes(root: Path, export: Path) -> list[bytes]:
    """Re-run every sealed draw of the demo with its private secret: what must not leak.

    The demo keeps each task's secret in ``private/`` (never in the export); with it, the
    sealed outcome is recomputed here from the public inputs, so it never has to be written
    anywhere near the site.
    """
    model = load_model(export)
    out = []
    for view in model.tasks.values():
        draw = view.record("task-draw")
        if view.status != "drawn" or draw is None:
            continue
        a = view.announcement
        secret = bytes.fromhex((root / "private" / f"{view.task}.secret").read_text().strip())
        result = compute_outcome(
            bytes.fromhex(draw.body["announcement"]),
            decode_pool(model.get(f"blobs/{a['pool']['sha256']}")),
            decode_team_input(model.get(f"blobs/{a['inspector_pool']['sha256']}")),
            a["team_size"],
            a["cap"],
            beacon_value_bytes(beacon_value_from_dict(draw.body["beacon_value"])),
            secret,
            bytes.fromhex(a["commit"]),
        )
        assert result.outcome_sha256 == draw.body["outcome"]  # really the sealed outcome
        out += [result.outcome_blob, result.seed.hex().encode(), secret.hex().encode()]
        out += [p.ticket.hex()[:16].encode() for _, picks in result.selection for p in picks]
    return out


def test_site_carries_no_secrets(demo: tuple[Path, Path, Path]) -> None:
    root, export, site = demo
    forbidden = [(root / "private" / "office.key").read_text().strip().split("+")[-1].encode()]
    for announced in ("T2026-004",):
        forbidden.append((root / "private" / f"{announced}.secret").read_text().strip().encode())
    sealed = _sealed_outcomes(root, export)
    assert sealed, "the demo has a sealed task"
    forbidden += sealed
    for base in (site, export):
        for path in (p for p in base.rglob("*") if p.is_file()):
            data = path.read_bytes()
            for needle in forbidden:
                assert needle not in data, f"{needle[:40]!r} found in {path}"


def test_chinese_search_finds_a_mid_sentence_word(demo: tuple[Path, Path, Path]) -> None:
    _, _, site = demo
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    text = " ".join(doc["text"] + " " + doc["title"] for doc in index["docs"])
    # Material segments Chinese with jieba at build time, separating words with U+200B; the
    # word "监理" sits inside "人防工程监理单位抽查" and must come out as a token of its own.
    tokens = set(text.replace("\u200b", " ").split())
    assert "监理" in tokens
    assert "人防工程监理单位抽查" not in tokens


def test_nothing_loads_from_outside(demo: tuple[Path, Path, Path]) -> None:
    _, _, site = demo
    for page in site.rglob("*.html"):
        html = page.read_text("utf-8")
        assert "fonts.googleapis" not in html
        assert 'src="http' not in html and 'href="https://cdn' not in html


def test_refuses_an_export_that_does_not_verify(
    demo: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, export, _ = demo
    bad = tmp_path / "export"
    shutil.copytree(export, bad)
    tile = next(p for p in (bad / "tile" / "0").rglob("*") if p.is_file())
    tile.write_bytes(b"\x00" + tile.read_bytes()[1:])
    with pytest.raises(PublishError, match="does not verify"):
        build_site(bad, tmp_path / "site", work=tmp_path / "work")
