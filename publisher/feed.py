"""``feed.xml``: an RSS 2.0 feed of the latest public records.

Written by the publisher straight into the site (Material's blog and RSS plugins need dated
Markdown posts; one plain feed of the log is simpler). Each item is one record: its type and
subject as the title, the page that shows it as the link, the record id as the guid.

ElementTree escapes markup; characters XML 1.0 does not allow at all (NUL and the other C0
controls, surrogates, U+FFFE/U+FFFF), and bidi controls, are shown as ``[U+XXXX]`` markers
(:func:`publisher.render.visible`) so a published record that holds them keeps the feed
well-formed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.utils import format_datetime

from lottery.core.canonical import parse_time
from lottery.core.records import Record
from publisher.model import SiteModel
from publisher.pages import RECORD_NAMES, REGISTRY_NAMES, record_path
from publisher.render import plain

FEED_ITEMS = 50


def _title(model: SiteModel, record: Record) -> str:
    body = record.body
    name = RECORD_NAMES.get(record.type, record.type)
    if "task" in body:
        view = model.tasks.get(body["task"])
        title = f"：{view.announcement['title']}" if view else ""
        return f"{name} {body['task']}{title}"
    if record.type == "item-list":
        return f"{name} 第 {body['version']} 版"
    if record.type == "registry-snapshot":
        return f"{REGISTRY_NAMES.get(body['registry'], body['registry'])}更新（{body['rows']} 条）"
    if record.type == "penalty":
        return f"{name} {body['decision']}"
    return name


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> None:
    ET.SubElement(parent, tag, attrs).text = plain(text)


def feed_xml(model: SiteModel, site_url: str) -> bytes:
    """The RSS 2.0 document of the latest :data:`FEED_ITEMS` records, newest first."""
    base = site_url if site_url.endswith("/") else site_url + "/"
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", "双随机、一公开 抽查公示：最新记录")
    _text(channel, "link", base)
    _text(
        channel, "description", f"公开日志 {model.origin} 的最新记录（共 {model.report.size} 条）"
    )
    _text(channel, "language", "zh-cn")
    latest = model.records[-FEED_ITEMS:][::-1]
    if latest:
        stamp = max(parse_time(r.body["time"]) for r in latest)
        _text(channel, "lastBuildDate", format_datetime(stamp, usegmt=True))
    for record in latest:
        item = ET.SubElement(channel, "item")
        _text(item, "title", _title(model, record))
        _text(item, "link", base + record_path(model, record))
        _text(item, "description", f"日志序号 {model.index[record.id]}，记录编号 {record.id}")
        _text(item, "guid", record.id, isPermaLink="false")
        _text(item, "pubDate", format_datetime(parse_time(record.body["time"]), usegmt=True))
    data: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return data
