"""The publisher on the demo: a site built from the export alone, in Chinese, without secrets.

The demo (lottery/demo/city.py) runs on the service, once per run (the ``demo_city`` fixture
of tests/conftest.py, shared with the other demo tests); the synthetic exports of
tests/publisher/ cover each page in detail. Here: the demo's own data reaches the right pages,
Chinese search segments its words, and nothing of a sealed draw (its seed, its tickets) shows.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lottery.demo.city import undisclosed_secrets
from publisher.build import build_site
from publisher.model import PublishError, load_model


@pytest.fixture(scope="module")
def demo(demo_city: Path) -> tuple[Path, Path, Path]:
    """The session's demo city (tests/conftest.py, built once per run and read only): its
    directory, its export and its site. A test that changes a file copies it first."""
    return demo_city, demo_city / "export", demo_city / "site"


def _article(site: Path, path: str) -> str:
    html = (site / path / "index.html").read_text("utf-8")
    return re.sub(r"<[^>]+>", "", html[html.index("<article") : html.index("</article>")])


def test_site_pages(demo: tuple[Path, Path, Path]) -> None:
    _, export, site = demo
    model = load_model(export)
    home = _article(site, "")
    assert "双随机、一公开" in home and "T2026-001" in home
    disclosed = _article(site, "tasks/T2026-001")
    assert "已公开" in disclosed and "检查组" in disclosed and "draw.selection" in disclosed
    # Picked targets carry their names: from the latest targets snapshot, or, for a type
    # the office withheld since (committed pools, T2026-008: every pick of T2026-001), from
    # the snapshot the task was drawn from, which the log published with it.
    latest = model.target_names()
    names = model.task_target_names(model.tasks["T2026-001"].announcement)
    outcome = model.tasks["T2026-001"].verification.outcome  # type: ignore[union-attr]
    assert outcome is not None and latest
    assert all(names[p] in disclosed for p in outcome.picks())
    assert not any(p in latest for p in outcome.picks())
    sealed = _article(site, "tasks/T2026-002")
    assert "结果封存" in sealed and "检查组" not in sealed
    cancelled = _article(site, "tasks/T2026-003")
    assert "取消原因" in cancelled and "被取消的抽取结果" in cancelled
    assert (site / "export" / "checkpoint").is_file()
    # The demo publishes three versions of the item list (the first, the same with its risk
    # rules, the second import) and the three registries.
    assert sorted(model.item_lists) == [1, 2, 3]
    assert "第 1 版" in _article(site, "items") and (site / "items" / "v1" / "index.html").is_file()
    assert set(model.snapshots) == {"targets", "inspectors", "org-units"}
    manifest = json.loads((site / "targets" / "data" / "manifest.json").read_bytes())
    assert manifest["rows"] == len(latest)


def test_sealed_draw_shows_no_seed_or_ticket(demo: tuple[Path, Path, Path]) -> None:
    """The demo's own scan (tests/test_demo_secrets.py) covers keys, secrets and the sealed
    blob; the pages show seeds and ticket prefixes, so those of the sealed draw are checked."""
    root, export, site = demo
    sealed = json.loads(undisclosed_secrets(root)["T2026-002 outcome"])
    needles = [sealed["seed"]] + [
        p["ticket"][:16] for stratum in sealed["strata"] for p in stratum["picks"]
    ]
    assert len(needles) > 5
    for base in (site, export):
        for path in (p for p in base.rglob("*") if p.is_file()):
            data = path.read_bytes()
            assert not any(n.encode() in data for n in needles), path


def test_chinese_search_finds_a_mid_sentence_word(demo: tuple[Path, Path, Path]) -> None:
    _, _, site = demo
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    text = " ".join(doc["text"] + " " + doc["title"] for doc in index["docs"])
    # Material segments Chinese with jieba at build time, separating words with U+200B; the
    # word "监理" sits inside "建设、设计和监理抽查" and "人防工程监理单位履职情况检查".
    tokens = set(re.split(r"[\s\u200b]+", re.sub(r"<[^>]+>", " ", text)))
    assert "监理" in tokens
    assert not any("监理" in t and len(t) > 4 for t in tokens)


def test_refuses_an_export_that_does_not_verify(
    demo: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, export, _ = demo
    bad = tmp_path / "export"
    shutil.copytree(export, bad)
    tile = next(p for p in (bad / "tile" / "0").rglob("*") if p.is_file())
    data = tile.read_bytes()
    tile.write_bytes(bytes([data[0] ^ 1]) + data[1:])  # always a change (a 0 byte was not)
    with pytest.raises(PublishError, match="does not verify"):
        build_site(bad, tmp_path / "site", work=tmp_path / "work")
