"""Registry pages: the item list (every version), the inspector directory, the target lookup.

The target registry (10k-1M rows) is never a page: :mod:`publisher.shards` writes it as sharded
JSON, and the lookup page here only carries the search box that ``assets/lottery/lookup.js``
drives in the browser.
"""

from __future__ import annotations

from typing import Any

from lottery.core.publication_rules import ACTION_ZH, FIELD_ZH, RECORD_ZH, parse_rules
from lottery.core.records import Record
from lottery.core.risk_rules import parse_risk_rules
from publisher.model import SiteModel
from publisher.pages import link, log_link, short
from publisher.render import beijing, render
from publisher.snapshot import FIELD_NAMES

ITEM_FIELDS = (
    ("subject", "抽查主体"),
    ("item", "抽查项目"),
    ("content", "抽查内容"),
    ("basis", "抽查依据"),
    ("ratio", "抽查比例"),
    ("frequency", "抽查频次"),
    ("method", "抽查方式"),
    ("requirements", "检查要求"),
    ("target_types", "适用对象类型"),
)


def _item_section(item: dict[str, Any]) -> dict[str, Any]:
    rows: list[list[Any]] = [
        ["事项编码", item["code"]],
        ["重点事项", "是" if item["key"] else "否"],
    ]
    for key, label in ITEM_FIELDS:
        value = item.get(key)
        if isinstance(value, list):
            value = "、".join(value)
        if value:
            rows.append([label, value])
    # 检查要点: what a result answers point by point, each with its legal basis (escaped as
    # every value is, by the template environment).
    points = [[n, p["point"], p["basis"]] for n, p in enumerate(item.get("checklist", []), 1)]
    return {"code": item["code"], "name": item["name"], "rows": rows, "checklist": points}


def _version_body(model: SiteModel, record: Record, root: str) -> dict[str, Any]:
    body = record.body
    return {
        "version": body["version"],
        "effective": body["effective"],
        "count": len(body["items"]),
        "time": beijing(body["time"]),
        "short": short(record.id),
        "log_link": log_link(model, record, root),
        "entries": [_item_section(item) for item in body["items"]],
        "risk_rules": _risk_words(body.get("risk_rules")),
        "publication_rules": _publication_rows(body.get("publication_rules")),
    }


def _publication_rows(value: Any) -> list[list[str]]:
    """The version's publication rules as table rows: id, when, field, action, reason."""
    rows = []
    for rule in parse_rules(value):
        cond = []
        if rule.items:
            cond.append("抽查事项含 " + "、".join(rule.items))
        if rule.categories:
            cond.append(f"{rule.categories_whose_zh()}为 " + "、".join(rule.categories))
        kind = RECORD_ZH.get(rule.record, rule.record)
        where = kind + (f"（{'；'.join(cond)}）" if cond else "（全部）")
        field = FIELD_ZH.get(rule.field, rule.field)
        rows.append([rule.id, where, field, ACTION_ZH[rule.action], rule.reason])
    return rows


def _risk_words(value: Any) -> list[str]:
    """The version's risk rules in plain Chinese (none: an empty list)."""
    return [] if value is None else parse_risk_rules(value).zh_lines()


def item_pages(model: SiteModel) -> dict[str, str]:
    """``index`` (the current version and the list of versions) and ``v<N>`` per version."""
    current = model.current_items
    versions = [
        [
            link(f"第 {v} 版", f"v{v}/"),
            r.body["effective"],
            len(r.body["items"]),
            beijing(r.body["time"]),
        ]
        for v, r in sorted(model.item_lists.items(), reverse=True)
    ]
    out = {
        "index": render(
            "items_index.md",
            current=_version_body(model, current, "../") if current is not None else None,
            versions=versions,
        )
    }
    for version, record in model.item_lists.items():
        out[f"v{version}"] = render(
            "items_version.md",
            version=version,
            is_current=record is current,
            body=_version_body(model, record, "../../"),
        )
    return out


def inspectors_page(model: SiteModel) -> str:
    """The inspector directory (public fields) and the org units."""
    sections: list[dict[str, Any]] = []
    for registry, title in (("inspectors", "执法检查人员"), ("org-units", "组织机构")):
        latest = model.latest_snapshot(registry)
        if latest is None:
            sections.append({"title": title, "snapshot": None})
            continue
        record, snap = latest
        headers = [
            "姓名" if registry == "inspectors" and f == "name" else FIELD_NAMES.get(f, f)
            for f in snap.fields
        ]
        rows: Any = snap.rows
        if registry == "org-units":  # the district a unit governs, by name (publisher/names.py)
            at, places = snap.column("region"), model.places()
            rows = [
                [places.region_with_code(v) if i == at and v else v for i, v in enumerate(row)]
                for row in snap.rows
            ]
        sections.append({"title": title, "snapshot": record.body, "headers": headers, "rows": rows})
    return render("inspectors.md", sections=sections, prefix="../")


def targets_page(model: SiteModel, manifest: str | None) -> str:
    """The lookup page over the sharded target registry (``manifest``: its relative URL)."""
    latest = model.latest_snapshot("targets")
    snapshot = latest[0].body if latest is not None and manifest is not None else None
    return render(
        "targets.md", section={"snapshot": snapshot}, manifest=manifest or "", prefix="../"
    )
