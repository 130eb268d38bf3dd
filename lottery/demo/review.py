"""The demo office's publication rules and its 保密审查 (issue #18, "Safe publication";
docs/demo.md).

Published with the risk rules (the same item-list version): results of a task citing RF-005
(人防工程平时使用和维护管理, the shelters' operators) do not publish the place of the
inspection, which locates a named shelter, and publish problems found there (the findings
and the follow-up) in general words instead of the description of the defect; so do the
requirements of a rectification order on such a result (PUB-4). Every result and every
rectification order published after the rules goes through the review (the rules govern both
types); the reviewer writes the general text.
"""

from __future__ import annotations

from datetime import datetime

from lottery.core.publication_rules import PublicationRule, treatment
from lottery.core.records import Record
from lottery.service.results import ResultsService

CENSOR = "保密审查员 孙敏"
SHELTER_ITEM = "RF-005"
PROBLEMS = ("发现问题已责令改正", "发现问题待后续处理")  # the categories that report problems
DEMO_PUBLICATION_RULES = (
    PublicationRule(
        id="PUB-1",
        record="inspection-result",
        field="place",
        action="withhold",
        reason="平时使用的人防工程的检查地点即该工程的位置，属于不宜公开的人防工程信息",
        items=(SHELTER_ITEM,),
    ),
    PublicationRule(
        id="PUB-2",
        record="inspection-result",
        field="findings",
        action="generalise",
        reason="具名人防工程防护设施缺陷的具体描述（如防护密闭门无法正常关闭）可能暴露工程"
        "防护薄弱环节，以概括表述公开",
        items=(SHELTER_ITEM,),
        categories=PROBLEMS,
    ),
    PublicationRule(
        id="PUB-3",
        record="inspection-result",
        field="follow_up",
        action="generalise",
        reason="后续处理写明了具名人防工程的缺陷部位，以概括表述公开",
        items=(SHELTER_ITEM,),
        categories=PROBLEMS,
    ),
    PublicationRule(
        id="PUB-4",
        record="rectification-order",
        field="requirements",
        action="generalise",
        reason="整改要求逐项写明了具名人防工程的防护设施缺陷及其部位，以概括表述公开",
        items=(SHELTER_ITEM,),
        categories=PROBLEMS,
    ),
)
GENERAL = {
    "findings": "发现人防工程维护管理方面的问题，已依法责令改正",
    "follow_up": "已依法责令整改，并跟踪复查",
}
GENERAL_REQUIREMENTS = (
    "按人防工程维护管理规定完善管理制度、维护保养防护设备设施，整改完成后书面报告"
)
"""The general text of the demo's reviewed rectification order (rule PUB-4)."""


def review(results: ResultsService, result_id: int, at: datetime) -> Record | None:
    """The demo reviewer's 保密审查 of an approved result: the general text for each field a
    generalising rule applies to. The record when published, None for a held result."""
    applied = results.publication_rules(result_id)
    texts = {
        name: GENERAL[name]
        for name, rule in treatment(applied).items()
        if rule.action == "generalise" and name in GENERAL
    }
    return results.review_publication(result_id, texts, at, reviewer=CENSOR)


def rule_lines() -> list[str]:
    """What the demo prints about its publication rules."""
    return [
        f"publication rules: {r.id} {r.zh()}（理由：{r.reason}）" for r in DEMO_PUBLICATION_RULES
    ]


__all__ = ["CENSOR", "DEMO_PUBLICATION_RULES", "GENERAL_REQUIREMENTS", "review", "rule_lines"]
