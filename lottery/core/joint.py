"""部门联合抽查: a task run with other departments (docs/spec.md section 4, docs/teams.md §8).

The announcement names the lead department (the office itself, whose inspectors have an empty
``department`` in the registry) and the participating ones (``departments``) and,
optionally, the rule that every team includes one inspector of each of them
(``one_per_team``). The team-input blob then gives every pooled inspector's department
(``departments``) and, under the rule, the departments each team must include in slot order
(``team_departments``: the lead first, then the participants in the announcement's order).

Pure functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InputError

MAX_DEPARTMENT_NAME = 100
MAX_PARTICIPANTS = 20


@dataclass(frozen=True)
class Departments:
    """The departments of a joint task: the lead, the participants, and the team rule."""

    lead: str
    participants: tuple[str, ...]
    one_per_team: bool = False

    def __post_init__(self) -> None:
        names = (self.lead, *self.participants)
        if any(not n.strip() or len(n) > MAX_DEPARTMENT_NAME for n in names):
            raise InputError(
                f"a department name must be 1 to {MAX_DEPARTMENT_NAME} characters, not blank"
            )
        if not self.participants or len(self.participants) > MAX_PARTICIPANTS:
            raise InputError(
                f"a joint task names 1 to {MAX_PARTICIPANTS} participating departments"
            )
        if len(set(names)) != len(names):
            raise InputError("a department is named twice (the lead or a participant)")

    @property
    def all(self) -> tuple[str, ...]:
        """Every department of the task: the lead first, then the participants."""
        return (self.lead, *self.participants)

    def named(self, department: str) -> str:
        """An inspector's department by name: ``""`` (the office's own) is the lead."""
        return department or self.lead

    @property
    def team_departments(self) -> tuple[str, ...]:
        """The departments every team must include, in slot order (empty: no such rule)."""
        return self.all if self.one_per_team else ()

    def to_dict(self) -> dict[str, Any]:
        """The announcement's ``departments`` member (``one_per_team`` only when true)."""
        out: dict[str, Any] = {"lead": self.lead, "participants": list(self.participants)}
        if self.one_per_team:
            out["one_per_team"] = True
        return out

    @classmethod
    def from_announcement(cls, body: Mapping[str, Any]) -> Departments | None:
        """The departments an announcement names (``None``: not a joint task).

        Raises:
            InputError: names that are blank, too long or repeated.
        """
        member = body.get("departments")
        if member is None:
            return None
        return cls(member["lead"], tuple(member["participants"]), bool(member.get("one_per_team")))


def joint_problem(
    departments: Departments | None,
    inspector_departments: Mapping[str, str] | None,
    team_departments: Sequence[str],
) -> str | None:
    """What is wrong between an announcement's ``departments`` and its team-input blob, or
    ``None``: a joint task's blob gives every inspector a department of the task, and its
    ``team_departments`` are the lead and the participants exactly when the rule is on; the
    blob of any other task has neither member."""
    if departments is None:
        if inspector_departments is not None or team_departments:
            return "the team input gives departments but the announcement names none"
        return None
    if inspector_departments is None:
        return "the announcement names departments but the team input gives none"
    if tuple(team_departments) != departments.team_departments:
        return (
            "the team input's team rule "
            f"({'、'.join(team_departments) or 'none'}) is not the announced one "
            f"({'、'.join(departments.team_departments) or 'none'})"
        )
    allowed = set(departments.all)
    strays = sorted(i for i, d in inspector_departments.items() if d not in allowed)
    if strays:
        return f"inspectors of a department the task does not name: {', '.join(strays[:20])}"
    return None
