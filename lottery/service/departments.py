"""部门联合抽查: the name of the office's own department (docs/spec.md section 4).

An inspector whose 所属部门 is empty in the inspectors registry is one of the office's own. A
joint task is led by the office (it runs the draw): its announcement names the office as the
lead, by default with the office's name (``LOTTERY_OFFICE_NAME``), and its team input gives the
office's own inspectors that name.
"""

from __future__ import annotations

from lottery.settings import Settings


def own_department() -> str:
    """The office's own department: the office's name from the settings."""
    return Settings().office_name
