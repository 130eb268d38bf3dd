"""部门联合抽查 in the core: the announcement's departments, the team-input members, and what
``inspectors.departments`` refuses (docs/spec.md §4 "Joint tasks")."""

from __future__ import annotations

import pytest

from lottery.core.errors import EncodingError, InputError
from lottery.core.joint import Departments, joint_problem
from lottery.core.outcome import decode_team_input, encode_team_input, make_team_input

JOINT = Departments("人防办", ("住建局", "消防支队"), one_per_team=True)


def test_the_announcement_member_round_trips_and_bad_names_are_refused() -> None:
    body = {"departments": JOINT.to_dict()}
    assert body["departments"] == {
        "lead": "人防办",
        "participants": ["住建局", "消防支队"],
        "one_per_team": True,
    }
    assert Departments.from_announcement(body) == JOINT
    assert Departments.from_announcement({}) is None
    assert "one_per_team" not in Departments("人防办", ("住建局",)).to_dict()
    for lead, others, match in [
        ("人防办", ("人防办",), "named twice"),
        (" ", ("住建局",), "not blank"),
        ("人防办", (), "1 to 20"),
    ]:
        with pytest.raises(InputError, match=match):
            Departments(lead, others)


def test_the_team_input_members_are_absent_unless_joint_and_round_trip() -> None:
    plain = make_team_input("T1", ["E2", "E1"], [], [], frozenset())
    assert b"departments" not in encode_team_input(plain)
    joint = make_team_input(
        "T1",
        ["E2", "E1", "E3"],
        [],
        [],
        frozenset(),
        departments={"E1": "人防办", "E2": "住建局", "E3": "消防支队", "E9": "住建局"},
        team_departments=JOINT.team_departments,
    )
    data = encode_team_input(joint)
    assert b'"departments":[["E1","\xe4\xba\xba' in data  # inspector order, pool members only
    back = decode_team_input(data)
    assert back.departments == {"E1": "人防办", "E2": "住建局", "E3": "消防支队"}
    assert back.team_departments == ("人防办", "住建局", "消防支队")
    assert joint_problem(JOINT, back.departments, back.team_departments) is None


@pytest.mark.parametrize(
    ("replace", "match"),
    [
        (('"departments":[["E1"', '"departments":[["E2"'), "every inspector once"),
        (
            (
                ',"team_departments":["人防办","住建局","消防支队"]',
                ',"team_departments":["住建局","住建局"]',
            ),
            "twice",
        ),
    ],
)
def test_a_malformed_team_input_is_refused(replace: tuple[str, str], match: str) -> None:
    joint = make_team_input(
        "T1",
        ["E1", "E2", "E3"],
        [],
        [],
        frozenset(),
        departments={"E1": "人防办", "E2": "住建局", "E3": "消防支队"},
        team_departments=JOINT.team_departments,
    )
    text = encode_team_input(joint).decode("utf-8")
    assert replace[0] in text
    with pytest.raises(EncodingError, match=match):
        decode_team_input(text.replace(*replace).encode("utf-8"))


def test_inspectors_departments_refuses_every_mismatch() -> None:
    depts = {"E1": "人防办", "E2": "住建局", "E3": "消防支队"}
    rule = JOINT.team_departments
    assert "names none" in (joint_problem(None, depts, ()) or "")
    assert "gives none" in (joint_problem(JOINT, None, ()) or "")
    assert "not the announced one" in (joint_problem(JOINT, depts, rule[:2]) or "")
    off = Departments("人防办", ("住建局", "消防支队"))
    assert "not the announced one" in (joint_problem(off, depts, rule) or "")
    assert joint_problem(off, depts, ()) is None
    stray = {**depts, "E4": "市场监管局"}
    assert "E4" in (joint_problem(JOINT, stray, rule) or "")
    assert joint_problem(None, None, ()) is None
