"""The on-site record of an inspection (issue #16): checklist answers and typed evidence.

Pure rules shared by the service (when a result is entered) and ``lottery verify`` (on the
sealed content of a published result, while it is published):

- each point of the cited items' checklists (检查要点) is answered 符合 / 不符合 / 不涉及,
  a 不符合 answer with a note, and a result with any 不符合 is not 未发现问题;
- each evidence file has a kind (笔录, 照片, 音像, 书证) and a source;
- a result whose categories show findings (any but 未发现问题) and that lists no evidence
  states why (无证据说明).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ANSWERS = ("符合", "不符合", "不涉及")
FAILED = "不符合"
EVIDENCE_KINDS = ("笔录", "照片", "音像", "书证")
NO_PROBLEM = "未发现问题"  # as lottery.core.records.NO_PROBLEM (records imports this module)


def expected_points(
    refs: Sequence[Mapping[str, Any]], item_lists: Mapping[int, Mapping[str, Mapping[str, Any]]]
) -> list[tuple[str, str]]:
    """The (item, point) pairs a result of a task answers, in order: the checklist of each
    item the announcement cites (``refs``: ``{code, version}``), looked up in that version of
    the published item list (``item_lists``: version -> code -> item), each item once."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, int]] = set()
    for ref in refs:
        key = (str(ref["code"]), int(ref["version"]))
        if key in seen:
            continue
        seen.add(key)
        item = item_lists.get(key[1], {}).get(key[0], {})
        out.extend((key[0], str(p["point"])) for p in item.get("checklist") or ())
    return out


def content_problems(
    categories: Sequence[str],
    content: Mapping[str, Any],
    expected: Sequence[tuple[str, str]] | None = None,
) -> list[str]:
    """What is wrong with a result's sealed ``content`` given its public ``categories``
    (English, for ``lottery verify``); empty when it follows the rules above. ``expected``
    (:func:`expected_points`, None when the task's announcement is not at hand): the points
    the answers must be, exactly and in order.

    Content sealed before the on-site record (no ``checklist`` and no ``started``) is only
    checked for what it holds: evidence without a kind is not a fault of an old result (and
    the item lists of its time carried no checklist).
    """
    problems: list[str] = []
    answers = content.get("checklist") or []
    if expected is not None:
        given = [(str(a.get("item")), str(a.get("point"))) for a in answers]
        if given != list(expected):
            missing = [p for p in expected if p not in given]
            extra = [p for p in given if p not in expected]
            what = (
                f"does not answer point {missing[0][1]!r} of item {missing[0][0]}"
                if missing
                else f"answers {extra[0][1]!r}, not a point of item {extra[0][0]}"
                if extra
                else "answers the checklist out of order"
            )
            problems.append(f"the result {what} (the checklists of the items its task cites)")
    failed = [a for a in answers if a.get("answer") == FAILED]
    if failed and list(categories) == [NO_PROBLEM]:
        problems.append(f"point {failed[0]['point']!r} is 不符合 but the result is 未发现问题")
    for a in failed:
        if not str(a.get("note", "")).strip():
            problems.append(f"point {a['point']!r} is 不符合 without a note")
    new_format = "checklist" in content or "started" in content
    findings = list(categories) != [NO_PROBLEM]
    reason = str(content.get("no_evidence_reason", "")).strip()
    if new_format and findings and not content.get("evidence") and not reason:
        problems.append("a result with findings lists no evidence and states no reason")
    return problems
