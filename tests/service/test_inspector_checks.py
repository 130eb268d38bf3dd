"""One check of an inspector named after the draw (a substitute, a re-check's inspectors),
SQLite and PostgreSQL: registered, active, certificate valid on every day, no conflict."""

from __future__ import annotations

from datetime import date

from lottery.service.inspector_checks import InspectorProblem, inspector_problem
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Inspector
from tests import lifecycle as lc

DAY = date(2026, 3, 20)


def test_each_reason_an_inspector_may_not_inspect(service: Lifecycle) -> None:
    regs = lc.small_registries()
    valid = {i.id for i in regs.inspectors if i.cert_valid_to >= DAY.isoformat()}
    target, conflicted = next((t, i) for t, i in regs.conflicts if i in valid)
    expired = next(i.id for i in regs.inspectors if i.cert_valid_to < DAY.isoformat())
    fine = next(i for i in sorted(valid) if (target, i) not in regs.conflicts)
    with service.session() as s, s.begin():
        assert inspector_problem(s, fine, [DAY], target) is None
        assert inspector_problem(s, "NO-SUCH", [DAY], target) == InspectorProblem("unregistered")
        # The first day the certificate does not cover is named.
        later = [DAY, date(2030, 1, 2), date(2031, 1, 2)]
        assert inspector_problem(s, fine, later, target) == InspectorProblem(
            "certificate", date(2030, 1, 2)
        )
        assert inspector_problem(s, expired, [DAY], target) == InspectorProblem("certificate", DAY)
        assert inspector_problem(s, conflicted, [DAY], target) == InspectorProblem("conflict")
        row = s.get(Inspector, fine)
        assert row is not None
        row.status = "left"
        s.add(row)
        s.flush()
        problem = inspector_problem(s, fine, [DAY], target)
        assert problem == InspectorProblem("inactive") and problem.not_active
