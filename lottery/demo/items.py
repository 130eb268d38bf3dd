"""The demo city's item list (抽查事项清单), with real legal bases: two versions.

Used by :mod:`lottery.demo.city`, which writes it to an XLSX file and imports it through the
import service like any other registry file.
"""

from __future__ import annotations

from lottery.demo.synthetic import CITY
from lottery.registry_io.layouts import ItemRow


def _item(code: str, name: str, basis: str, project: str, content: str, **kw: object) -> ItemRow:
    fields: dict[str, object] = {
        "subject": f"{CITY}人民防空办公室",
        "ratio": 500,
        "frequency": "每年不少于1次",
        "method": ("onsite", "documents"),
        "requirements": "检查人员不少于2人，出示行政执法证件，全过程记录，留存检查笔录和现场照片",
        "key_item": False,
    }
    fields.update(kw)
    return ItemRow(code, name, basis, str(fields.pop("subject")), project, content, **fields)  # type: ignore[arg-type]


LAW = "《中华人民共和国人民防空法》"
# 检查要点 of RF-005 (the disclosed demo task's item): lottery.demo.onsite answers them.
RF005_CHECKLIST = (
    ("建立维护管理制度并落实管理责任", f"{LAW}第二十五条"),
    ("防护密闭门、密闭阀门、滤毒通风等防护设备完好", f"{LAW}第二十六条"),
    ("未擅自改变工程主体结构和使用用途", f"{LAW}第二十七条、第四十九条"),
    ("工程口部和进出通道未被占用、堆放物品", f"{LAW}第二十七条"),
)


def demo_items(version: int) -> list[ItemRow]:
    """The item list (抽查事项清单): version 1, and version 2 (an item added, a ratio changed).

    Each item covers the one target type its name is about, so a task citing it draws only
    targets of that type (docs/spec.md section 4)."""
    items = [
        _item(
            "RF-001",
            "人防工程防护设备生产安装情况检查",
            f"{LAW}第二十三条；《人民防空工程质量监督管理规定》",
            "防护设备生产安装",
            "防护设备生产企业的产品质量、出厂检测报告和质量保证体系；防护设备安装质量",
            method=("onsite", "testing"),
            key_item=True,
            target_types=("protective_equipment",),
            checklist=(
                (
                    "防护设备生产企业具备相应生产条件和质量保证体系",
                    "《人民防空工程防护设备质量检测管理规定》",
                ),
                ("出厂产品附有合格证和出厂检测报告", f"{LAW}第二十三条"),
                ("防护设备安装符合设计和安装规范", "《人民防空工程质量监督管理规定》"),
            ),
        ),
        _item(
            "RF-002",
            "人防工程设计单位执业情况检查",
            f"{LAW}第二十三条；《人民防空工程建设管理规定》",
            "人防工程设计",
            "设计文件执行人防工程防护标准和质量标准情况，设计变更管理",
            method=("documents",),
            target_types=("design",),
            checklist=(
                ("设计文件执行人防工程防护标准和质量标准", f"{LAW}第二十三条"),
                ("设计变更经原审查机构审查", "《人民防空工程建设管理规定》"),
            ),
        ),
        _item(
            "RF-003",
            "人防工程监理单位履职情况检查",
            "《人民防空工程建设管理规定》；《人民防空工程质量监督管理规定》",
            "人防工程监理",
            "监理单位对防护密闭、防化等关键部位的旁站监理和质量控制记录",
            target_types=("supervision",),
            checklist=(
                ("防护密闭、防化等关键部位实施旁站监理", "《人民防空工程建设管理规定》"),
                ("质量控制记录完整、真实", "《人民防空工程质量监督管理规定》"),
            ),
        ),
        _item(
            "RF-004",
            "人防工程质量检测机构检测行为检查",
            "《人民防空工程质量监督管理规定》",
            "人防工程质量检测",
            "检测机构的检测能力、检测行为和检测报告的真实性",
            method=("documents", "delegated"),
            target_types=("testing",),
            checklist=(
                ("检测机构具备相应检测能力", "《人民防空工程质量监督管理规定》"),
                ("检测报告真实、数据可追溯", "《人民防空工程质量监督管理规定》"),
            ),
        ),
        _item(
            "RF-005",
            "人防工程平时使用和维护管理情况检查",
            f"{LAW}第二十五条、第二十六条、第二十七条；《人民防空工程平时开发利用管理办法》",
            "人防工程平时使用",
            "维护管理制度和责任落实；平时使用不得影响防空效能，不得擅自改变工程主体结构",
            ratio=500 if version == 1 else 700,
            frequency="每年1次" if version == 1 else "每年2次",
            method=("onsite",),
            key_item=True,
            target_types=("peacetime_use",),
            checklist=RF005_CHECKLIST,
        ),
        _item(
            "RF-006",
            "人防通信、警报设施安装使用情况检查",
            f"{LAW}第四章（通信和警报）",
            "人防通信警报设施",
            "警报设施的设置、维护保养和试鸣保障，设施所在单位的管理责任",
            ratio=1000,
            method=("onsite",),
            target_types=("alarm_facilities",),
            checklist=(
                ("警报设施按规定设置并维护保养", f"{LAW}第四章（通信和警报）"),
                ("设施所在单位落实管理责任，保障试鸣", f"{LAW}第四章（通信和警报）"),
            ),
        ),
        _item(
            "RF-007",
            "城市新建民用建筑修建防空地下室情况检查",
            f"{LAW}第二十二条、第四十八条；《人民防空工程建设管理规定》",
            "人防工程建设",
            "按照国家规定修建防空地下室或依法缴纳易地建设费，防空地下室同步设计、施工和验收",
            key_item=True,
            target_types=("construction",),
            checklist=(
                ("按规定修建防空地下室或缴纳易地建设费", f"{LAW}第二十二条"),
                ("防空地下室同步设计、同步施工、同步验收", "《人民防空工程建设管理规定》"),
            ),
        ),
    ]
    if version >= 2:
        items.append(
            _item(
                "RF-008",
                "人防工程施工图设计文件审查情况检查",
                "《人民防空工程施工图设计文件审查管理办法》；《人民防空工程建设管理规定》",
                "人防工程施工图审查",
                "施工图审查机构对人防工程防护设计内容的审查范围、审查程序和审查意见",
                method=("documents",),
                target_types=("drawing_review",),
                checklist=(
                    (
                        "施工图审查覆盖人防防护设计内容",
                        "《人民防空工程施工图设计文件审查管理办法》",
                    ),
                    ("审查程序合规，审查意见完整", "《人民防空工程施工图设计文件审查管理办法》"),
                ),
            )
        )
    return items
