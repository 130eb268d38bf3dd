"""What each verification check establishes, in plain Chinese (issue #17: the public site reads
as a notice, not an engineer's log).

The check's name (docs/spec.md section 8, ``lottery/core/check_names.py``) stays beside the
sentence as the technical reference; ``tests/test_cli_verify_lang.py`` fails when a
check name has no sentence here.
"""

from __future__ import annotations

CHECKS_ZH: dict[str, str] = {
    "record.format": "每条记录都是规定格式的规范 JSON，字段齐全、没有多余内容",
    "record.log": "每条记录都属于本办公室的这份公开日志",
    "record.signature": "每条记录都有本办公室公布的密钥所作的签名",
    "records.signature": "日志中的全部记录都有本办公室的签名",
    "log.archive": "历次存档的日志检查点前后一致",
    "log.checkpoint": "最新的日志检查点有本办公室的签名",
    "log.consistency": "日志只增不改：后来的检查点包含先前的全部记录",
    "log.cosigned": "见证方副署的检查点与日志一致",
    "log.entries": "日志中的每条记录都与检查点的根哈希相符",
    "log.format": "日志文件的格式正确",
    "log.key_change": "机关密钥的每次更换都有旧密钥和新密钥的共同签名，之后的记录用新密钥核验",
    "log.missing": "日志所需的文件齐全",
    "log.tiles": "日志的哈希树各分片都与检查点相符",
    "checkpoint.consistency": "检查点之间前后一致",
    "checkpoint.format": "检查点的格式正确",
    "checkpoint.origin": "检查点属于本办公室的日志",
    "checkpoint.signature": "检查点有本办公室的签名",
    "tiles.hash": "哈希树分片的内容与其哈希相符",
    "tiles.root": "由全部分片算出的根哈希与检查点相符",
    "merkle.consistency": "两个检查点之间的一致性证明成立",
    "merkle.inclusion": "记录包含在检查点之内的证明成立",
    "note.signature": "签名文本的签名有效",
    "cosignature.format": "见证方副署的格式正确",
    "cosignature.signature": "见证方副署的签名有效",
    "cosigned.consistency": "副署的检查点与日志一致",
    "cosigned.format": "副署文件的格式正确",
    "cosigned.list": "副署文件清单与文件相符",
    "cosigned.missing": "清单列出的副署文件都在",
    "task.announcement": "本任务有且只有一条公告记录",
    "task.cancellation": "本任务至多有一条取消记录",
    "task.draw": "本任务至多有一条抽取记录",
    "task.links": "公开或取消记录指向的正是本任务的抽取记录和封存值",
    "task.log_order": "日志中先有公告，后有抽取，再有公开或取消，顺序无法倒填",
    "task.missing": "日志中有本任务",
    "task.order": "各记录的时间先后正确：公告在抽取之前，抽取在公开或取消之前",
    "task.records": "核验的记录都属于本任务",
    "task.reveal": "本任务至多有一条公开记录",
    "task.state": "本任务没有既公开又取消",
    "draw.links": "抽取记录指向本任务的公告，封存的抽取数量与名单规则一致",
    "draw.outcome": "公开的抽取结果格式正确",
    "draw.outcome_bytes": "重新计算的抽取结果与公开的结果逐字节相同",
    "draw.outcome_hash": "公开的抽取结果与抽取时封存的哈希值相符",
    "draw.rerun": "按公开的数据重新抽取，得到同样的结果",
    "draw.selection": "重新抽取的检查对象与公开的相同",
    "draw.teams": "重新分组的检查人员与公开的相同",
    "draw.time": "抽取时间在公告之后",
    "blob.exclusions": "公告所附的排除名单与其哈希值相符",
    "blob.hash": "公告所附的名单文件与其哈希值相符",
    "blob.inspectors": "公告所附的检查人员名单与其哈希值相符",
    "blob.missing": "公告所附的名单文件齐全",
    "blob.pool": "公告所附的检查对象名单与其哈希值相符",
    "pool.counts": "各层抽取数量按公告的比例和取整规则计算",
    "pool.format": "检查对象名单格式正确、已排序",
    "pool.summary": "检查对象名单的户数、分层和抽取数与公告一致",
    "inspectors.format": "检查人员名单格式正确、已排序",
    "inspectors.summary": "检查人员名单的人数与公告一致",
    "inspectors.departments": (
        "部门联合抽查：检查人员名单中每人都属于公告列出的部门，每组各部门一人的规则与公告一致"
    ),
    "exclusions.disjoint": "排除名单的户数与公告一致，被排除的对象不在名单之中",
    "exclusions.format": "排除名单格式正确、已排序",
    "teams.feasible": "按公告的每组人数和工作量上限，分组一定可行",
    "beacon.drand": "drand 随机数的 BLS 签名有效",
    "beacon.future": "公告时所用的随机数还不存在（随机数的时间在公告之后）",
    "beacon.spec": "公告指定的随机数来源格式正确",
    "beacon.value": "抽取所用的随机数正是公告指定的那一个",
    "commit.reveal": "公开的秘密值与公告时的承诺相符：办公室事先无法改变它",
    "cancel.secret_lost": (
        "警告：办公室声明本任务的秘密值已遗失并取消了任务，抽取结果无法公开核验"
    ),
    "announcement.witnessed": "公告在随机数产生之前已由见证方副署",
    "announcement.items": "公告所列的抽查事项都在此前公布的抽查事项清单之中",
    "exclusions.cap_exceptions": (
        "公告列明的年度抽查次数例外对象都在候选名单中、没有被排除，且每户都写明了理由"
    ),
    "announcement.registries": "公告注明了抽取所依据的名录库快照，且这些快照都在公告之前公开",
    "pool.membership": (
        "按公开的名录库快照和抽查事项清单重新推算：符合条件的检查对象都在名单中或列明了排除理由，"
        "没有遗漏，也没有多出；每户所在的分层与快照一致"
    ),
    "pool.openings": (
        "以承诺值公开的检查对象中，被抽中的都已公开其名称和统一社会信用代码，且与承诺值相符；"
        "未被抽中的一户也没有公开"
    ),
    "inspectors.membership": (
        "按公开的执法人员名录快照重新推算：符合条件的执法人员都在备选名单中，没有遗漏，也没有多出"
    ),
    "reveal.early": (
        "提前公开的任务在公告中选择了提前公开，且公开时每个抽中对象的检查结果都已审核并随即公布"
    ),
    "report.results": "抽查报告所依据的检查结果都已在此前公开且为最新",
    "report.summary": "抽查报告的汇总数字与所依据的检查结果相符",
    "result.supersedes": "更正记录更正的是同一检查对象此前公开的结果",
    "penalty.result": "处罚决定所依据的检查结果是同一当事人的、此前公开的结果",
    "rectification.order": (
        "整改要求针对的是同一检查对象此前公开的、发现问题的检查结果，整改期限不早于下达之日"
    ),
    "rectification.check": (
        "复查结果针对的是同一检查对象此前公开的整改要求，每项只复查一次，"
        "复查日期不早于下达之日、不晚于公开之日"
    ),
    "objection.result": "异议处理结果针对的是同一检查对象此前公开的检查结果",
    "objection.correction": (
        "异议成立的，所附更正记录更正的正是被提出异议的那份检查结果，且在此前公开"
    ),
    "objection.dates": "异议的收到日期不早于结果公开之日，处理日期不早于收到之日、不晚于公开之日",
    "objection.period": "异议期限从检查结果公开之日起按工作日正确计算，异议在期限内收到",
    "withdrawal.penalty": "撤回记录撤回的是此前公开的处罚决定，且只撤回一次",
    "withdrawal.sealed": "撤回记录撤回的正是该记录的内容承诺",
    "sealed.content": "公开的内容与记录中的承诺值相符",
    "sealed.missing": "内容缺失的，都有撤回记录",
    "sealed.withdrawn": "已撤回的内容确已删除，并列明撤回日期和原因",
    "publication.review": (
        "公开的检查结果、整改通知和复查结果都经过保密审查，适用了现行抽查事项清单的公开规则："
        "规定不公开的内容确未公开"
    ),
    "result.onsite": (
        "检查结果与现场记录一致：有“不符合”的要点不能是“未发现问题”，发现问题没有证据的说明了原因"
    ),
    "result.joint_with": "联合检查的结果所注明的其他任务，正是此前公开的、同一对象同一天检查的结果",
    "result.visit_cap": (
        "同一对象一年内的现场检查（同一天的联合检查算一次）不超过 2 次；超过的都公开了理由，"
        "或属于按公开规则不受次数限制的情形"
    ),
    "inspectors.cross_check": (
        "公告选择了交叉检查：按公开的名录库快照重新推算，检查人员都不会被派去检查本单位辖区的对象，"
        "且都具备所列抽查事项要求的专业"
    ),
    "announcement.min_ratio": "任务抽取的对象占候选对象的比例不低于所列抽查事项规定的抽查比例",
    "deadline.published": "公示期限按工作日正确计算，是否按时如实填写",
    "calendar.data": "办公室发布的节假日安排格式正确",
    "calendar.supersedes": "节假日安排的更新指向此前最新的一版",
    "announcement.plan": (
        "任务所执行的年度抽查计划条目，在公告时已公开且为该年计划的现行版本，"
        "任务在计划年度内实施，所列抽查事项都在该条目计划之中"
    ),
    "plan.supersedes": "年度抽查计划的每次调整都是新的一版，指向此前最新的一版，各版都已公开",
}


REFERENCES_ZH: dict[str, str] = {
    "announcement": "公告引用的抽查事项清单、年度抽查计划和名录库快照都是此前公开的记录",
    "result": "检查结果引用的任务、抽取和此前的结果都是此前公开的记录",
    "report": "抽查报告引用的都是此前公开的记录",
    "penalty": "处罚决定引用的都是此前公开的检查结果",
    "withdrawal": "撤回记录引用的都是此前公开的记录",
    "rectification": "整改要求和复查记录引用的都是此前公开的记录",
    "objection": "异议处理结果引用的检查结果和更正记录都是此前公开的记录",
    "calendar": "节假日安排的更新引用的都是此前公开的记录",
    "plan": "年度抽查计划的各版本依次衔接，引用的都是此前公开的版本",
}
"""The summary checks ``<kind>.references`` (``lottery/core/deadline_audit.py``): every
reference of that kind of record points at an earlier published record."""


def check_zh(name: str) -> str:
    """The Chinese sentence of check ``name`` (the name itself when none is written yet)."""
    kind, _, rest = name.partition(".")
    if rest == "references" and kind in REFERENCES_ZH:
        return REFERENCES_ZH[kind]
    return CHECKS_ZH.get(name, name)
