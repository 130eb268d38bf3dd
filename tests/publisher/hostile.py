"""A public export whose records carry hostile text in every field that reaches the site.

The service now refuses such text (lottery/core/text_safety.py), but a log published before
that refusal may hold it, and a signed, append-only record never changes: the site must show
it inert. The records are built as tests/publisher/factory.py builds them (core + the TEST-ONLY
signing key, never the service), with the factory's names, titles, items, snapshot rows and
result, report, penalty and cancellation texts replaced by :data:`PAYLOAD` (and a 100 kB text).

Every payload that could run script sets ``window.__pwned``; the browser test asserts it never
does (tests/browser/test_hostile_site.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

from lottery.service import inmemory
from tests.publisher import factory
from tests.publisher.factory import Built

# One string per way in: markup, attribute breakers, Markdown links and autolinks to
# javascript:, comments, the <title> breaker, raw-text elements, template syntax, entities,
# Markdown specials, NUL and other C0/C1 controls, bidi overrides and isolates, line and
# paragraph separators, XML noncharacters, 4-byte emoji and a ZWJ sequence, CDATA ends.
HOSTILE = (
    "<script>window.__pwned=1</script>",
    '"\'><svg onload="window.__pwned=2">',
    '<img src=x onerror="window.__pwned=3">',
    "[点我](javascript:window.__pwned=4)",
    "<javascript:window.__pwned=5>",
    '<a href="javascript:window.__pwned=6">链接</a>',
    "<!-- 注释 --> -->",
    "</title><script>window.__pwned=7</script>",
    '</textarea></style><iframe srcdoc="<script>parent.__pwned=8</script>"></iframe>',
    '<div markdown="1" onclick="window.__pwned=9">块</div>',
    "{{ 7*7 }} {% raw %} ${7*7}",
    "&lt;script&gt; &amp; &#60;b&#62;",
    "**粗体** _斜体_ `代码` # 标题 | 竖线 \\ ~~删除~~",
    "NUL\x00 控制\x01\x08\x0b\x0c\x1b[31m\x7f\x85\r",
    "\u202e反转\u202c \u2066隔离\u2069 \u200f",
    "\u2028行\u2029段",
    "\ufffe\uffff",
    "😀👨‍👩‍👧",
    "javascript:window.__pwned=10",
    "]]> <![CDATA[ x",
)
PAYLOAD = " ".join(HOSTILE)
# The worst of it for fields limited to 100 and 200 characters by the record schemas.
SHORT = "</title><script>window.__pwned=11</script>\"'><svg onload=window.__pwned=12>\x00\x1b\u202e"
MEDIUM = (
    SHORT
    + " [x](javascript:window.__pwned=13) <img src=x onerror=window.__pwned=14>"
    + " <!-- *_`#|\\ \ufffe\u2028😀"
)
# As big as a record may be: a log entry is at most 64 KiB (C2SP tlog-tiles), so a 100 kB
# text cannot be published at all; this is about 58 kB of UTF-8.
BIG = "长" * 19_000 + PAYLOAD
# What no page may show as an element, whatever its text says.
BIDI = ("\u202e", "\u202c", "\u2066", "\u2069", "\u200f")


def _hostile_item(orig: Callable[[str, str], dict[str, object]]) -> Callable[..., Any]:
    def item(code: str, name: str) -> dict[str, object]:
        fields = orig(code, name + MEDIUM)
        for key in ("basis", "content", "requirements"):
            fields[key] = PAYLOAD
        for key in ("subject", "item", "ratio", "frequency", "method"):
            fields[key] = MEDIUM
        fields["checklist"] = [{"point": MEDIUM, "basis": PAYLOAD}]  # 检查要点 (issue #16)
        return fields

    return item


def _hostile_snapshot(orig: Callable[[str, list[Any]], bytes]) -> Callable[..., bytes]:
    def encode(registry: str, rows: list[tuple[str, ...]]) -> bytes:
        if registry == "org-units":
            rows = [(r[0], r[1] + MEDIUM, *r[2:]) for r in rows]
        return orig(registry, rows)

    return encode


def _hostile_fields(kind: str, fields: dict[str, object]) -> dict[str, object]:
    if kind == "inspection-result":
        return fields | {
            "findings": PAYLOAD,
            "follow_up": PAYLOAD,
            "place": MEDIUM,  # sealed with the findings (at most 500 characters)
            # The on-site record (issue #16), sealed too.
            # Every task of the factory cites RF-01 and RF-03 (v2): one hostile point each.
            "checklist": [
                {"item": code, "point": MEDIUM, "answer": "不涉及", "note": PAYLOAD}
                for code in ("RF-01", "RF-03")
            ],
            "no_evidence_reason": PAYLOAD,
            "entered_by": SHORT,
            "approved_by": SHORT,
        }
    if kind == "task-report":
        return fields | {"text": BIG, "drafted_by": SHORT, "approved_by": SHORT}
    if kind == "penalty":
        return fields | {
            "decision": f"{fields['decision']}{SHORT}",
            "facts": PAYLOAD,
            "basis": PAYLOAD,
            "kind": MEDIUM,
            "content": PAYLOAD,
            "authority": MEDIUM,
            "entered_by": SHORT,
        }
    if kind == "penalty-withdrawal":
        return fields | {"reason": PAYLOAD}
    return fields


def _hostile_results(
    orig: Callable[..., Callable[[], None] | None],
) -> Callable[..., Callable[[], None] | None]:
    def results(
        built: Built,
        run: inmemory.TaskRun,
        task: str,
        count: int,
        at: datetime,
        publish: Callable[[datetime, str, dict[str, object]], str],
        visits: dict[str, list[tuple[datetime, str]]],
    ) -> Callable[[], None] | None:
        def hostile(at: datetime, kind: str, fields: dict[str, object]) -> str:
            return publish(at, kind, _hostile_fields(kind, fields))

        return orig(built, run, task, count, at, hostile, visits)

    return results


@contextmanager
def _hostile_factory() -> Iterator[None]:
    cancel = inmemory.cancel
    with (
        mock.patch.object(factory, "TRADES", ("工程监理" + MEDIUM,)),
        mock.patch.object(factory, "GIVEN", (MEDIUM,)),
        mock.patch.object(factory, "_item", _hostile_item(factory._item)),
        mock.patch.object(factory, "encode_snapshot", _hostile_snapshot(factory.encode_snapshot)),
        mock.patch.object(factory, "_results", _hostile_results(factory._results)),
        mock.patch.object(inmemory, "cancel", lambda run, reason, at: cancel(run, PAYLOAD, at)),
    ):
        yield


def build_hostile_export(out: Path) -> Built:
    """An export with every task state, results, a report and penalties, all hostile."""
    with _hostile_factory():
        return factory.build_export(out, tasks=5, targets=400, pool=300, results=3)
