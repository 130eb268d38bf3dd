"""Registry and record text on the public pages: inert, on one line, rendered as documented.

Registry rows and result records are typed by staff or imported from spreadsheets; whatever
they hold must reach the page as text, never as markup (HTML or Markdown), and must not break
the table it sits in. The expected strings are written out by hand from the rule that
publisher/render.py documents (HTML's five characters as named or hex references, the
Markdown specials ``\\ ` * _ [ ] | #`` as decimal references, whitespace collapsed, hidden
characters as ``[U+XXXX]``), not computed with the functions under test.
"""

from __future__ import annotations

import pytest

from publisher.pages import cell, h, link, md, table
from publisher.render import code, escape, safe_href, url_part, verbatim

HOSTILE = "<script>alert(\"x\")</script> & 'q'"
HOSTILE_SHOWN = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;"


@pytest.mark.parametrize("fn", [escape, h, md])
def test_markup_is_shown_as_text(fn: object) -> None:
    assert str(fn(HOSTILE)) == HOSTILE_SHOWN  # type: ignore[operator]


def test_every_markdown_special_becomes_a_decimal_reference() -> None:
    # \ ` * _ [ ] | # could start emphasis, code, a link, a heading or end a table cell.
    assert str(escape("\\`*_[]|#")) == "&#92;&#96;&#42;&#95;&#91;&#93;&#124;&#35;"
    assert str(md("a|b_c")) == "a&#124;b&#95;c"


def test_text_is_put_on_one_line() -> None:
    assert str(h("  甲公司\n\t乙  部门 \r\n")) == "甲公司 乙 部门"


def test_hidden_characters_are_shown_as_code_points() -> None:
    # A right-to-left override would reorder what the reader sees; a NUL breaks the page.
    # The marker's brackets are Markdown specials too: the reader sees "[U+202E]".
    assert str(escape("ab\u202ecd\x00")) == "ab&#91;U+202E&#93;cd&#91;U+0000&#93;"
    assert str(escape("普通文本")) == "普通文本"
    # Invisible but harmless format characters stay: a zero-width joiner builds an emoji.
    assert str(escape("👨\u200d👩")) == "👨\u200d👩"


def test_json_values_are_shown_as_json_with_chinese_kept() -> None:
    assert str(h({"名称": "甲<乙>"})) == "{&quot;名称&quot;: &quot;甲&lt;乙&gt;&quot;}"
    assert str(h(12)) == "12"


def test_escaped_text_is_not_escaped_twice() -> None:
    once = escape("a<b")
    assert str(escape(once)) == "a&lt;b"


def test_links_escape_the_text_and_encode_the_address() -> None:
    assert str(link("任务 T1", "tasks/T1/")) == '<a href="tasks/T1/">任务 T1</a>'
    assert str(link("<b>", 'x/"><script>')) == ('<a href="x/%22%3E%3Cscript%3E">&lt;b&gt;</a>')
    assert str(link("官网", "https://example.gov.cn/a?b=1#c")) == (
        '<a href="https://example.gov.cn/a?b=1#c">官网</a>'
    )


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:x", " data:text/html,x"]
)
def test_links_to_other_schemes_are_refused(href: str) -> None:
    assert safe_href(href) is None
    assert str(link("<点击>", href)) == "&lt;点击&gt;"


def test_code_and_url_parts_are_escaped() -> None:
    assert str(code("a`b<c")) == "<code>a&#96;b&lt;c</code>"
    assert url_part("v 1/2?") == "v%201%2F2%3F"
    assert str(verbatim("x\ny\u202e")) == "x y[U+202E]"
    # A code block keeps its line as is, but a tab is a control like any other.
    assert str(verbatim("a\tb")) == "a[U+0009]b"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "是"),
        (False, "否"),
        (None, ""),
        ("<i>x</i>", "&lt;i&gt;x&lt;/i&gt;"),
        (3, "3"),
        (["a<", "b"], "a&lt;、b"),
        ([], ""),
    ],
)
def test_cell_shows_plain_values(value: object, shown: str) -> None:
    assert str(cell(value)) == shown


def test_cell_names_inspectors_and_marks_substitutes() -> None:
    present = [{"id": "I-001", "role": "lead"}, {"id": "I-<2>", "role": "substitute"}]
    assert str(cell(present)) == "I-001、I-&lt;2&gt;（替补）"
    assert str(cell({"id": 7})) == "7"


def test_cell_shows_amounts_in_yuan() -> None:
    assert str(cell({"kind": "罚款", "fen": 123456})) == "罚款 1234.56 元"
    assert str(cell([{"fen": 5}, {"kind": "没收", "fen": 100000}])) == "0.05 元、没收 1000.00 元"


def test_cell_shows_other_objects_as_escaped_json() -> None:
    assert str(cell({"note": "<b>"})) == "{&quot;note&quot;: &quot;&lt;b&gt;&quot;}"
    assert str(cell({"备注": "甲"})) == "{&quot;备注&quot;: &quot;甲&quot;}"  # not \u7532


def test_table_cells_are_escaped_and_a_missing_value_is_an_empty_cell() -> None:
    # Every {{ }} of a template goes through the escape; None (a field a record leaves out)
    # is an empty cell, not the word "None".
    shown = str(table(["项目", "内<容>"], [[None, "<b>"], ["a|b", 3]]))
    rows = [
        "<tr><th>项目</th><th>内&lt;容&gt;</th></tr>",
        "<tr><td></td><td>&lt;b&gt;</td></tr>",
        "<tr><td>a&#124;b</td><td>3</td></tr>",
    ]
    assert all(row in shown for row in rows)
    assert "None" not in shown
