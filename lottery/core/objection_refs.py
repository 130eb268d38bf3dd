"""The checks of objection outcomes (异议处理结果, ``lottery verify``; docs/objections.md).

Part of the reference checks (:mod:`lottery.core.publication_refs`), walked in log order:

- ``objection.result``: an ``objection-outcome`` names an ``inspection-result`` published
  before it, of the same task and target;
- ``objection.correction``: an upheld objection names a correction published before the
  outcome: an ``inspection-result`` whose ``supersedes`` is exactly the result objected to;
- ``objection.dates``: the objection was received neither before the (Beijing) day the result
  was published nor after the day it was decided, and it was decided neither before it was
  received nor after the day the outcome was published;
- ``objection.period``: the period starts on the Beijing day the result was published, and
  (with the calendar the verifier trusts, :func:`period_problem`) its ``due`` day is
  ``workdays`` working days after that start, and the objection was received by then.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from .canonical import beijing_date
from .check_names import CheckName
from .records import Record
from .workdays import CalendarDataMissing, WorkCalendar


def objection_problem(record: Record, results: Mapping[str, Record]) -> tuple[str, str] | None:
    """The first wrong reference or date of an ``objection-outcome``, as ``(check, detail)``.

    ``results``: every ``inspection-result`` published before it, by id.
    """
    body = record.body
    name = f"objection-outcome {record.id[:16]}"
    ref = body["result"]
    result = results.get(ref)
    if result is None:
        detail = f"names {ref[:16]}, which is not an inspection result published before it"
        return CheckName.OBJECTION_RESULT, f"{name}: {detail}"
    if (result.body["task"], result.body["target"]) != (body["task"], body["target"]):
        return CheckName.OBJECTION_RESULT, (
            f"{name}: is for {body['task']}/{body['target']} but names a result of "
            f"{result.body['task']}/{result.body['target']}"
        )
    fix = body["correction"]
    if fix is not None:
        correction = results.get(fix)
        if correction is None or correction.body["supersedes"] != ref:
            return CheckName.OBJECTION_CORRECTION, (
                f"{name}: names {fix[:16]} as the correction, which is not a correction of "
                f"{ref[:16]} published before it"
            )
    shown = beijing_date(result.body["time"]).isoformat()
    published = beijing_date(body["time"]).isoformat()
    received, decided = body["received"], body["decided"]
    if received < shown:
        detail = f"received {received}, before the result was published ({shown})"
        return CheckName.OBJECTION_DATES, f"{name}: {detail}"
    if decided < received:
        detail = f"decided {decided}, before it was received ({received})"
        return CheckName.OBJECTION_DATES, f"{name}: {detail}"
    if decided > published:
        detail = f"decided {decided}, after the outcome was published ({published})"
        return CheckName.OBJECTION_DATES, f"{name}: {detail}"
    if body["period"]["start"] != shown:
        return CheckName.OBJECTION_PERIOD, (
            f"{name}: the period starts {body['period']['start']}, but the result was "
            f"published on {shown}"
        )
    return None


def period_problem(record: Record, calendar: WorkCalendar) -> tuple[str, str] | None:
    """Whether the ``due`` day is ``workdays`` working days after the period's start with
    ``calendar``, and the objection was received by then; ``(check, detail)`` when not.

    Raises:
        CalendarDataMissing: when the calendar has no data for a year on the way.
    """
    body = record.body
    period = body["period"]
    start = period["start"]
    due = calendar.add_workdays(date.fromisoformat(start), period["workdays"]).isoformat()
    name = f"objection-outcome {record.id[:16]}"
    if period["due"] != due:
        return CheckName.OBJECTION_PERIOD, (
            f"{name}: claims the period is due {period['due']}, but {period['workdays']} "
            f"working days from {start} end on {due}"
        )
    if body["received"] > due:
        return CheckName.OBJECTION_PERIOD, (
            f"{name}: received {body['received']}, after the period ended on {due}"
        )
    return None


__all__ = ["CalendarDataMissing", "objection_problem", "period_problem"]
