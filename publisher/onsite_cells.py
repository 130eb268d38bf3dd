"""The on-site record of a result (issue #16) as the results page shows it: each checklist
point with its answer and note, the time of the check in Beijing time, each evidence file
with its kind and source. Plain strings; the page escapes them like every other cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from publisher.render import beijing


def _answer(n: int, a: Mapping[str, Any]) -> str:
    note = str(a.get("note", "")).strip()
    return f"{n}. {a['point']}：{a['answer']}" + (f"（{note}）" if note else "")


def _evidence(e: Mapping[str, Any]) -> str:
    typed = "、".join(str(e[k]) for k in ("kind", "source") if e.get(k))
    return f"{e['name']}" + (f"（{typed}）" if typed else "") + f" SHA-256 {e['sha256']}"


def readable(content: Mapping[str, Any]) -> dict[str, Any]:
    """``content`` (a result's opened sealed content) with its on-site members as text."""
    out = dict(content)
    if "checklist" in out:
        out["checklist"] = "；".join(_answer(n, a) for n, a in enumerate(out["checklist"], 1))
    for key in ("started", "ended"):
        if key in out:
            out[key] = beijing(out[key])
    if out.get("evidence"):
        out["evidence"] = [_evidence(e) for e in out["evidence"]]
    return out
