"""Chinese names of the audit trail's actions (the ``action`` of ``record_audit`` calls).

An action without a name here is shown as its code; ``tests/api/test_console_admin.py`` reads
the service's ``record_audit(`` calls and fails when one is missing.
"""

from __future__ import annotations

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
    "task.create": "新建抽查任务",
    "task.update": "修改抽查任务草稿",
    "task.delete": "删除抽查任务草稿",
    "secret.create": "生成本办公室秘密",
    "task.announce": "公告抽查任务",
    "task.draw": "抽取抽查对象",
    "task.disclose": "公开抽取结果",
    "task.cancel": "取消抽查任务",
    "task.close": "办结抽查任务",
    "outcome.read": "查看封存的抽取结果",
    "beacon.numbers.enter": "录入开奖号码",
    "beacon.numbers.confirm": "复核开奖号码",
    "beacon.numbers.reject": "作废已录入的开奖号码",
    "beacon.fallback": "启用备用随机数来源",
    "registry.import": "导入名录",
    "registry.publish": "发布名录快照",
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
    "result.withdraw": "撤回检查结果内容",
    "result.evidence-download": "下载检查结果的证据文件",
    "calendar.set": "维护节假日安排",
    "schedule.failed": "定时任务执行失败",
    "site.publish": "请求重新发布公开网站",
}


def action_zh(action: str) -> str:
    """The Chinese name of an audit action, or the code itself when it has none."""
    return ACTIONS_ZH.get(action, action)
