"""The site in plain words (issue #17): every check in Chinese, working steps to verify."""

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


def test_the_verify_page_gives_working_steps_and_says_what_the_browser_trusts(
    built_site: BuiltSite,
) -> None:
    from importlib import metadata

    text = (built_site.site / "verify" / "index.html").read_text("utf-8")
    assert "本项目" not in text  # no placeholder left for the reader to guess
    assert f"版本 {metadata.version('lottery')}" in text
    assert "lottery verify" in text
    assert "不能证明这把公钥确实属于本单位" in text  # the browser check trusts the served key


def test_a_task_page_names_its_units_and_explains_its_exclusions(built_site: BuiltSite) -> None:
    from lottery.core.pool import EXCLUSION_REASONS, decode_exclusions
    from publisher.model import load_model

    model = load_model(built_site.built.export)
    names = model.names("org-units")
    for task in model.tasks.values():
        a = task.announcement
        excluded = decode_exclusions(model.get(f"blobs/{a['exclusions']['sha256']}"))
        if not excluded:
            continue
        text = (built_site.site / "tasks" / a["task"] / "index.html").read_text("utf-8")
        for ex in excluded:
            assert re.search(f"<td[^>]*>{ex.target}</td>", text)
            assert EXCLUSION_REASONS[ex.reason] in text
        assert not any(re.search(f"<td[^>]*>{ex.reason}</td>", text) for ex in excluded)
        unit = a["org_units"][0]
        assert f"{names[unit]}（{unit}）" in text
        return
    raise AssertionError("the built site has no task with an exclusion")


def test_every_task_page_opens_with_plain_words_and_the_fairness_page_exists(
    built_site: BuiltSite,
) -> None:
    fair = (built_site.site / "fair" / "index.html").read_text("utf-8")
    assert "为什么这次抽取是公平的" in fair and "承诺值" in fair and "只能追加" in fair
    pages = sorted((built_site.site / "tasks").glob("*/index.html"))
    assert pages
    for page in pages:
        text = page.read_text("utf-8")
        assert "本单位于北京时间" in text and "任何人都可以用本页公开的数据自行重新计算" in text
        assert "../../fair/" in text  # the link to the plain explanation
