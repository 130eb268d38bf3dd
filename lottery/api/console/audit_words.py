"""Chinese names of the audit trail's actions (the ``action`` of ``record_audit`` calls) and
of the keys of their detail, and the detail as label: value pairs for the 审计记录 page.

An action without a name here is shown as its code; ``tests/api/test_console_admin.py`` reads
the service's ``record_audit(`` calls and fails when one is missing. A detail key without a
label is shown as the key itself. Values stay text: the template escapes them.
"""

from __future__ import annotations

import json
from typing import Any

ACTIONS_ZH: dict[str, str] = {
    "auth.login": "登录",
    "auth.login-failed": "登录失败",
    "auth.lockout": "登录失败次数过多，暂时锁定",
    "auth.logout": "退出登录",
    "user.create": "新建用户账号",
    "user.enable": "启用用户账号",
    "user.disable": "停用用户账号",
    "user.password-reset": "重置用户密码",
    "user.roles": "更改用户角色",
    "user.password-change": "修改本人密码",
    "user.password-change-failed": "修改本人密码失败",
    "user.set-inspector": "设置账号对应的执法检查人员",
    "user.org-unit": "更改账号所属单位",
    "task.create": "新建抽查任务",
    "task.update": "修改抽查任务草稿",
    "task.delete": "删除抽查任务草稿",
    "secret.create": "生成本办公室秘密",
    "task.announce": "公告抽查任务",
    "task.draw": "抽取抽查对象",
    "task.disclose": "公开抽取结果",
    "task.cancel": "取消抽查任务",
    "task.cancel.request": "申请取消抽查任务",
    "task.cancel.confirm": "确认取消申请（第二人）",
    "task.cancel.reject": "撤回或驳回取消申请",
    "task.cancel.void": "取消申请因任务状态变化作废",
    "task.close": "办结抽查任务",
    "outcome.read": "查看封存的抽取结果",
    "beacon.numbers.enter": "录入开奖号码",
    "beacon.numbers.confirm": "复核开奖号码",
    "beacon.numbers.reject": "作废已录入的开奖号码",
    "beacon.fallback": "启用备用随机数来源",
    "registry.import": "导入名录",
    "registry.publish": "发布名录快照",
    "target-type.withhold": "设置检查对象类型以承诺值公开（仅公开被抽中对象）",
    "target-type.publish": "取消检查对象类型的承诺值公开",
    "items.publish": "发布抽查事项清单",
    "conflict.declare": "登记回避关系",
    "conflict.remove": "删除回避关系",
    "result.enter": "录入检查结果",
    "result.correct": "更正检查结果",
    "result.approve": "审核通过检查结果",
    "result.send-back": "退回检查结果",
    "report.draft": "起草抽查报告",
    "report.edit": "修改抽查报告",
    "report.approve": "审核通过抽查报告",
    "penalty.enter": "录入行政处罚",
    "penalty.approve": "审核通过行政处罚",
    "penalty.withdraw": "撤回行政处罚",
    "penalty.revoked": "登记处罚决定被撤销",
    "exchange.export": "导出平台报送文件",
    "exchange.sent": "标记平台报送文件已报送",
    "result.withdraw": "撤回检查结果内容",
    "result.evidence-download": "下载检查结果的证据文件",
    "calendar.set": "维护节假日安排",
    "schedule.failed": "定时任务执行失败",
    "site.publish": "请求重新发布公开网站",
    "document.issue": "制作执法文书",
    "document.download": "下载执法文书",
    "rectification.order": "下达整改要求",
    "rectification.check-enter": "录入复查结果",
    "rectification.check-approve": "审核并公开复查结果",
    "rectification.withdraw": "撤回整改或复查内容",
    "rectification.order-publication-review": "整改通知保密审查并公开",
    "rectification.check-publication-review": "复查结果保密审查并公开",
    "report.target-edit": "修改单户抽查报告",
    "objection.record": "登记异议",
    "objection.decide": "处理异议并公开处理结果",
    "plan.publish": "公开年度抽查计划",
    "witness.policy": "公开见证方策略",
    "office-key.rotate": "更换本单位签名密钥",
    "secrets-key.rotate": "更换保密数据加密密钥",
    "secrets-key.replace-lost": "加密密钥遗失后启用新密钥",
    "result.publish-held": "公开时发布已审核的检查结果",
    "result.publication-review": "检查结果保密审查",
}


