"""``lottery registry publication-rules`` and ``lottery result reviewing|review`` (docs/import.md,
docs/results.md "The publication review"): rules published and shown; bad input is one line
and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_service import data, run  # noqa: F401 - the fixture

RULE = {
    "id": "PUB-1",
    "record": "inspection-result",
    "field": "place",
    "action": "withhold",
    "reason": "检查地点可指示人防工程的位置",
}


def test_rules_shown_published_and_bad_input_refused(data: Path, tmp_path: Path) -> None:  # noqa: F811
    assert "无公开规则" in run("registry", "publication-rules", data=data).stdout
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([RULE], ensure_ascii=False), encoding="utf-8")
    done = run("registry", "publication-rules", str(rules), "--actor", "boss", data=data).stdout
    assert "已发布抽查事项清单第 2 版" in done
    assert "PUB-1：检查结果的“检查地点”不公开。理由：检查地点可指示人防工程的位置" in done
    assert "没有待保密审查的检查结果" in run("result", "reviewing", data=data).stdout
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps([dict(RULE, field="categories")]), encoding="utf-8")
    not_json = tmp_path / "bad.json"
    not_json.write_text("[", encoding="utf-8")
    for args, words in (
        (
            ("registry", "publication-rules", str(wrong)),
            "公开规则有误：第 1 条规则（PUB-1）：“检查结论”（categories）是公众重新抽取或统计"
            "结果所需的内容，不能规定不公开或概括表述（publication_rules[0].field 'categories' "
            "can never be withheld",
        ),
        (("registry", "publication-rules", str(not_json)), "不是可读的 JSON 文件"),
        (("registry", "publication-rules", str(rules)), "公开规则与现行清单相同"),
        (("result", "review", "7"), "no result 7"),
        (("result", "review", "7", "--generalise", "risk=x"), "--generalise"),
    ):
        refused = run(*args, data=data, ok=False)
        assert refused.returncode != 0 and words in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr


def test_rectification_review_commands_answer_in_chinese(data: Path) -> None:  # noqa: F811
    assert (
        "没有待保密审查的整改通知或复查结果" in run("rectification", "reviewing", data=data).stdout
    )
    for args, words in (
        (("rectification", "review", "7", "--kind", "order"), "没有编号为 7 的整改要求"),
        (("rectification", "review", "7", "--kind", "result"), "--kind"),
    ):
        refused = run(*args, data=data, ok=False)
        assert refused.returncode != 0 and words in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
