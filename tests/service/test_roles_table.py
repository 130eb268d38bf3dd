"""The role table as docs/service.md ("Roles") states it, and how roles combine.

The expected table is transcribed by hand from the documentation, not computed from
``lottery/service/roles.py``: a permission granted to or taken from a role by mistake fails
here, and so does a change in how a user's several roles add up.
"""

from __future__ import annotations

import pytest

from lottery.service.roles import Perm, Role, permissions, roles_with

# docs/service.md, "Roles": permission -> the roles ticked in its row.
DOC_TABLE = """
users.manage     admin
task.read        admin planner inspector reviewer auditor
registry.read    admin planner inspector reviewer auditor
task.plan        admin planner
task.draw        admin planner
task.disclose    admin planner reviewer
task.cancel      admin planner
outcome.read     admin planner inspector
registry.write   admin planner
beacon.enter     admin planner
beacon.confirm   admin planner reviewer
result.enter     admin inspector
result.review    admin reviewer
publication.review admin reviewer
report.write     admin planner
penalty.write    admin planner
calendar.write   admin planner
audit.read       admin auditor
"""

HOLDERS = {
    line.split()[0]: line.split()[1:] for line in DOC_TABLE.strip().splitlines() if line.strip()
}


def test_the_documented_table_names_every_permission() -> None:
    assert sorted(HOLDERS) == sorted(p.value for p in Perm)


@pytest.mark.parametrize("perm", sorted(HOLDERS))
def test_roles_with_each_permission_match_the_documentation(perm: str) -> None:
    # In Role declaration order (admin, planner, inspector, reviewer, auditor), as the
    # console and the error messages list them.
    assert [r.value for r in roles_with(Perm(perm))] == HOLDERS[perm]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_a_single_role_holds_exactly_its_documented_permissions(role: str) -> None:
    expected = {Perm(p) for p, roles in HOLDERS.items() if role in roles}
    assert permissions([role]) == expected


def test_several_roles_hold_the_union_of_their_permissions() -> None:
    # The inspector reads the sealed list, the reviewer approves results: a user with both
    # roles may do both, not only what the last role listed grants.
    held = permissions(["inspector", "reviewer"])
    assert Perm.OUTCOME_READ in held
    assert Perm.RESULT_ENTER in held
    assert Perm.RESULT_REVIEW in held
    assert Perm.BEACON_CONFIRM in held
    assert Perm.TASK_PLAN not in held
    assert permissions(["reviewer", "inspector"]) == held


def test_an_unknown_role_grants_nothing_and_does_not_hide_the_others() -> None:
    # A stale role name left in the database (e.g. after a rename) must not cost the user
    # the roles listed after it.
    assert permissions(["retired-role"]) == frozenset()
    assert permissions(["retired-role", "auditor"]) == permissions(["auditor"])
    assert Perm.AUDIT_READ in permissions(["", "retired-role", "auditor"])


def test_no_role_means_no_permission() -> None:
    assert permissions([]) == frozenset()