# The keys of the details the service records (``record_audit``'s ``detail``), in the order
# they are shown; a key not listed here is shown as itself, after these, by name.
DETAIL_KEYS_ZH: dict[str, str] = {
    "record": "公开记录",
    "report": "报告记录",
    "result": "检查结果",
    "supersedes": "被更正的结果记录",
    "penalty": "处罚决定",
    "ground": "依据",
    "reason": "原因",
    "title": "任务名称",
    "changed": "修改的内容",
    "step": "步骤",
    "error": "错误",
    "round": "drand 轮次",
    "deadline": "截止时间",
    "relays": "中继服务器的答复",
    "entry": "号码录入编号",
    "numbers": "录入的号码",
    "entered": "录入的号码",
    "confirmed": "复核时输入的号码",
    "fallback": "备用信标",
    "sha256": "结果数据哈希",
    "inspector": "执法检查人员",
    "target": "检查对象",
    "targets": "检查对象数",
    "results": "检查结果数",
    "rows": "行数",
    "export": "导出编号",
    "sent_on": "报送日期",
    "revoked": "撤销决定日期",
    "items": "事项数",
    "version": "版本",
    "format": "文件格式",
    "file_sha256": "文件 SHA-256",
    "inserted": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "removed": "移出",
    "blob": "数据文件哈希",
    "holidays": "节假日天数",
    "workdays": "调休上班天数",
    "roles": "角色",
    "org_unit": "所属单位",
    "before": "修改前",
    "after": "修改后",
    "must_change_password": "须修改密码",
    "sessions_ended": "结束的登录会话数",
    "other_sessions_ended": "结束的其他登录会话数",
    "scope": "锁定范围",
    "old": "原密钥",
    "new": "新密钥",
    "checkpoint": "检查点（记录数）",
    "secrets": "重新加密的抽查密钥数",
    "outcomes": "重新加密的保密抽取结果数",
    "sealed_rows": "无法再解密的保密数据条数",
    "failures": "失败次数",
    "seconds": "锁定秒数",
    "until": "锁定至",
    "added": "新增联署签名",
    "witnesses": "见证方",
    "quorum": "法定数",
    "margin": "余量（秒）",
    "request": "取消申请编号",
    "requested_in": "申请时的任务状态",
    "now": "现在的任务状态",
    "state": "任务状态",
    "requested_by": "申请人",
    "secret_lost": "秘密值遗失（取消时未公开秘密值）",
    "withdrawn": "由申请人撤回",
    "name": "文件名",
    "size": "文件大小（字节）",
    "document": "执法文书编号",
    "documents": "执法文书份数",
    "kind": "种类",
    "number": "文号",
    "due": "整改期限",
    "outcome": "复查结论",
    "rectification": "整改要求编号",
    "objection": "异议编号",
    "received": "异议收到日期",
    "decision": "异议处理结果",
    "held": "已审核，待公开后发布",
    "publication_review": "保密审查",
    "rules": "适用的公开规则",
    "withheld": "不公开的字段",
    "generalised": "概括表述的字段",
    "publication_rules": "公开规则",
    "results_void": "作废的检查结果（编号）",
    "result_notice": "检查结果告知书",
    "purpose": "用途",
    "year": "年度",
    "entries": "计划条目数",
}

# Values that are codes, by key: shown by their Chinese name (other values as they are).
_VALUES_ZH: dict[str, dict[str, str]] = {
    "result_notice": {"pending": "暂未能生成，稍后自动出具"},
    "publication_review": {"pending": "待保密审查"},
    "ground": {
        "expired": "公示期满",
        "revoked": "决定被撤销、变更，或被确认违法、无效",
        "repaired": "信用修复",
        "other": "其他原因",
    },
    "step": {"announce": "公告", "draw": "抽取", "disclose": "公开抽取结果"},
    "kind": {"notice": "行政检查通知书", "record": "现场检查笔录", "result": "检查结果告知书"},
    "decision": {"upheld": "异议成立", "dismissed": "异议不成立"},
    "purpose": {
        "result": "录入检查结果",
        "result-review": "审核检查结果",
        "documents": "查看执法文书",
    },
}


def action_zh(action: str) -> str:
    """The Chinese name of an audit action, or the code itself when it has none."""
    return ACTIONS_ZH.get(action, action)


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无"
    if isinstance(value, str):
        return _VALUES_ZH.get(key, {}).get(value, value)
    if isinstance(value, list) and all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        return "、".join(str(v) for v in value) if value else "无"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def detail_pairs(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's detail as (label, value) pairs: known keys by their Chinese label in the
    order of :data:`DETAIL_KEYS_ZH`, then unknown keys as themselves, by name. Values are
    text (yes/no for booleans, 无 for none, a list of names joined by 、, anything nested
    as compact JSON); the template escapes both."""
    order = {key: n for n, key in enumerate(DETAIL_KEYS_ZH)}
    keys = sorted(detail, key=lambda k: (k not in order, order.get(k, 0), k))
    return [(DETAIL_KEYS_ZH.get(k, k), _value_text(k, detail[k])) for k in keys]
