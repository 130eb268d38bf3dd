"""The demo's exchange with the national platforms (docs/exchange.md): after the October
withdrawals the office exports 2026's tasks, disclosed picks and results for the national
双随机 platform and the results for the credit publicity system, into ``DIR/exchange/``, and
marks the national results file sent the same day."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lottery.service.exchange import ExchangeService
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import local_date

T_EXCHANGE = datetime(2026, 10, 13, 2, 0, tzinfo=UTC)  # 10:00 Beijing, Tue 13 Oct 2026
EXPORTS = (
    ("national", "tasks", "xlsx"),
    ("national", "picks", "xlsx"),
    ("national", "results", "xlsx"),
    ("credit", "results", "csv"),
)
CLERK = "办公室 孙雅琴"  # reports to the platforms


def exchange_exports(lc: Lifecycle, office: str, out: Path, lines: list[str]) -> None:
    """Make the demo's exports under ``out`` and mark the national results sent."""
    out.mkdir(parents=True, exist_ok=True)
    service = ExchangeService(lc.engine, lc.log, office)
    for fmt, kind, file_type in EXPORTS:
        made = service.export(fmt, kind, 2026, file_type, T_EXCHANGE, actor=CLERK)
        (out / made.filename).write_bytes(made.data)
        lines.append(
            f"exchange {made.filename}: {made.row.rows} rows, sha256 {made.row.sha256[:16]}..."
        )
        if (fmt, kind) == ("national", "results"):
            sent = local_date(T_EXCHANGE)
            service.mark_sent(made.row.id or 0, sent, T_EXCHANGE, actor=CLERK)
            lines.append(f"exchange {made.filename}: marked sent on {sent.isoformat()}")
