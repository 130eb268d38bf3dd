"""Markdown pages of the public site, in Chinese, from a :class:`SiteModel`.

Every page is a pure function of the model (and so of the export).
"""

from __future__ import annotations

from typing import Any

from publisher.model import SiteModel, TaskView

STATUS = {
    "announced": "已公告，等待随机源",
    "drawn": "已抽取（结果封存至公开日）",
    "disclosed": "已公开",
    "cancelled": "已取消",
}
RECORD_NAMES = {
    "task-announcement": "抽查任务公告",
    "task-draw": "抽取记录（结果封存）",
    "task-reveal": "结果公开",
    "task-cancellation": "任务取消",
}


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _beacon_text(beacon: dict[str, Any]) -> str:
    primary = beacon["primary"]
    if primary["kind"] == "drand":
        text = (
            f"drand {primary['chain']} 第 {primary['round']} 轮"
            f"（链哈希 `{primary['chain_hash'][:16]}…`），截止 {primary['deadline']}"
        )
    else:
        sources = "；".join(f"{s['name']} {s['announced_draw']}" for s in primary["sources"])
        text = f"公开号码：{primary['description']}，开奖日期 {primary['draw_date']}（{sources}）"
    fallback = beacon.get("fallback")
    if fallback:
        text += f"；备用：{fallback['description']}，{fallback['draw_date']}"
    return _md_escape(text)


def index_page(model: SiteModel) -> str:
    """Home: latest tasks and how to verify."""
    rows = [
        f"| [{t.task}](tasks/{t.task}.md) | {_md_escape(t.announcement['title'])} | "
        f"{STATUS.get(t.status, t.status)} | {t.announcement['time'][:10]} |"
        for t in sorted(model.tasks.values(), key=lambda t: t.announcement["time"], reverse=True)
    ]
    return "\n".join(
        [
            "# 双随机、一公开 抽查公示",
            "",
            "本站公开本单位“双随机、一公开”抽查的全部过程：抽查事项、抽查对象名录、执法检查人员名录、"
            "每次抽取的公告、抽取、结果公开及取消记录。所有记录均经数字签名并写入只可追加的公开日志，"
            "任何人都可以在自己的电脑上重新运行每一次抽取，核对结果一致、记录未被改动或删除。",
            "",
            "## 最新抽查任务",
            "",
            "| 任务编号 | 名称 | 状态 | 公告日期 |",
            "|---|---|---|---|",
            *rows,
            "",
            "## 如何核验",
            "",
            f"日志 `{model.origin}` 当前共 {model.report.size} 条记录。"
            "请参阅[核验说明](verify/index.md)。",
            "",
        ]
    )


