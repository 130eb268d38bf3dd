"""One map names every record type in Chinese; the monitor and the publication rules read it."""

from lottery.core import monitor_words, publication_rules
from lottery.core.record_names import RECORD_TYPES_ZH, record_type_zh
from lottery.core.records import SCHEMAS


def test_every_record_type_has_a_chinese_name() -> None:
    assert set(RECORD_TYPES_ZH) == set(SCHEMAS)


def test_the_monitor_and_the_publication_rules_say_the_same_names() -> None:
    for kind, name in publication_rules.RECORD_ZH.items():
        assert monitor_words.TYPE_NAMES_ZH[kind] == name
    # The words of the console, the site and the verifier (the two maps once said 责令整改 and
    # 整改通知, 整改复查 and 复查结果, 抽查结果 and 检查结果).
    assert publication_rules.RECORD_ZH == {
        "inspection-result": "检查结果",
        "rectification-order": "整改通知",
        "rectification-check": "复查结果",
    }
    assert record_type_zh("no-such-type") == "no-such-type"
