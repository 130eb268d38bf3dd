"""The references of rectification orders and re-checks (整改/复查, ``lottery verify``).

Part of the reference checks (:mod:`lottery.core.publication_refs`), walked in log order:

- ``rectification.order``: a ``rectification-order`` names an ``inspection-result`` published
  before it, of the same task and target, still current (not superseded by a correction yet),
  whose categories are not just 未发现问题; its ``due`` date is not before the (Beijing) day it
  was published;
- ``rectification.check``: a ``rectification-check`` names a ``rectification-order`` published
  before it, of the same task and target, re-checked by no earlier record (one re-check per
  order); its ``date`` is neither before the day the order was published nor after the day
  the re-check itself was published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .canonical import beijing_date
from .check_names import CheckName
from .records import NO_PROBLEM, Record

RECTIFICATION_TYPES = ("rectification-order", "rectification-check")


@dataclass
class Rectifications:
    """The orders seen so far and which of them were re-checked (by the re-check's id)."""

    orders: dict[str, Record] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)

    def add(
        self, record: Record, results: Mapping[str, Record], superseded: Mapping[str, str]
    ) -> tuple[str, str] | None:
        """Take the next order or re-check; ``(check, detail)`` when its references are wrong.

        ``results``: the inspection results published before it, by id; ``superseded``: the
        results already superseded, with the correction that did it.
        """
        if record.type == "rectification-order":
            self.orders[record.id] = record
            problem = _order_problem(record, results, superseded)
            if problem is None:
                return None
            return CheckName.RECTIFICATION_ORDER, f"rectification-order {record.id[:16]}: {problem}"
        problem = self._check_problem(record)
        if problem is None:
            return None
        return CheckName.RECTIFICATION_CHECK, f"rectification-check {record.id[:16]}: {problem}"

    def _check_problem(self, record: Record) -> str | None:
        body = record.body
        ref = body["order"]
        order = self.orders.get(ref)
        if order is None:
            return f"names {ref[:16]}, which is not a rectification order published before it"
        if (order.body["task"], order.body["target"]) != (body["task"], body["target"]):
            return (
                f"re-checks {body['task']}/{body['target']} but names an order for "
                f"{order.body['task']}/{order.body['target']}"
            )
        earlier = self.checked.get(ref)
        if earlier is not None:
            return f"order {ref[:16]} was already re-checked by {earlier[:16]}"
        self.checked[ref] = record.id
        ordered = beijing_date(order.body["time"]).isoformat()
        published = beijing_date(body["time"]).isoformat()
        if body["date"] < ordered:
            return f"re-check date {body['date']} is before the order was published ({ordered})"
        if body["date"] > published:
            return f"re-check date {body['date']} is after the re-check was published ({published})"
        return None


def _order_problem(
    record: Record, results: Mapping[str, Record], superseded: Mapping[str, str]
) -> str | None:
    body = record.body
    ref = body["result"]
    result = results.get(ref)
    if result is None:
        return f"names {ref[:16]}, which is not an inspection result published before it"
    if (result.body["task"], result.body["target"]) != (body["task"], body["target"]):
        return (
            f"orders {body['task']}/{body['target']} but names a result of "
            f"{result.body['task']}/{result.body['target']}"
        )
    if ref in superseded:
        return f"names {ref[:16]}, superseded by {superseded[ref][:16]} before the order"
    if result.body["categories"] == [NO_PROBLEM]:
        return f"names {ref[:16]}, a result that found no problem ({NO_PROBLEM})"
    ordered = beijing_date(body["time"]).isoformat()
    if body["due"] < ordered:
        return f"due {body['due']} is before the order was published ({ordered})"
    return None