def tasks_index(model: SiteModel) -> str:
    """All tasks."""
    rows = [
        f"| [{t.task}](../tasks/{t.task}.md) | {_md_escape(t.announcement['title'])} | "
        f"{STATUS.get(t.status, t.status)} | {t.announcement['pool']['candidates']} | "
        f"{t.announcement['pool']['picks']} |"
        for t in sorted(model.tasks.values(), key=lambda t: t.task)
    ]
    return "\n".join(
        [
            "# 抽查任务",
            "",
            "| 任务编号 | 名称 | 状态 | 候选对象数 | 抽取数 |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


def task_page(model: SiteModel, view: TaskView) -> str:
    """One task: parameters, frozen pools, commitment, beacon, timeline, outcome when public."""
    a = view.announcement
    lines = [
        f"# {view.task} {_md_escape(a['title'])}",
        "",
        f"**状态：** {STATUS.get(view.status, view.status)}",
        "",
        "## 抽查参数（公告时固定）",
        "",
        "| 项目 | 内容 |",
        "|---|---|",
        f"| 检查时间 | {a['window']['start']} 至 {a['window']['end']} |",
        f"| 执法人员所属机构 | {'、'.join(a['org_units'])} |",
        "| 抽查比例（按信用风险分类） | "
        + "；".join(f"{k} 类 {v / 100:g}%" for k, v in sorted(a["ratios"].items()))
        + " |",
        f"| 每组检查人员 | {a['team_size']} 人 |",
        f"| 每人最多承担 | {a['cap']} 户 |",
        f"| 候选对象 | {a['pool']['candidates']} 户，{a['pool']['strata']} 个分层 |",
        f"| 抽取数量 | {a['pool']['picks']} 户 |",
        f"| 排除对象 | {a['exclusions']['count']} 户 |",
        f"| 随机源 | {_beacon_text(a['beacon'])} |",
        f"| 承诺值（commit） | `{a['commit']}` |",
        f"| 公开时间 | {a['disclosure']} |",
        "",
        "冻结的名单（按 SHA-256 寻址，可下载核对）：",
        "",
        f"- 候选对象名单：[`{a['pool']['sha256'][:16]}…`](../export/blobs/{a['pool']['sha256']})",
        f"- 执法检查人员名单：[`{a['inspector_pool']['sha256'][:16]}…`]"
        f"(../export/blobs/{a['inspector_pool']['sha256']})",
        f"- 排除名单及理由：[`{a['exclusions']['sha256'][:16]}…`]"
        f"(../export/blobs/{a['exclusions']['sha256']})",
        "",
        "## 时间线",
        "",
        "| 时间（UTC） | 记录 | 记录编号 |",
        "|---|---|---|",
        *[
            f"| {r.body['time']} | {RECORD_NAMES.get(r.type, r.type)} | `{r.id[:16]}…` |"
            for r in view.records
        ],
        "",
    ]
    cancel = view.record("task-cancellation")
    if cancel is not None:
        lines += ["## 取消原因", "", _md_escape(cancel.body["reason"]), ""]
    draw = view.record("task-draw")
    if draw is not None and view.status == "drawn":
        lines += [
            "## 抽取结果",
            "",
            f"结果已于 {draw.body['time']} 抽取并封存，封存值 SHA-256 `{draw.body['outcome']}`，"
            f"将于 {a['disclosure']} 公开。",
            "",
        ]
    outcome = view.verification.outcome if view.verification else None
    if outcome is not None:
        title = "## 抽取结果" if view.status == "disclosed" else "## 被取消的抽取结果（一并公开）"
        teams = {t.target: t.inspectors for t in outcome.teams}
        lines += [
            title,
            "",
            f"种子（seed）：`{outcome.seed.hex()}`",
            "",
            "| 分层 | 抽查对象（统一社会信用代码） | 签值（ticket） | 检查组 |",
            "|---|---|---|---|",
        ]
        for key, picks in outcome.strata:
            for p in picks:
                members = "、".join(teams.get(p.target, ()))
                lines.append(f"| {key} | {p.target} | `{p.ticket.hex()[:16]}…` | {members} |")
        lines.append("")
    if view.verification is not None:
        lines += [
            "## 核验结果",
            "",
            "本页生成时已按公开数据逐项核验：",
            "",
            *[f"- ✅ `{c.name}`：{_md_escape(c.detail)}" for c in view.verification.checks],
            "",
            f"自行核验：`lottery verify <本站地址> --task {view.task}`",
            "",
        ]
    lines += _browser_verifier(view)
    return "\n".join(lines)


def _browser_verifier(view: TaskView) -> list[str]:
    """The "在浏览器中验证" button and its result container (publisher/assets/verify.js).

    Raw HTML, passed through by Markdown untouched; the script is on every page
    (``extra_javascript``) and only acts where this block exists.
    """
    return [
        "## 在浏览器中验证",
        "",
        "在本浏览器中，仅用本站 `export/` 目录中的公开数据重新核验本任务：记录签名（Ed25519）、"
        "各名单的 SHA-256、承诺值、随机源、种子，以及抽取与分组的重新计算。",
        "",
        f'<div class="lottery-verifier" data-task="{view.task}">',
        '<button type="button" class="md-button md-button--primary lottery-verify-button">'
        "在浏览器中验证</button>",
        '<div class="lottery-verify-result" aria-live="polite"></div>',
        "</div>",
        "",
    ]


def verify_page(model: SiteModel) -> str:
    """How to verify, downloads and keys."""
    return "\n".join(
        [
            "# 核验说明",
            "",
            "本站发布的每一条记录都经本单位的 Ed25519 密钥签名，"
            "并按顺序写入 RFC 6962 默克尔树日志（C2SP tlog-tiles 格式）。"
            "日志只能追加：历史上签发过的每个检查点都必须是当前日志的前缀。",
            "",
            "## 公钥",
            "",
            *[f"    {k}" for k in model.vkeys],
            "",
            "## 当前检查点",
            "",
            *[f"    {line}" for line in model.checkpoint_text.splitlines()],
            "",
            "## 在自己的电脑上核验",
            "",
            "    pip install <本项目>",
            "    lottery verify <本站地址> --key '<上面的公钥>'",
            "",
            "核验程序会：校验检查点签名；由全部日志条目重新计算树根；核对所有历史检查点；"
            "校验每条记录的签名；核对每个任务的承诺值与公开的秘密值、"
            "随机源（drand BLS 签名或公开号码）、种子，"
            "并重新运行抽取与分组，逐字节比对公开结果。",
            "",
            "## 下载",
            "",
            "- 完整公开数据（日志、检查点、名单）位于本站 `export/` 目录，可整体镜像。",
            "- [当前检查点](../export/checkpoint)、[历史检查点列表](../export/checkpoints/list)",
            "",
        ]
    )


def log_page(model: SiteModel) -> str:
    """The log: checkpoints and the record list."""
    rows = [
        f"| {i} | {r.body['time']} | {r.type} | {r.body.get('task', '')} | `{r.id[:16]}…` |"
        for i, r in enumerate(model.report.records)
    ]
    return "\n".join(
        [
            "# 公开日志",
            "",
            f"日志 `{model.origin}`，共 {model.report.size} 条记录。",
            "",
            "| 序号 | 时间（UTC） | 类型 | 任务 | 记录编号 |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
