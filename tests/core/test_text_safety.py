"""Which characters staff may not store or publish (lottery.core.text_safety): a corpus of
hostile and of ordinary strings, each with the answer written out."""

from __future__ import annotations

import pytest

from lottery.core.text_safety import find_unsafe, first_unsafe

REFUSED = {
    "nul": ("标题\x00", 0x0000, "control"),
    "escape": ("\x1b[31m红色", 0x001B, "control"),
    "carriage_return": ("a\rb", 0x000D, "control"),
    "delete": ("a\x7f", 0x007F, "control"),
    "c1_next_line": ("a\x85b", 0x0085, "control"),
    "right_to_left_override": ("abc\u202efdp.exe", 0x202E, "bidi"),
    "left_to_right_embedding": ("\u202a", 0x202A, "bidi"),
    "pop_directional": ("x\u202c", 0x202C, "bidi"),
    "first_strong_isolate": ("\u2068x", 0x2068, "bidi"),
    "right_to_left_mark": ("x\u200f", 0x200F, "bidi"),
    "arabic_letter_mark": ("\u061c", 0x061C, "bidi"),
    "lone_surrogate": ("a\ud800", 0xD800, "surrogate"),
    "noncharacter_fffe": ("\ufffe", 0xFFFE, "noncharacter"),
    "noncharacter_fdd0": ("\ufdd0", 0xFDD0, "noncharacter"),
    "noncharacter_plane_1": ("\U0001ffff", 0x1FFFF, "noncharacter"),
}

ALLOWED = {
    "chinese": "青岚市人防工程平时使用检查（2026年）",
    "markup_is_escaped_not_refused": 'x</title><script>alert(1)</script><a href="javascript:x">',
    "html_comment": "<!-- -->",
    "markdown_link": "[点此](javascript:alert(1))",
    "emoji_with_zero_width_joiner": "👨\u200d👩\u200d👧 🚒",
    "ideographic_space": "甲\u3000乙",
    "lines_and_tabs": "第一行\n第二行\t完",
    "long": "长" * 100_000,
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_characters(name: str) -> None:
    text, codepoint, kind = REFUSED[name]
    found = first_unsafe(text, "title")
    assert found is not None
    assert (found.path, found.codepoint, found.kind) == ("title", codepoint, kind)


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_allowed_text(name: str) -> None:
    assert first_unsafe(ALLOWED[name]) is None


def test_single_line_fields_refuse_line_feeds_when_asked() -> None:
    assert first_unsafe("a\nb") is None
    found = first_unsafe("a\nb", multiline=False)
    assert found is not None and found.codepoint == 0x0A


def test_nested_values_name_the_field_path() -> None:
    fields = {
        "title": "ok",
        "findings": [{"text": "ok"}, {"text": "ok"}, {"text": "bad\u202e"}],
        "count": 3,
    }
    found = find_unsafe(fields)
    assert found is not None and found.path == "findings[2].text"
    assert find_unsafe({"ke\x00y": "v"}) is not None  # keys too
    assert find_unsafe({"a": [1, 2.5, None, True, {"b": ["fine"]}]}) is None
