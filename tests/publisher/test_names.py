"""Names, not codes (issue #17): districts and risk classes in Chinese, the codes kept.

The rule (docs/site.md, "Names, not codes"): the unit whose ``region`` is the code governs it;
its name without the office suffix and without the parent unit's district prefix is the
district; else the unit's full name and 辖区; else the code.
"""

from __future__ import annotations

import html
import json
import re

from publisher.model import load_model
from publisher.names import Places, district_name, region_names, risk_label
from publisher.snapshot import decode_snapshot, encode_snapshot
from tests.publisher.conftest import BuiltSite

CITY = ("RFB-CITY", "青岚市人民防空办公室", "市级", "", "")


def _units(*rows: tuple[str, ...]) -> Places:
    return Places(region_names(decode_snapshot(encode_snapshot("org-units", rows), "org-units")))


def test_a_district_is_its_unit_s_name_without_suffix_and_parent_prefix() -> None:
    places = _units(
        CITY,
        ("RFB-419901", "青岚市云台区人民防空办公室", "县级", "RFB-CITY", "419901"),
        ("RFB-419902", "青岚市望江县人防办", "县级", "RFB-CITY", "419902"),
        ("RFB-419903", "临川区人防大队", "县级", "RFB-CITY", "419903"),
        ("RFB-419904", "人民防空办公室", "县级", "RFB-CITY", "419904"),
    )
    assert places.region("419901") == "云台区"
    assert places.region("419902") == "望江县"
    assert places.region("419903") == "临川区人防大队辖区"  # no office suffix: full name + 辖区
    assert places.region("419904") == "人民防空办公室辖区"  # nothing left once it is taken off
    assert places.region("419999") == "419999"  # no unit governs it: the code
    assert places.region_with_code("419901") == "云台区（419901）"
    assert places.region_with_code("419999") == "419999"
    assert district_name("青岚市人民防空办公室") == "青岚市"


def test_the_top_most_unit_of_a_district_names_it() -> None:
    places = _units(
        CITY,
        ("RFB-419901", "青岚市云台区人民防空办公室", "县级", "RFB-CITY", "419901"),
        # A sub-unit of the same district, sorted before it by code.
        ("RFB-41990", "青岚市云台区人防指挥所办公室", "县级", "RFB-419901", "419901"),
    )
    assert places.region("419901") == "云台区"


def test_a_stratum_shows_names_and_keeps_its_key_in_the_title() -> None:
    places = _units(
        CITY, ("RFB-419901", "青岚市云台区人民防空办公室", "县级", "RFB-CITY", "419901")
    )
    cell = places.stratum("419901|A")
    assert html.unescape(re.sub(r"<[^>]+>", "", cell)) == "云台区 · 低风险（A类）"
    assert html.unescape(re.search(r'title="([^"]*)"', cell)[1]) == "分层代码 419901|A"  # type: ignore[index]
    assert risk_label("D") == "高风险（D类）" and risk_label("E") == "E"


def test_a_hostile_unit_name_is_text() -> None:
    hostile = '"><img src=x onerror=alert(1)>\u202e'
    places = _units(CITY, ("RFB-419901", hostile + "人防办", "县级", "RFB-CITY", "419901"))
    cell = str(places.stratum("419901|B"))
    assert "<img" not in cell and '"><' not in cell and "\u202e" not in cell
    assert "[U+202E]" in html.unescape(cell)
    text = html.unescape(re.sub(r"<span[^>]*>|</span>", "", cell))
    assert text == '"><img src=x onerror=alert(1)>[U+202E] · 一般风险（B类）'


def test_task_pages_show_strata_by_name(built_site: BuiltSite) -> None:
    model = load_model(built_site.built.export)
    regions = model.places().regions
    # tests/publisher/factory.py names the unit of region 4199NN "NN区人防办" under "市人防办".
    assert regions and all(
        name == f"{code[-2:]}区" for code, name in regions.items() if code != "419900"
    )
    shown = 0
    for view in model.tasks.values():
        outcome = view.verification.outcome if view.verification else None
        if outcome is None:
            continue
        text = (built_site.site / "tasks" / view.task / "index.html").read_text("utf-8")
        for key, _ in outcome.strata:
            region, risk = key.split("|")
            assert f"{regions[region]} · {risk_label(risk)}" in text
            assert f'title="分层代码 {key.replace("|", "&#124;")}"' in text  # the key kept
            assert not re.search(f">{re.escape(key)}<", html.unescape(text))  # no bare key
            shown += 1
        assert "低风险（A类） 10%" in text  # the ratios by label (factory RATIOS: 1000 bp)
    assert shown


def test_report_company_page_and_lookup_name_the_district(built_site: BuiltSite) -> None:
    model = load_model(built_site.built.export)
    report = model.task_reports["T2026-0001"][-1].body
    text = (built_site.site / "results" / "T2026-0001" / "index.html").read_text("utf-8")
    for region in report["summary"]["by_region"]:
        assert f"{region[-2:]}区（{region}）" in text
    data = json.loads((built_site.site / "targets" / "data" / "regions.json").read_bytes())
    assert data == {"type": "region-names", "v": 1, "regions": model.places().regions}
    latest = model.latest_snapshot("targets")
    assert latest is not None
    rows = {row[0]: row for row in latest[1].rows}
    pages = json.loads((built_site.site / "targets" / "data" / "pages.json").read_bytes())
    target = pages["targets"][0]
    _, _, _, region, risk, _ = rows[target]
    page = (built_site.site / "targets" / target / "index.html").read_text("utf-8")
    assert f"{region[-2:]}区（{region}）" in page and risk_label(risk) in page
    assert f"分层代码 {region}&#124;{risk}" in page  # the draw's stratum keeps its key


def test_the_org_units_table_names_the_district_each_unit_governs(built_site: BuiltSite) -> None:
    text = (built_site.site / "inspectors" / "index.html").read_text("utf-8")
    section = text[text.index("组织机构") :]
    assert "<td>01区（419901）</td>" in section and "<td>419901</td>" not in section
