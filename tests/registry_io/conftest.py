"""Shared data for the registry import tests."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from lottery.core.uscc import check_character

REGIONS = {"419901", "419902"}
ORG_UNITS = {"city", "county-419901"}
TODAY = date(2025, 6, 1)


def uscc(body: str) -> str:
    """A valid code from its first 17 characters."""
    return body + check_character(body)


GOOD_A = uscc("91419901MA0000001")
GOOD_B = uscc("91419902MA0000002")
LETTER = uscc("N2419901MA0000003")  # authority N (agriculture): stdnum rejects these

TARGET_HEADER = [
    "统一社会信用代码",
    "名称",
    "类型",
    "所属区域",
    "信用风险分类",
    "投诉举报次数",
    "不良记录次数",
    "严重违法记录",
    "状态",
    "联系电话",
    "备注",
]
INSPECTOR_HEADER = [
    "人员编号",
    "执法证号",
    "姓名",
    "证件有效期起",
    "证件有效期止",
    "所属机构",
    "层级",
    "专业领域",
    "状态",
    "联系电话",
]
ITEM_HEADER = [
    "事项编码",
    "抽查事项名称",
    "抽查依据",
    "抽查主体",
    "抽查项目",
    "抽查内容",
    "抽查比例",
    "抽查频次",
    "抽查方式",
    "抽查要求",
    "是否重点",
]


def target(code: str = GOOD_A, **over: str) -> list[str]:
    row = {
        "统一社会信用代码": code,
        "名称": "某人防设备有限公司",
        "类型": "防护设备生产安装",
        "所属区域": "419901",
        "信用风险分类": "B",
        "投诉举报次数": "2",
        "不良记录次数": "0",
        "严重违法记录": "否",
        "状态": "正常",
        "联系电话": "0731-8888888",
        "备注": "内部备注",
    }
    row.update(over)
    return [row[h] for h in TARGET_HEADER]


def inspector(id_: str = "R001", cert: str = "HN-001", **over: str) -> list[str]:
    row = {
        "人员编号": id_,
        "执法证号": cert,
        "姓名": "张三",
        "证件有效期起": "2022-01-01",
        "证件有效期止": "2027/12/31",
        "所属机构": "city",
        "层级": "市级",
        "专业领域": "人防工程、防护设备",
        "状态": "在岗",
        "联系电话": "13800000000",
    }
    row.update(over)
    return [row[h] for h in INSPECTOR_HEADER]


def item(code: str = "RF-001", **over: str) -> list[str]:
    row = {
        "事项编码": code,
        "抽查事项名称": "人防工程平时使用情况检查",
        "抽查依据": "《中华人民共和国人民防空法》第二十五条",
        "抽查主体": "市人防办",
        "抽查项目": "平时使用",
        "抽查内容": "是否按规定维护管理",
        "抽查比例": "5%",
        "抽查频次": "每年1次",
        "抽查方式": "实地检查、书面检查",
        "抽查要求": "",
        "是否重点": "是",
    }
    row.update(over)
    return [row[h] for h in ITEM_HEADER]


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8"
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def kw() -> dict[str, object]:
    return {"known_regions": REGIONS, "known_org_units": ORG_UNITS, "today": TODAY}
