"""The public result table shows each document's name, number and SHA-256 (never the PDF)."""

from __future__ import annotations

from publisher.pages import FIELD_LABELS, cell


def test_documents_are_shown_by_number_and_hash() -> None:
    h = "ab" * 32
    value = [
        {"kind": "notice", "number": "人防检通〔2026〕1号", "sha256": h},
        {"kind": "result", "number": "<b>人防检告〔2026〕1号</b>", "sha256": h},
    ]
    html = str(cell(value))
    assert f"行政检查通知书 人防检通〔2026〕1号（SHA-256 {h}）" in html
    assert "检查结果告知书 &lt;b&gt;人防检告〔2026〕1号&lt;/b&gt;" in html  # escaped
    assert FIELD_LABELS["documents"] == "执法文书"
