"""The demo office's risk rules (issue #16, "Risk rules that act"; docs/demo.md).

Published right after the first item list, as a new version with the same items: complaints
and bad records raise a target's class, a serious violation puts it in the highest class, and
the highest class is not held to the "原则上 2 次" annual cap. The same version carries the
office's publication rules (:mod:`lottery.demo.review`).
"""

from __future__ import annotations

from datetime import datetime

from lottery.core.risk_rules import RaiseRule, RiskRules
from lottery.demo.review import DEMO_PUBLICATION_RULES, rule_lines
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import set_risk_rules

DEMO_RULES = RiskRules(
    (
        RaiseRule("complaints", 3, "C"),
        RaiseRule("bad_records", 2, "C"),
        RaiseRule("serious_violation", 1, "D"),
    ),
    uncapped=("D",),
)


def publish_demo_rules(lc: Lifecycle, actor: str, when: datetime) -> list[str]:
    """Publish the demo's risk rules; the lines the demo prints."""
    record = set_risk_rules(
        lc, DEMO_RULES, actor=actor, now=when, publication_rules=DEMO_PUBLICATION_RULES
    )
    version = record.body["version"]
    lines = [f"risk rules: item list version {version} ({'; '.join(DEMO_RULES.zh_lines())})"]
    return lines + rule_lines()
