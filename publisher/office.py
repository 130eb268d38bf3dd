"""Who runs the site and how to reach them: the 关于本站 page and the footer of every page.

The export says nothing about the office's address or phone (it holds signed records only), so
the site builder is told: :func:`publisher.build.build_site` takes an :class:`Office`. The
service and ``lottery publish`` make it from the settings ``LOTTERY_OFFICE_NAME``,
``LOTTERY_OFFICE_ADDRESS``, ``LOTTERY_OFFICE_PHONE``, ``LOTTERY_OFFICE_EMAIL``,
``LOTTERY_OFFICE_HOURS`` and ``LOTTERY_OFFICE_RULES`` (docs/site.md, "关于本站"); the demo uses
its fictional city's (:func:`lottery.demo.city.demo_office`). An empty field is left off the
page rather than shown empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from publisher.render import render

DEFAULT_NAME = "市人民防空办公室"


@dataclass(frozen=True)
class Office:
    """The office that runs the site, as the public reads it (all plain text, untrusted).

    Attributes:
        name: the office's full name (``LOTTERY_OFFICE_NAME``).
        address: its postal address, where written objections go.
        phone: a phone number for questions and objections.
        email: an e-mail address for questions and objections.
        hours: when the phone is answered (办公时间).
        rules: the title of the office's own implementing rules (实施细则) for 双随机、一公开,
            named among the legal bases of the publication; empty: not named.
    """

    name: str = DEFAULT_NAME
    address: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""
    rules: str = ""

    def contacts(self) -> list[list[str]]:
        """(label, value) rows of the contact fields that are set, in reading order."""
        rows = [
            ["单位", self.name],
            ["地址", self.address],
            ["电话", self.phone],
            ["电子邮箱", self.email],
            ["办公时间", self.hours],
        ]
        return [row for row in rows if row[1].strip()]

    def footer(self) -> dict[str, Any]:
        """What the theme's footer shows on every page (``config.extra.office``)."""
        return {"name": self.name, "phone": self.phone}


def about_page(office: Office) -> str:
    """关于本站: who runs the site, how to reach the office, how to object, the legal basis."""
    return render("about.md", office=office, contacts=office.contacts())
