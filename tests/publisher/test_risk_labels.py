"""The item list's own names for the risk classes (``risk_rules.labels``, e.g. 河南's
低/中/中高/高) on the site: strata, ratios, company pages and the lookup show them with the
code; a task's pages use the labels of the item-list version it cites (docs/site.md)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from publisher.model import load_model
from publisher.names import Places, regions_json
from publisher.target_pages import collect, target_pages
from publisher.task_pages import task_page
from tests.publisher.factory import build_export

HENAN = {"A": "低", "B": "中", "C": "中高", "D": "高"}


def test_the_site_names_the_classes_as_the_item_list_does(tmp_path: Path) -> None:
    built = build_export(
        tmp_path / "export", tasks=3, targets=300, pool=120, results=2, labels=HENAN
    )
    model = load_model(built.export)
    places = model.places()
    assert places.risk("D") == "高（D类）" and places.risk("E") == "E"
    lookup = json.loads(regions_json(places))
    assert lookup["risks"] == {c: f"{w}（{c}类）" for c, w in HENAN.items()}
    # A task's pages use the version it cites: version 1 sets no labels, version 2 does.
    assert (
        model.task_places({"items": [{"code": "RF-01", "version": 1}]}).risk("A") == "低风险（A类）"
    )
    assert model.task_places({"items": [{"code": "RF-03", "version": 2}]}).risk("A") == "低（A类）"
    shown = 0
    for view in model.tasks.values():  # the factory's tasks cite no item: the latest version's
        text = task_page(model, view)
        assert "低（A类） 10%" in text and "低风险（A类）" not in text
        outcome = view.verification.outcome if view.verification else None
        for key, _ in outcome.strata if outcome else []:
            region, risk = key.split("|")
            assert f"{places.region(region)} · {HENAN[risk]}（{risk}类）" in html.unescape(text)
            shown += 1
    assert shown
    pages = {t: page.body for t, page in target_pages(model, collect(model)).items()}
    drawn = [p for p in pages.values() if "分层代码" in p]
    assert drawn and all(re.search(r"(低|中|中高|高)（[ABCD]类）", p) for p in drawn)
    assert not any(re.search(r"(低|一般|较高|高)风险（[ABCD]类）", p) for p in pages.values())


def test_a_label_is_text() -> None:
    places = Places({"419901": "云台区"}, {"D": '<b onclick="x">高</b>'})
    cell = str(places.stratum("419901|D"))
    assert "<b" not in cell and 'onclick="' not in cell
    assert (
        html.unescape(re.sub(r"<span[^>]*>|</span>", "", cell)) == '云台区 · <b onclick="x">高</b>'
    )
