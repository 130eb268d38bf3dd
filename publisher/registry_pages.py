"""Registry pages: the item list (every version), the inspector directory, the target lookup.

The target registry (10k-1M rows) is never a page: :mod:`publisher.shards` writes it as sharded
JSON, and the lookup page here only carries the search box that ``assets/lottery/lookup.js``
drives in the browser.
"""

from __future__ import annotations

from typing import Any

from lottery.core.records import Record
from publisher.model import SiteModel
from publisher.pages import h, link, log_link, md, short, table
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


def _item_section(item: dict[str, Any]) -> list[str]:
    rows = [["事项编码", h(item["code"])], ["重点事项", "是" if item["key"] else "否"]]
    for key, label in ITEM_FIELDS:
        value = item.get(key)
        if isinstance(value, list):
            value = "、".join(value)
        if value:
            rows.append([label, h(value)])
    return [f"### {md(item['code'])} {md(item['name'])}", "", *table(["项目", "内容"], rows)]


def _version_body(model: SiteModel, record: Record, root: str) -> list[str]:
    body = record.body
    lines = [
        f"第 {body['version']} 版，自 {body['effective']} 起施行，共 {len(body['items'])} 项；"
        f"公开于 {body['time']}（记录 {short(record.id)}，"
        f"日志序号 {log_link(model, record, root)}）。",
        "",
    ]
    for item in body["items"]:
        lines += _item_section(item)
    return lines


def item_pages(model: SiteModel) -> dict[str, str]:
    """``index`` (the current version and the list of versions) and ``v<N>`` per version."""
    current = model.current_items
    index = ["# 抽查事项清单", ""]
    if current is None:
        index += ["暂无", ""]
    else:
        versions = [
            [
                link(f"第 {v} 版", f"v{v}/"),
                r.body["effective"],
                str(len(r.body["items"])),
                r.body["time"],
            ]
            for v, r in sorted(model.item_lists.items(), reverse=True)
        ]
        index += [
            "## 当前版本",
            "",
            *_version_body(model, current, "../"),
            "## 历次版本",
            "",
            "清单按规定动态调整，每一版均在此公开：",
            "",
            *table(["版本", "施行日期", "事项数", "公开时间（UTC）"], versions),
        ]
    out = {"index": "\n".join(index)}
    for version, record in model.item_lists.items():
        latest = "（当前版本）" if record is current else ""
        out[f"v{version}"] = "\n".join(
            [
                f"# 抽查事项清单 第 {version} 版{latest}",
                "",
                "[全部版本](index.md)",
                "",
                *_version_body(model, record, "../../"),
            ]
        )
    return out


def _snapshot_note(record: Record, prefix: str) -> str:
    body = record.body
    return (
        f"数据截至 {body['as_of']}，共 {body['rows']} 条；"
        f"完整快照（规范 JSON，SHA-256 `{body['blob']}`）："
        f"[下载]({prefix}export/blobs/{body['blob']})。"
    )


def inspectors_page(model: SiteModel) -> str:
    """The inspector directory (public fields) and the org units."""
    lines = [
        "# 执法检查人员名录",
        "",
        "只有持有效行政执法证件的人员方可被抽取参加检查。以下为名录库的公开字段。",
        "",
    ]
    for registry, title in (("inspectors", "## 执法检查人员"), ("org-units", "## 组织机构")):
        latest = model.latest_snapshot(registry)
        lines += [title, ""]
        if latest is None:
            lines += ["暂无", ""]
            continue
        record, snap = latest
        lines += [
            _snapshot_note(record, "../"),
            "",
            *table(
                [
                    "姓名" if registry == "inspectors" and f == "name" else FIELD_NAMES.get(f, f)
                    for f in snap.fields
                ],
                ([h(c) for c in r] for r in snap.rows),
            ),
        ]
    return "\n".join(lines)


def targets_page(model: SiteModel, manifest: str | None) -> str:
    """The lookup page over the sharded target registry (``manifest``: its relative URL)."""
    lines = [
        "# 抽查对象名录",
        "",
        "抽查对象名录库按属地管理，收录本单位监管范围内的市场主体。名录数据量大，"
        "不以网页形式逐条展示：请在下方按统一社会信用代码或名称中的任意词语查询，"
        "查询在您的浏览器中进行，数据分片按需下载，并逐片校验 SHA-256。",
        "",
    ]
    latest = model.latest_snapshot("targets")
    if latest is None or manifest is None:
        return "\n".join([*lines, "暂无", ""])
    record, _ = latest
    return "\n".join(
        [
            *lines,
            _snapshot_note(record, "../"),
            "",
            f'<div class="lottery-lookup" data-manifest="{manifest}">',
            '<form class="lottery-lookup-form">',
            '<input type="search" class="md-input lottery-lookup-input" '
            'placeholder="统一社会信用代码或名称" aria-label="统一社会信用代码或名称">',
            '<button type="submit" class="md-button md-button--primary">查询</button>',
            "</form>",
            '<p class="lottery-lookup-status" aria-live="polite"></p>',
            '<div class="lottery-lookup-results"></div>',
            "</div>",
            "",
        ]
    )
