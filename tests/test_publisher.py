"""The publisher: a site built from the export alone, in Chinese, without secrets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lottery.demo import run_demo
from publisher.build import build_site
from publisher.model import PublishError


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


def test_site_carries_no_secrets(demo: tuple[Path, Path, Path]) -> None:
    root, _, site = demo
    everything = b"".join(p.read_bytes() for p in site.rglob("*") if p.is_file())
    private_key = (root / "private" / "office.key").read_text().strip()
    assert private_key.split("+")[-1].encode() not in everything
    for sealed in ("T2026-002", "T2026-004"):
        secret = (root / "private" / f"{sealed}.secret").read_text().strip()
        assert secret.encode() not in everything
    assert b'"task":"T2026-002","teams"' not in everything


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
