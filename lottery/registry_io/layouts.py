"""Column layouts of the registries (targets, inspectors, items, org units, conflicts,
inspection history) and the frozen rows they produce.

Each `Column` says which headers staff may write (exact after trimming), whether the column
is required, how a cell parses and formats back, and whether it is public. The tables in
``docs/import.md`` are written from these definitions; `tests/registry_io` checks that they
agree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Literal

from . import cells as c

Kind = Literal["targets", "inspectors", "items", "org-units", "conflicts", "history", "plan"]

TARGET_TYPES = {
    "防护设备生产安装": "protective_equipment",
    "人防防护设备生产安装": "protective_equipment",
    "防护设备生产安装企业": "protective_equipment",
    "工程设计": "design",
    "人防工程设计": "design",
    "工程监理": "supervision",
    "人防工程监理": "supervision",
    "质量检测": "testing",
    "人防工程质量检测": "testing",
    "施工图审查": "drawing_review",
    "人防工程施工图审查": "drawing_review",
    "平时使用": "peacetime_use",
    "人防工程平时使用": "peacetime_use",
    "通信警报设施": "alarm_facilities",
    "人防通信警报设施": "alarm_facilities",
    "工程建设": "construction",
    "人防工程建设": "construction",
}
RISK_CLASSES = {
    "A": "A",
    "B": "B",
    "C": "C",
    "D": "D",
    "A类": "A",
    "B类": "B",
    "C类": "C",
    "D类": "D",
    # 企业信用风险分类's words, and the four grades some provinces use (河南: 高/中高/中/低).
    "低风险": "A",
    "一般风险": "B",
    "较高风险": "C",
    "高风险": "D",
    "低": "A",
    "中": "B",
    "中高": "C",
    "高": "D",
}
TARGET_STATUS = {
    "正常": "active",
    "存续": "active",
    "在业": "active",
    "注销": "deregistered",
    "吊销": "revoked",
    "撤销": "cancelled",
    "迁出": "moved_out",
    "停业": "suspended",
    "歇业": "suspended",
    # Set by the service for a target missing from a re-imported registry file.
    "移出名录": "removed",
}
LEVELS = {
    "市级": "city",
    "市": "city",
    "县级": "county",
    "县区级": "county",
    "区县级": "county",
    "县（区）级": "county",
    "县(区)级": "county",
    "区级": "county",
}
INSPECTOR_STATUS = {
    "在岗": "active",
    "正常": "active",
    "有效": "active",
    "暂停执法": "suspended",
    "停用": "suspended",
    "调离": "transferred",
    "退休": "retired",
    "离职": "left",
    "离岗": "left",
    "移出名录": "removed",
}
METHODS = {
    "实地检查": "onsite",
    "书面检查": "documents",
    "网络监测": "online",
    "检验检测": "testing",
    "委托专业机构辅助": "delegated",
}


@dataclass(frozen=True, slots=True)
class TargetRow:
    """A target (抽查对象), keyed by its USCC."""

    uscc: str
    name: str
    type: str
    region: str
    risk_class: str
    complaints: int
    bad_records: int
    serious_violation: bool
    status: str
    phone: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class InspectorRow:
    """An inspector (执法检查人员), keyed by staff number and by certificate number."""

    id: str
    cert_no: str
    name: str
    cert_valid_from: date
    cert_valid_to: date
    org_unit: str
    level: str
    specialties: tuple[str, ...]
    status: str
    phone: str | None
    department: str = ""  # 所属部门: empty = the office's own (部门联合抽查, spec section 4)


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One item (抽查事项) of the item list; ``ratio`` is in basis points (5% = 500)."""

    code: str
    name: str
    basis: str
    subject: str
    project: str
    content: str
    ratio: int | None
    frequency: str | None
    method: tuple[str, ...]
    requirements: str | None
    key_item: bool
    target_types: tuple[str, ...] = ()  # target type codes it covers; () = every type
    checklist: tuple[tuple[str, str], ...] = ()  # 检查要点: (point, legal basis), in order
    specialty: str | None = None  # 专业要求: the specialty inspectors need under 交叉检查


