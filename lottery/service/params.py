"""A task's parameters as the service stores them (`task.params`) and reads them back."""

from __future__ import annotations

from typing import Any

from lottery.core.beacon import BeaconSpec
from lottery.core.cross_check import CrossCheck
from lottery.core.draw import TaskParams
from lottery.core.joint import Departments
from lottery.storage.models import Task


def params_to_json(params: TaskParams) -> dict[str, Any]:
    """The stored form of a task's parameters (everything but id and title)."""
    return (
        {
            "org_units": list(params.org_units),
            "window_start": params.window_start,
            "window_end": params.window_end,
            "ratios": dict(params.ratios),
            "team_size": params.team_size,
            "disclosure": params.disclosure,
            "beacon": params.beacon.to_dict(),
            "cap": params.cap,
            "items": [[code, version] for code, version in params.items],
        }
        | ({"disclose_early": True} if params.disclose_early else {})
        | (
            {"cap_exceptions": [[t, r] for t, r in params.cap_exceptions]}
            if params.cap_exceptions
            else {}
        )
        | ({"cross_check": params.cross_check.to_dict()} if params.cross_check.on else {})
        | (
            {"plan": {"year": params.plan[0], "entry": params.plan[1]}}
            if params.plan is not None
            else {}
        )
        | ({} if params.departments is None else {"departments": params.departments.to_dict()})
    )


def params_from_task(task: Task) -> TaskParams:
    """Rebuild :class:`TaskParams` from a stored task.

    Raises:
        EncodingError: when the stored beacon spec is malformed.
    """
    p = task.params
    return TaskParams(
        task=task.id,
        title=task.title,
        org_units=tuple(p["org_units"]),
        window_start=p["window_start"],
        window_end=p["window_end"],
        ratios=dict(p["ratios"]),
        team_size=int(p["team_size"]),
        disclosure=p["disclosure"],
        beacon=BeaconSpec.from_dict(p["beacon"]),
        cap=p.get("cap"),
        items=tuple((str(c), int(v)) for c, v in p.get("items", [])),
        disclose_early=bool(p.get("disclose_early", False)),
        cap_exceptions=tuple((str(t), str(r)) for t, r in p.get("cap_exceptions", [])),
        cross_check=CrossCheck.from_announcement(p),
        plan=(int(p["plan"]["year"]), str(p["plan"]["entry"])) if p.get("plan") else None,
        departments=Departments.from_announcement(p),
    )
