"""Every check a verifier reports has a plain Chinese sentence on the site (issue #17)."""

from __future__ import annotations

import re

from lottery.core.check_names import CheckName
from publisher.check_words import CHECKS_ZH, check_zh
from tests.publisher.conftest import BuiltSite

_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_check_name_has_a_chinese_sentence() -> None:
    assert {c.value for c in CheckName} - set(CHECKS_ZH) == set()
    assert set(CHECKS_ZH) - {c.value for c in CheckName} == set()  # no stale entry
    assert all(_CJK.search(sentence) for sentence in CHECKS_ZH.values())
    assert check_zh("no.such") == "no.such"


def test_a_task_page_lists_its_checks_in_chinese(built_site: BuiltSite) -> None:
    pages = sorted((built_site.site / "tasks").glob("*/index.html"))
    text = next(t for t in (p.read_text("utf-8") for p in pages) if "核验结果" in t)
    assert "通过：" + CHECKS_ZH["commit.reveal"] in text
    assert "✅" not in text  # an emoji many Chinese fonts draw as an empty box
    assert "技术细节" in text and "<details>" in text