@dataclass(frozen=True, slots=True)
class PlanEntryRow:
    """One entry of the annual plan (年度抽查计划, docs/plans.md): a planned task or tasks.

    ``ratio`` is in basis points (5% = 500); ``period`` a month ``"03"`` or a quarter ``"Q2"``.
    """

    id: str
    items: tuple[str, ...]
    ratio: int | None
    frequency: str | None
    period: str
    tasks: int
    joint: bool
    departments: tuple[str, ...]
    note: str | None


@dataclass(frozen=True, slots=True)
class OrgUnitRow:
    """An org unit (组织机构): the city office or a county/district office under it."""

    code: str
    name: str
    level: str
    parent: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """A declared conflict of interest (回避) between an inspector and a target."""

    inspector: str
    target: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A past inspection of a target (counts toward the annual cap, R4)."""

    target: str
    date: date
    task: str | None
    inspectors: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    """One column of a layout.

    Attributes:
        key: the English key (also the row's field name and an accepted header).
        headers: the Chinese headers staff write; the first is used on export.
        required: the column must be present and every cell non-empty.
        parse: cell -> value, raising `cells.CellError`.
        fmt: value -> cell, for export.
        public: kept by `public_view` (published snapshots).
        default: the value of an empty cell in an optional column.
        doc: one line for docs/import.md.
    """

    key: str
    headers: tuple[str, ...]
    required: bool
    parse: c.Parser
    fmt: c.Formatter = c.fmt_plain
    public: bool = True
    default: Any = None
    doc: str = ""

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every spelling accepted in the header row."""
        return (*self.headers, self.key)


@dataclass(frozen=True)
class Layout:
    """The columns of one registry, in the order of the row's fields."""

    kind: Kind
    row_type: type
    columns: tuple[Column, ...]
    keys: tuple[str, ...]  # columns whose values must be unique in a file

    def __post_init__(self) -> None:
        names = tuple(f.name for f in fields(self.row_type))
        if names != tuple(col.key for col in self.columns):
            raise AssertionError(f"{self.kind}: columns {names} do not match the row type")

    def column(self, key: str) -> Column:
        """The column with this key."""
        return next(col for col in self.columns if col.key == key)


def _enum(labels: dict[str, str], what: str) -> dict[str, Any]:
    return {"parse": c.enum(labels, what), "fmt": c.fmt_enum(labels)}


TARGETS = Layout(
    "targets",
    TargetRow,
    (
        Column(
            "uscc",
            ("统一社会信用代码", "社会信用代码", "信用代码", "USCC"),
            True,
            c.uscc,
            doc="18 characters, check character verified (GB 32100-2015)",
        ),
        Column("name", ("名称", "单位名称", "企业名称", "对象名称"), True, c.text(200)),
        Column(
            "type",
            ("类型", "对象类型", "单位类型"),
            True,
            **_enum(TARGET_TYPES, "类型"),
            doc="target type, see the table of labels",
        ),
        Column(
            "region",
            ("所属区域", "行政区划代码", "所属区域代码", "区划代码"),
            True,
            c.code(12),
            doc="a known administrative division code",
        ),
        Column(
            "risk_class",
            ("信用风险分类", "风险分类", "信用风险等级"),
            True,
            **_enum(RISK_CLASSES, "信用风险分类"),
            doc="A, B, C or D (also A类...)",
        ),
        Column(
            "complaints",
            ("投诉举报次数", "投诉举报"),
            False,
            c.count,
            default=0,
            doc="integer >= 0, empty = 0",
        ),
        Column(
            "bad_records",
            ("不良记录次数", "不良记录"),
            False,
            c.count,
            default=0,
            doc="integer >= 0, empty = 0",
        ),
        Column(
            "serious_violation",
            ("严重违法记录", "是否有严重违法记录", "严重违法"),
            False,
            c.yes_no,
            c.fmt_yes_no,
            default=False,
            doc="是/否, empty = 否",
        ),
        Column(
            "status",
            ("状态", "经营状态", "登记状态"),
            False,
            **_enum(TARGET_STATUS, "状态"),
            default="active",
            doc="empty = 正常",
        ),
        Column("phone", ("联系电话", "电话"), False, c.phone, public=False),
        Column("notes", ("备注",), False, c.text(2000, formula_check=False), public=False),
    ),
    ("uscc",),
)

INSPECTORS = Layout(
    "inspectors",
    InspectorRow,
    (
        Column("id", ("人员编号", "工号", "编号"), True, c.code(64)),
        Column(
            "cert_no", ("执法证号", "执法证件号", "执法证编号", "执法证件编号"), True, c.code(64)
        ),
        Column("name", ("姓名",), True, c.text(100)),
        Column(
            "cert_valid_from",
            ("证件有效期起", "有效期起", "发证日期", "有效期开始"),
            True,
            c.iso_date,
            doc="YYYY-MM-DD, YYYY/MM/DD or an Excel date",
        ),
        Column(
            "cert_valid_to",
            ("证件有效期止", "有效期止", "有效期至", "有效期结束"),
            True,
            c.iso_date,
            doc="not before the start; not past `today` unless inactive",
        ),
        Column(
            "org_unit",
            ("所属机构", "所属机构代码", "机构代码", "单位代码"),
            True,
            c.code(64),
            doc="a known org unit code",
        ),
        Column("level", ("层级", "所属层级", "级别"), True, **_enum(LEVELS, "层级")),
        Column(
            "specialties",
            ("专业领域", "专业", "专长"),
            False,
            c.text_list(50),
            c.fmt_text_list,
            default=(),
            doc="several, separated by 、 , ; /",
        ),
        Column(
            "status",
            ("状态", "人员状态"),
            False,
            **_enum(INSPECTOR_STATUS, "状态"),
            default="active",
            doc="empty = 在岗",
        ),
        Column("phone", ("联系电话", "电话", "手机"), False, c.phone, public=False),
        Column(
            "department",
            ("所属部门", "部门"),
            False,
            c.text(100),
            default="",
            doc="the department (住建, 消防 ...) for joint tasks; empty = the office's own",
        ),
    ),
    ("id", "cert_no"),
)

ITEMS = Layout(
    "items",
    ItemRow,
    (
        Column("code", ("事项编码", "事项代码", "编码"), True, c.code(64)),
        Column("name", ("抽查事项名称", "抽查事项", "事项名称"), True, c.text(200)),
        Column("basis", ("抽查依据", "检查依据"), True, c.text(4000)),
        Column("subject", ("抽查主体", "检查主体", "实施主体"), True, c.text(200)),
        Column("project", ("抽查项目", "检查项目"), True, c.text(500)),
        Column("content", ("抽查内容", "检查内容"), True, c.text(4000)),
        Column(
            "ratio",
            ("抽查比例", "比例"),
            False,
            c.ratio,
            c.fmt_ratio,
            doc="the least share drawn, in percent: 5%, 2.5%, 不低于5% (kept in basis points)",
        ),
        Column("frequency", ("抽查频次", "频次"), False, c.text(200)),
        Column(
            "method",
            ("抽查方式", "检查方式"),
            True,
            c.enum_list(METHODS, "抽查方式"),
            c.fmt_enum_list(METHODS),
            doc="one or more of the five methods, separated by 、",
        ),
        Column("requirements", ("抽查要求", "检查要求"), False, c.text(4000)),
        Column(
            "key_item",
            ("是否重点", "重点事项"),
            False,
            c.yes_no,
            c.fmt_yes_no,
            default=False,
            doc="是/否, empty = 否",
        ),
        Column(
            "target_types",
            ("抽查对象类型", "检查对象类型", "对象类型"),
            False,
            c.enum_list(TARGET_TYPES, "抽查对象类型"),
            c.fmt_enum_list(TARGET_TYPES),
            default=(),
            doc="the target types the item covers (labels, separated by 、); empty = every type",
        ),
        Column(
            "checklist",
            ("检查要点", "检查要点及依据"),
            False,
            c.checklist,
            c.fmt_checklist,
            default=(),
            doc="one point per line (Alt+Enter in Excel), `要点｜依据`; empty = no checklist",
        ),
        Column(
            "specialty",
            ("专业要求", "所需专业"),
            False,
            c.specialty,
            doc="one specialty, as the inspectors' 专业领域 names it; empty = none asked",
        ),
    ),
    ("code",),
)

ORG_UNITS = Layout(
    "org-units",
    OrgUnitRow,
    (
        Column("code", ("机构代码", "机构编码", "单位代码"), True, c.code(64)),
        Column("name", ("机构名称", "名称", "单位名称"), True, c.text(200)),
        Column("level", ("层级", "所属层级", "级别"), True, **_enum(LEVELS, "层级")),
        Column(
            "parent",
            ("上级机构代码", "上级机构", "上级单位代码"),
            False,
            c.code(64),
            doc="a unit in the file or already known; required for a county unit",
        ),
        Column(
            "region",
            ("行政区划代码", "所属区域", "区划代码"),
            False,
            c.code(12),
            doc="the division the unit governs (targets are matched to it)",
        ),
    ),
    ("code",),
)

CONFLICTS = Layout(
    "conflicts",
    ConflictRow,
    (
        Column(
            "inspector",
            ("人员编号", "检查人员编号", "工号"),
            True,
            c.code(64),
            doc="a known inspector",
        ),
        Column(
            "target",
            ("统一社会信用代码", "社会信用代码", "信用代码", "USCC"),
            True,
            c.uscc,
            doc="a known target",
        ),
        Column(
            "reason",
            ("回避原因", "原因", "说明"),
            False,
            c.text(2000, formula_check=False),
            public=False,
        ),
    ),
    (),  # the (inspector, target) pair is unique: checked by the importer
)

HISTORY = Layout(
    "history",
    HistoryRow,
    (
        Column(
            "target",
            ("统一社会信用代码", "社会信用代码", "信用代码", "USCC"),
            True,
            c.uscc,
            doc="a known target",
        ),
        Column(
            "date",
            ("检查日期", "抽查日期", "日期"),
            True,
            c.iso_date,
            doc="YYYY-MM-DD, YYYY/MM/DD or an Excel date",
        ),
        Column("task", ("任务编号", "抽查任务编号"), False, c.code(64)),
        Column(
            "inspectors",
            ("检查人员编号", "检查人员"),
            False,
            c.text_list(64),
            c.fmt_text_list,
            default=(),
            doc="staff numbers, separated by 、 , ; /",
        ),
    ),
    (),  # (target, date, task) is unique: checked by the importer
)

PLAN = Layout(
    "plan",
    PlanEntryRow,
    (
        Column("id", ("计划编号", "计划条目编号"), True, c.code(64), doc="unique in the plan"),
        Column(
            "items",
            ("计划抽查事项", "事项编码（计划）"),
            True,
            c.text_list(64),
            c.fmt_text_list,
            doc="item codes of the item list, separated by 、 , ; /",
        ),
        Column(
            "ratio",
            ("计划抽查比例",),
            False,
            c.ratio,
            c.fmt_ratio,
            doc="in percent: 5%, 2.5% (kept in basis points); empty = 未定",
        ),
        Column("frequency", ("计划抽查频次",), False, c.text(200)),
        Column(
            "period",
            ("计划时间", "实施时间"),
            True,
            c.period,
            c.fmt_period,
            doc="a month (3月) or a quarter (第二季度)",
        ),
        Column("tasks", ("计划任务数", "任务数"), True, c.count, doc="at least 1"),
        Column(
            "joint",
            ("是否联合抽查", "联合抽查"),
            False,
            c.yes_no,
            c.fmt_yes_no,
            default=False,
            doc="是/否, empty = 否",
        ),
        Column(
            "departments",
            ("联合部门", "参与部门"),
            False,
            c.text_list(100),
            c.fmt_text_list,
            default=(),
            doc="the other departments, separated by 、; required when joint",
        ),
        Column("note", ("备注", "说明（计划）"), False, c.text(1000)),
    ),
    ("id",),
)

LAYOUTS: dict[str, Layout] = {
    "targets": TARGETS,
    "inspectors": INSPECTORS,
    "items": ITEMS,
    "org-units": ORG_UNITS,
    "conflicts": CONFLICTS,
    "history": HISTORY,
    "plan": PLAN,
}


def layout(kind: str) -> Layout:
    """The layout of ``kind``.

    Raises:
        ValueError: for a kind not in `LAYOUTS`.
    """
    try:
        return LAYOUTS[kind]
    except KeyError:
        raise ValueError(f"unknown registry kind {kind!r}; use one of {sorted(LAYOUTS)}") from None
