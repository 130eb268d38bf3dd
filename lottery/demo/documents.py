"""The demo's documents (docs/documents.md): for every pick of the disclosed task T2026-001,
the 行政检查通知书 and a blank 现场检查笔录 the day after its draw; the 检查结果告知书 follow
from the approvals (:mod:`lottery.demo.results`). After the results, the PDFs are written to
``DIR/data/documents/`` (outside the site, which never holds them), with ``notice.png``, a
picture of the first notice's first page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lottery.core.outcome import decode_outcome
from lottery.service.document_issue import DocumentConfig, listed
from lottery.service.documents import DocumentsService
from lottery.service.lifecycle import Lifecycle

from .results import OFFICE, T_RESULTS, TASK

ISSUER = "执法科 陈思远"
T_NOTICES = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 Beijing, the day after the draw
Phase = tuple[datetime, Callable[[], None]]


def _issue(lc: Lifecycle, lines: list[str]) -> None:
    docs = DocumentsService(lc, DocumentConfig(OFFICE))
    with lc.session() as s:
        targets = decode_outcome(lc.open_outcome(s, TASK)[1]).picks()
    for i, target in enumerate(targets):
        at = T_NOTICES + timedelta(minutes=i)
        docs.issue(TASK, target, "notice", at, actor=ISSUER)
        docs.issue(TASK, target, "record", at, actor=ISSUER)
    lines.append(f"{TASK}: 行政检查通知书 and blank 现场检查笔录 issued for {len(targets)} targets")


def _write(lc: Lifecycle, out: Path, lines: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with lc.session() as s:
        docs = [d for d in listed(s, TASK) if d.status == "current"]
    for d in docs:
        (out / f"{d.target}-{d.kind}.pdf").write_bytes(d.pdf)
    first = next(d for d in docs if d.kind == "notice")
    png = DocumentsService(lc, DocumentConfig(OFFICE)).page_png(first)
    (out / "notice.png").write_bytes(png)
    lines.append(f"{TASK}: {len(docs)} document PDFs written to {out} (never on the site)")


def with_documents(phases: list[Phase], lc: Lifecycle, out: Path, lines: list[str]) -> list[Phase]:
    """``phases`` (time order) with the documents' two: issuing, and writing the PDFs."""
    extra = [(T_NOTICES, lambda: _issue(lc, lines))]
    extra.append((T_RESULTS + timedelta(seconds=1), lambda: _write(lc, out, lines)))
    return sorted([*phases, *extra], key=lambda phase: phase[0])
